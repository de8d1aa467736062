-- Enrollments that make a learner "trained" on the as-of date: status completed and completed
-- on or before as-of. A completed status without a completion time cannot be placed in time and
-- does not count. trained_users counts distinct learner e-mails over these rows.

select
    enrollment_id,
    account_id,
    user_email,
    product_code,
    course_code,
    completed_at,
    cast(completed_at as date) as completed_date
from {{ ref('int_enrollments_resolved') }}
where status = 'completed'
  and user_email is not null
  and cast(completed_at as date) <= {{ as_of_date() }}
