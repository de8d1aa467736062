{#-
    The three resolution columns of a record (account_id, match_method, unmatched_reason), with
    a confirmed override winning over key matching: the rule int_resolved_records applies at each
    step of the key chain. `key_alias` names a relation with key_account_id, key_match_method and
    key_unmatched_reason; `override_alias` a left-joined int_account_overrides row.
    An override whose account is not a live CRM account leaves the record unmatched with the
    override's own reason, so a stale override is visible instead of silently ignored.
-#}
{% macro resolution_columns(key_alias, override_alias) -%}
    case
        when {{ override_alias }}.record_id is not null
            then case when {{ override_alias }}.is_valid then {{ override_alias }}.account_id end
        else {{ key_alias }}.key_account_id
    end as account_id,
    case
        when {{ override_alias }}.record_id is not null
            then case when {{ override_alias }}.is_valid then 'override' end
        else {{ key_alias }}.key_match_method
    end as match_method,
    case
        when {{ override_alias }}.record_id is not null then {{ override_alias }}.invalid_reason
        else {{ key_alias }}.key_unmatched_reason
    end as unmatched_reason
{%- endmacro %}
