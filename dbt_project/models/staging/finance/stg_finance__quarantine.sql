{#- Rows of the finance extracts that break a row-level rule (macros/quality/row_rules.sql): one
    row per quarantined record, with the rule and the offending value. The staging models of
    finance leave these rows out; nothing is loaded with NULLs in place of a bad value. -#}
{{ quarantine_rows('finance') }}
