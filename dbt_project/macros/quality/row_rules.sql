{#-
    Row-level rules of the raw tables, and what staging does with a row that breaks one:
    quarantine it, never load it with NULLs.

    A row that breaks a rule is left out of its staging model and listed, with the first rule it
    breaks and the offending value, in the source's quarantine model
    (`models/staging/<source>/stg_<source>__quarantine.sql`). marts.data_quality_summary then
    proves that every raw row is accounted for:
    raw = staged + deleted + quarantined + superseded (ticket versions).

    Only *row-level* faults live here: a value that does not parse as the date, timestamp or
    number it should be, a number out of its range, a value outside the contract's enumeration,
    a garbage version string, a currency without an exchange rate, or a key pointing to a record
    its own export does not contain. Structural faults (missing or repeated keys) fail the run in
    the raw tables' blocking checks (cs_pipeline/quality); a key that reaches no CRM account is
    not a fault of the row at all but an unmatched record (marts.unmatched_records).

    An empty value never breaks a rule here (empty means null, and most columns are optional).
    Values are read the way the staging models read them (clean_key / clean_text, lower case
    where staging lower-cases), so a value that passes is one staging can type.
-#}

{#-
    One entry per raw table (the extract registry, cs_pipeline/sources.py):
      source, entity        the dbt source (= Dagster asset key)
      file                  the file name without extension (entity in marts.unmatched_records)
      staging               the staging model holding the table's rows that are kept
      key                   the record id columns (as delivered)
      deleted_flag          column whose true marks rows staging removes as deleted
      version_key           column whose repeats are versions of one record (latest one kept)
      event_date            staging column dating the record, for marts.data_quality_summary's
                            count of records dated after as-of (kept; as-of windows ignore them)
      rules                 in the order they are reported; a row is quarantined for the first
                            one it breaks. Kinds: timestamp, date, month, integer, number, boolean,
                            non_negative, positive, range (min/max), accepted_values (values,
                            lower), version, has_fx_rate, references (to_source, to_entity,
                            to_column; to_file names the file in the message).
                            `sql` replaces the column when the value is nested (JSON);
                            `unless` exempts rows (SQL on the raw row, said in `unless_text`).
    Only keys within one export are `references` (an installation whose entitlement is not in the
    same license report); keys into another system are identity resolution's business.
-#}
{% macro quality_entities() -%}
{{ return([
    {'source': 'crm', 'entity': 'account', 'file': 'Account', 'staging': 'stg_crm__account',
     'key': ['Id'], 'deleted_flag': 'IsDeleted', 'event_date': 'created_at',
     'rules': [
        {'column': 'CreatedDate', 'kind': 'timestamp'},
        {'column': 'LastModifiedDate', 'kind': 'timestamp'},
        {'column': 'Type', 'kind': 'accepted_values', 'values': ['Customer', 'Prospect', 'Former Customer']},
        {'column': 'Region__c', 'kind': 'accepted_values', 'values': ['AMER', 'EMEA', 'APJ', 'JAPAN']},
        {'column': 'Segment__c', 'kind': 'accepted_values', 'values': ['Enterprise', 'Mid-Market', 'SMB']},
        {'column': 'IsDeleted', 'kind': 'boolean'},
     ]},
    {'source': 'crm', 'entity': 'user', 'file': 'User', 'staging': 'stg_crm__user',
     'key': ['Id'],
     'rules': [
        {'column': 'IsActive', 'kind': 'boolean'},
     ]},
    {'source': 'crm', 'entity': 'opportunity', 'file': 'Opportunity', 'staging': 'stg_crm__opportunity',
     'key': ['Id'], 'deleted_flag': 'IsDeleted', 'event_date': 'created_at',
     'rules': [
        {'column': 'Amount', 'kind': 'number'},
        {'column': 'Amount', 'kind': 'non_negative'},
        {'column': 'CloseDate', 'kind': 'date'},
        {'column': 'CreatedDate', 'kind': 'timestamp'},
        {'column': 'Type', 'kind': 'accepted_values', 'values': ['New Business', 'Renewal', 'Upsell', 'Cross-sell']},
        {'column': 'IsClosed', 'kind': 'boolean'},
        {'column': 'IsWon', 'kind': 'boolean'},
        {'column': 'IsDeleted', 'kind': 'boolean'},
     ]},
    {'source': 'crm', 'entity': 'task', 'file': 'Task', 'staging': 'stg_crm__task',
     'key': ['Id'], 'deleted_flag': 'IsDeleted', 'event_date': 'activity_date',
     'rules': [
        {'column': 'ActivityDate', 'kind': 'date'},
        {'column': 'Type', 'kind': 'accepted_values', 'values': ['Call', 'Meeting', 'Email', 'QBR']},
        {'column': 'IsDeleted', 'kind': 'boolean'},
     ]},
    {'source': 'crm', 'entity': 'nps_response', 'file': 'NPS_Response__c', 'staging': 'stg_crm__nps_response',
     'key': ['Id'], 'event_date': 'submitted_date',
     'rules': [
        {'column': 'Score__c', 'kind': 'integer'},
        {'column': 'Score__c', 'kind': 'range', 'min': 0, 'max': 10},
        {'column': 'Submitted_Date__c', 'kind': 'date'},
     ]},
    {'source': 'support', 'entity': 'organizations', 'file': 'organizations', 'staging': 'stg_support__organizations',
     'key': ['id'], 'event_date': 'created_at',
     'rules': [
        {'column': 'id', 'kind': 'integer'},
        {'column': 'created_at', 'kind': 'timestamp'},
     ]},
    {'source': 'support', 'entity': 'tickets', 'file': 'tickets', 'staging': 'stg_support__tickets',
     'key': ['id'], 'version_key': 'id', 'event_date': 'created_at',
     'rules': [
        {'column': 'id', 'kind': 'integer'},
        {'column': 'created_at', 'kind': 'timestamp'},
        {'column': 'updated_at', 'kind': 'timestamp'},
        {'column': 'status', 'kind': 'accepted_values', 'lower': true, 'values': ['new', 'open', 'pending', 'hold', 'solved', 'closed']},
        {'column': 'priority', 'kind': 'accepted_values', 'lower': true, 'values': ['low', 'normal', 'high', 'urgent']},
        {'column': 'type', 'kind': 'accepted_values', 'lower': true, 'values': ['problem', 'incident', 'question', 'task']},
        {'column': 'organization_id', 'kind': 'integer'},
        {'column': 'satisfaction_rating.score', 'sql': json_text('satisfaction_rating', '$.score'),
         'kind': 'accepted_values', 'lower': true, 'values': ['good', 'bad', 'offered', 'unoffered']},
        {'column': 'metric_set.solved_at', 'sql': json_text('metric_set', '$.solved_at'), 'kind': 'timestamp'},
     ]},
    {'source': 'finance', 'entity': 'customers', 'file': 'customers', 'staging': 'stg_finance__customers',
     'key': ['customer_number'],
     'rules': []},
    {'source': 'finance', 'entity': 'subscriptions', 'file': 'subscriptions', 'staging': 'stg_finance__subscriptions',
     'key': ['contract_id', 'line_id'], 'event_date': 'start_date',
     'rules': [
        {'column': 'start_date', 'kind': 'date'},
        {'column': 'end_date', 'kind': 'date'},
        {'column': 'annual_value', 'kind': 'number'},
        {'column': 'annual_value', 'kind': 'non_negative'},
        {'column': 'currency', 'kind': 'has_fx_rate'},
        {'column': 'support_tier', 'kind': 'accepted_values', 'values': ['Standard', 'Premium', 'TAM']},
        {'column': 'auto_renew', 'kind': 'accepted_values', 'values': ['Y', 'N']},
        {'column': 'status', 'kind': 'accepted_values', 'values': ['Active', 'Expired', 'Cancelled']},
     ]},
    {'source': 'finance', 'entity': 'invoices', 'file': 'invoices', 'staging': 'stg_finance__invoices',
     'key': ['invoice_number'], 'event_date': 'invoice_date',
     'rules': [
        {'column': 'invoice_date', 'kind': 'date'},
        {'column': 'due_date', 'kind': 'date'},
        {'column': 'paid_date', 'kind': 'date'},
        {'column': 'amount', 'kind': 'number'},
        {'column': 'amount', 'kind': 'non_negative', 'unless': clean_text('status') ~ " = 'Credit'",
         'unless_text': 'status Credit (a credit note)'},
        {'column': 'currency', 'kind': 'has_fx_rate'},
        {'column': 'status', 'kind': 'accepted_values', 'values': ['Open', 'Paid', 'Void', 'Credit']},
     ]},
    {'source': 'finance', 'entity': 'fx_rates', 'file': 'fx_rates', 'staging': 'stg_finance__fx_rates',
     'key': ['currency', 'month'],
     'rules': [
        {'column': 'month', 'kind': 'month'},
        {'column': 'rate_to_usd', 'kind': 'number'},
        {'column': 'rate_to_usd', 'kind': 'positive'},
     ]},
    {'source': 'training', 'entity': 'enrollments', 'file': 'enrollments', 'staging': 'stg_training__enrollments',
     'key': ['enrollment_id'], 'event_date': 'enrolled_at',
     'rules': [
        {'column': 'enrolled_at', 'kind': 'timestamp'},
        {'column': 'completed_at', 'kind': 'timestamp'},
        {'column': 'status', 'kind': 'accepted_values', 'lower': true, 'values': ['completed', 'in_progress', 'not_started']},
        {'column': 'score', 'kind': 'number'},
        {'column': 'score', 'kind': 'range', 'min': 0, 'max': 100},
     ]},
    {'source': 'licenses', 'entity': 'entitlements', 'file': 'entitlements', 'staging': 'stg_licenses__entitlements',
     'key': ['entitlement_id'], 'event_date': 'start_date',
     'rules': [
        {'column': 'seats_purchased', 'kind': 'integer'},
        {'column': 'seats_purchased', 'kind': 'non_negative'},
        {'column': 'start_date', 'kind': 'date'},
        {'column': 'expiry_date', 'kind': 'date'},
     ]},
    {'source': 'licenses', 'entity': 'installations', 'file': 'installations', 'staging': 'stg_licenses__installations',
     'key': ['installation_id'], 'event_date': 'last_checkin_at',
     'rules': [
        {'column': 'entitlement_id', 'kind': 'references', 'to_source': 'licenses', 'to_entity': 'entitlements', 'to_column': 'entitlement_id',
         'to_file': 'licenses/entitlements.csv'},
        {'column': 'version', 'kind': 'version'},
        {'column': 'environment', 'kind': 'accepted_values', 'lower': true, 'values': ['production', 'staging', 'test']},
        {'column': 'seats_in_use', 'kind': 'integer'},
        {'column': 'seats_in_use', 'kind': 'non_negative'},
        {'column': 'last_checkin_at', 'kind': 'timestamp'},
     ]},
    {'source': 'licenses', 'entity': 'product_releases', 'file': 'product_releases', 'staging': 'stg_licenses__product_releases',
     'key': ['product_code', 'version'], 'event_date': 'release_date',
     'rules': [
        {'column': 'version', 'kind': 'version'},
        {'column': 'release_date', 'kind': 'date'},
        {'column': 'is_ga', 'kind': 'boolean'},
        {'column': 'end_of_support_date', 'kind': 'date'},
     ]},
]) }}
{%- endmacro %}


{#- The sources, in declaration order. -#}
{% macro quality_sources() -%}
    {%- set sources = [] -%}
    {%- for e in quality_entities() if e.source not in sources -%}
        {%- do sources.append(e.source) -%}
    {%- endfor -%}
    {{ return(sources) }}
{%- endmacro %}


{#- The declaration of one raw table. -#}
{% macro quality_entity(source_name, entity) -%}
    {%- for e in quality_entities() if e.source == source_name and e.entity == entity -%}
        {{ return(e) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("quality_entity: no declaration for " ~ source_name ~ "." ~ entity) }}
{%- endmacro %}


{#- The value a rule reads, as staging reads it. -#}
{% macro row_rule_value(rule) -%}
    {%- set raw = rule.get('sql', rule.column) -%}
    {%- if rule.kind == 'accepted_values' -%}
        {%- if rule.get('lower') -%}lower({{ clean_text(raw) }}){%- else -%}{{ clean_text(raw) }}{%- endif -%}
    {%- else -%}
        {{ clean_key(raw) }}
    {%- endif -%}
{%- endmacro %}


{#- True (never NULL) when the row breaks `rule`. -#}
{% macro row_rule_broken(rule) -%}
    {%- set v = row_rule_value(rule) -%}
    {%- set k = rule.kind -%}
    {%- if k == 'timestamp' -%}
        {%- set broken = v ~ " is not null and " ~ parse_timestamp(v) ~ " is null" -%}
    {%- elif k == 'date' -%}
        {%- set broken = v ~ " is not null and " ~ parse_date(v) ~ " is null" -%}
    {%- elif k == 'month' -%}
        {%- set broken = v ~ " is not null and " ~ parse_date(dbt.concat([v, "'-01'"])) ~ " is null" -%}
    {%- elif k == 'integer' -%}
        {%- set broken = v ~ " is not null and " ~ parse_integer(v) ~ " is null" -%}
    {%- elif k == 'number' -%}
        {%- set broken = v ~ " is not null and " ~ parse_decimal(v) ~ " is null" -%}
    {%- elif k == 'boolean' -%}
        {%- set broken = v ~ " is not null and " ~ parse_boolean(v) ~ " is null" -%}
    {%- elif k == 'non_negative' -%}
        {%- set broken = parse_decimal(v) ~ " < 0" -%}
    {%- elif k == 'positive' -%}
        {%- set broken = parse_decimal(v) ~ " <= 0" -%}
    {%- elif k == 'range' -%}
        {%- set broken = parse_decimal(v) ~ " < " ~ rule.min ~ " or " ~ parse_decimal(v) ~ " > " ~ rule.max -%}
    {%- elif k == 'accepted_values' -%}
        {%- set broken = v ~ " is not null and " ~ v ~ " not in ('" ~ rule['values'] | join("', '") ~ "')" -%}
    {%- elif k == 'version' -%}
        {%- set broken = v ~ " is not null and " ~ version_major(v) ~ " is null" -%}
    {%- elif k == 'has_fx_rate' -%}
        {%- set rates -%}
            select upper({{ clean_key('currency') }}) from {{ source('finance', 'fx_rates') }}
            where {{ clean_key('currency') }} is not null
        {%- endset -%}
        {%- set broken = v ~ " is not null and upper(" ~ v ~ ") <> 'USD' and upper(" ~ v ~ ") not in (" ~ rates ~ ")" -%}
    {%- elif k == 'references' -%}
        {%- set keys -%}
            select {{ clean_key(rule.to_column) }} from {{ source(rule.to_source, rule.to_entity) }}
            where {{ clean_key(rule.to_column) }} is not null
        {%- endset -%}
        {%- set broken = v ~ " is not null and " ~ v ~ " not in (" ~ keys ~ ")" -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("row_rule_broken: unknown rule kind " ~ k) }}
    {%- endif -%}
    {%- if rule.get('unless') -%}
        {%- set broken = "(" ~ broken ~ ") and not coalesce((" ~ rule.unless ~ "), false)" -%}
    {%- endif -%}
    coalesce(({{ broken }}), false)
{%- endmacro %}


{#- The code a quarantined row carries for the rule it breaks. -#}
{% macro row_rule_code(rule) -%}
    {{- return({
        'timestamp': 'invalid_timestamp', 'date': 'invalid_date', 'month': 'invalid_month',
        'integer': 'invalid_integer', 'number': 'invalid_number', 'boolean': 'invalid_boolean',
        'non_negative': 'negative_value', 'positive': 'not_positive', 'range': 'out_of_range',
        'accepted_values': 'not_accepted_value', 'version': 'invalid_version',
        'has_fx_rate': 'currency_without_fx_rate', 'references': 'orphan_reference',
    }[rule.kind]) -}}
{%- endmacro %}


{#- What the rule expects, in words an operator reads next to the offending value. -#}
{% macro row_rule_expected(rule) -%}
    {%- set k = rule.kind -%}
    {%- if k == 'timestamp' -%}an ISO 8601 timestamp
    {%- elif k == 'date' -%}a date YYYY-MM-DD
    {%- elif k == 'month' -%}a month YYYY-MM
    {%- elif k == 'integer' -%}a whole number
    {%- elif k == 'number' -%}a decimal number
    {%- elif k == 'boolean' -%}true or false
    {%- elif k == 'non_negative' -%}a number >= 0{% if rule.get('unless_text') %}, except for {{ rule.unless_text }}{% endif %}
    {%- elif k == 'positive' -%}a number > 0
    {%- elif k == 'range' -%}a number between {{ rule.min }} and {{ rule.max }}
    {%- elif k == 'accepted_values' -%}one of {{ rule['values'] | join(', ') }}
    {%- elif k == 'version' -%}a version MAJOR.MINOR[.PATCH][-suffix]
    {%- elif k == 'has_fx_rate' -%}USD or a currency of finance/fx_rates.csv
    {%- elif k == 'references' -%}the {{ rule.to_column }} of a record in {{ rule.to_file }}
    {%- endif -%}
{%- endmacro %}


{#- The WHERE condition of a staging model's source rows: true when the row breaks no rule. -#}
{% macro passes_row_rules(source_name, entity) -%}
    {%- set rules = quality_entity(source_name, entity).rules -%}
    {%- if rules | length == 0 -%}
        true
    {%- else -%}
        not (
        {%- for rule in rules %}
            {{ row_rule_broken(rule) }}{% if not loop.last %} or{% endif %}
        {%- endfor %}
        )
    {%- endif -%}
{%- endmacro %}


{#- The record id of a raw row as delivered, as marts.unmatched_records writes ids:
    `a:b` for a composite key, `row <n>` when the key is empty. -#}
{% macro raw_record_id(e) -%}
    {%- set parts = [] -%}
    {%- for column in e.key -%}
        {%- do parts.append("coalesce(" ~ clean_key(column) ~ ", '')") -%}
        {%- if not loop.last %}{% do parts.append("':'") %}{% endif -%}
    {%- endfor -%}
    coalesce(
        {%- if e.key | length == 1 %} {{ clean_key(e.key[0]) }}
        {%- else %} nullif({{ dbt.concat(parts) }}, '{{ ":" * (e.key | length - 1) }}')
        {%- endif %},
        {{ dbt.concat(["'row '", "cast(_row_number as " ~ dbt.type_string() ~ ")"]) }})
{%- endmacro %}


{#- The quarantine of one source: every raw row that breaks a rule, once, with the first rule
    it breaks, the offending value, what was expected, and how many rules it breaks in all.
    Each rule is evaluated once per row (columns _rule_<n>), then read by name. -#}
{% macro quarantine_rows(source_name) -%}
    {%- set entities = [] -%}
    {%- for e in quality_entities() if e.source == source_name and e.rules | length > 0 -%}
        {%- do entities.append(e) -%}
    {%- endfor -%}
    {%- if entities | length == 0 -%}
        {{ exceptions.raise_compiler_error("quarantine_rows: source " ~ source_name ~ " declares no rules") }}
    {%- endif -%}
    {%- for e in entities %}
    select
        cast('{{ e.source }}' as {{ dbt.type_string() }}) as source,
        cast('{{ e.file }}' as {{ dbt.type_string() }}) as entity,
        cast({{ raw_record_id(e) }} as {{ dbt.type_string() }}) as record_id,
        case
            {%- for rule in e.rules %}
            when _rule_{{ loop.index }} then '{{ row_rule_code(rule) }}'
            {%- endfor %}
        end as rule,
        case
            {%- for rule in e.rules %}
            when _rule_{{ loop.index }} then '{{ rule.column }}'
            {%- endfor %}
        end as column_name,
        case
            {%- for rule in e.rules %}
            when _rule_{{ loop.index }} then {{ clean_text(rule.get('sql', rule.column)) }}
            {%- endfor %}
        end as offending_value,
        case
            {%- for rule in e.rules %}
            when _rule_{{ loop.index }} then '{{ row_rule_expected(rule) | replace("'", "''") }}'
            {%- endfor %}
        end as expected,
        cast(
            {%- for rule in e.rules %}
            case when _rule_{{ loop.index }} then 1 else 0 end{% if not loop.last %} +{% endif %}
            {%- endfor %}
        as {{ dbt.type_int() }}) as rules_broken,
        _source_file,
        _row_number,
        _loaded_at

    from (
        select
            *,
            {%- for rule in e.rules %}
            {{ row_rule_broken(rule) }} as _rule_{{ loop.index }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        from {{ source(e.source, e.entity) }}
    ) as checked
    where {% for rule in e.rules %}_rule_{{ loop.index }}{% if not loop.last %} or {% endif %}{% endfor %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
