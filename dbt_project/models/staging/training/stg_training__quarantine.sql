{#- Rows of the training extracts that break a row-level rule (macros/quality/row_rules.sql): one
    row per quarantined record, with the rule and the offending value. The staging models of
    training leave these rows out; nothing is loaded with NULLs in place of a bad value. -#}
{{ quarantine_rows('training') }}
