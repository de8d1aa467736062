{#- The counts and amounts per account and month that marts.cs_kpis sums, by the model and the CTE
    of that model that provide them: int_kpi_account_months (contracts, bookings, NPS: kept on a
    night with only ticket changes) and int_kpi_account_months_observed (tickets and
    marts.health_history). A new measure is added here once. -#}
{% macro kpi_account_measures() -%}
    {{ return({
        'int_kpi_account_months': {
            'arr': ['arr_opening_usd', 'arr_closing_usd', 'arr_ttm_opening_usd'],
            'renewals': ['renewals_due', 'renewals_renewed', 'premium_tam_renewals_due', 'premium_tam_renewals_renewed'],
            'bookings': ['net_new_bookings_usd', 'net_new_deals', 'expansion_bookings_usd', 'expansion_deals', 'expansion_opportunities_closed'],
            'nps': ['nps_responses', 'nps_promoters', 'nps_detractors'],
        },
        'int_kpi_account_months_observed': {
            'csat': ['csat_rated_tickets', 'csat_good_tickets'],
            'versions': ['version_measured_customers', 'version_current_customers'],
            'time_to_value': ['ttv_customers', 'ttv_days_total'],
        },
    }) }}
{%- endmacro %}
