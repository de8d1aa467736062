{#- An amount converted to USD at a rate (int_fx_rates_as_of.rate_to_usd), as an exact decimal
    (numeric(28,6)): a sum of converted amounts is then the same whatever order the engine adds
    them in, so the same extracts give the same totals to the cent on every run. -#}
{% macro to_usd(amount, rate) -%}
    cast({{ amount }} * {{ rate }} as {{ dbt.type_numeric() }})
{%- endmacro %}
