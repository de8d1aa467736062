with renamed as (

    select
        {{ clean_key('enrollment_id') }} as enrollment_id,
        {{ clean_email('user_email') }} as user_email,
        {{ clean_text('user_company') }} as user_company,
        {{ clean_key('course_code') }} as course_code,
        {{ clean_text('course_name') }} as course_name,
        {{ clean_key('product_code') }} as product_code,
        {{ parse_timestamp(clean_key('enrolled_at')) }} as enrolled_at,
        {{ parse_timestamp(clean_key('completed_at')) }} as completed_at,
        lower({{ clean_text('status') }}) as status,
        {{ parse_decimal(clean_key('score')) }} as score,
        _source_file,
        _row_number,
        _loaded_at

    from {{ source('training', 'enrollments') }}
    where {{ passes_row_rules('training', 'enrollments') }}

)

select
    *,
    {#- the only key from a learner to an account (extract contract) -#}
    {{ normalize_domain(email_domain('user_email')) }} as email_domain

from renamed
