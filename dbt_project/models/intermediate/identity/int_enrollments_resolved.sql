{#- LMS enrollments, each with the account whose website domain equals the learner's e-mail
    domain exactly (both lower case; a subdomain is a different domain). A domain shared by
    several accounts matches none of them (`domain_ambiguous`): never a guess. user_company is
    free text and never used. An override wins. -#}
with keyed as (

    select
        records.*,
        domains.account_id as key_account_id,
        case when domains.account_id is not null then 'email_domain' end as key_match_method,
        case
            when records.email_domain is null then 'no_key'
            when domains.website_domain is null then 'domain_not_found'
            when domains.account_id is null then 'domain_ambiguous'
        end as key_unmatched_reason

    from {{ ref('stg_training__enrollments') }} as records
    left join {{ ref('int_account_website_domains') }} as domains
        on domains.website_domain = records.email_domain

),

overrides as (

    select * from {{ ref('int_account_overrides') }}
    where source = 'training' and entity = 'enrollments'

)

select
    keyed.enrollment_id,
    keyed.user_email,
    keyed.user_company,
    keyed.course_code,
    keyed.course_name,
    keyed.product_code,
    keyed.enrolled_at,
    keyed.completed_at,
    keyed.status,
    keyed.score,
    keyed._source_file,
    keyed._row_number,
    keyed._loaded_at,
    keyed.email_domain,
    {{ resolution_columns('keyed', 'overrides') }}

from keyed
left join overrides
    on overrides.record_id = keyed.enrollment_id
