{#- An amount converted to USD at a rate (int_fx_rates_as_of.rate_to_usd), as an exact decimal
    (18 digits, 6 after the point): a sum of converted amounts is then the same whatever order
    the engine adds them in, so the same extracts give the same totals to the cent on every run
    (a sum of floats is not). -#}
{% macro to_usd(amount, rate) -%}
    cast({{ amount }} * {{ rate }} as decimal(18, 6))
{%- endmacro %}
