{#- The select list of a model with an enforced contract, driven by its YAML: every documented
    column, in YAML order, cast to its declared data_type. The YAML stays the one place that
    names and types a mart's columns. A column is read from the alias of the first prefix in
    `alias_by_prefix` it starts with, else from `default_alias`. -#}
{% macro contract_columns(default_alias, alias_by_prefix={}) -%}
    {#- A dbt unit test compiles the model as a node of its own, without the YAML's columns: it
        gets every column of `default_alias`, uncast (unit tests compare values). -#}
    {%- if model.resource_type == 'unit_test' -%}
        {{ return(default_alias ~ '.*') }}
    {%- endif -%}
    {%- set selected = [] -%}
    {%- for column in model.columns.values() -%}
        {%- set ns = namespace(alias=default_alias) -%}
        {%- for prefix, alias in alias_by_prefix.items() -%}
            {%- if column.name.startswith(prefix) and ns.alias == default_alias -%}{%- set ns.alias = alias -%}{%- endif -%}
        {%- endfor -%}
        {%- if not column.data_type -%}
            {{ exceptions.raise_compiler_error("contract_columns: column " ~ column.name ~ " of " ~ model.name ~ " has no data_type") }}
        {%- endif -%}
        {%- do selected.append("cast(" ~ ns.alias ~ "." ~ column.name ~ " as " ~ column.data_type ~ ") as " ~ column.name) -%}
    {%- endfor -%}
    {{ selected | join(",\n    ") }}
{%- endmacro %}
