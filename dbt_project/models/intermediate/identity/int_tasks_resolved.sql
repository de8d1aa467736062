{#- CRM tasks (CSM activity), each with the account it belongs to: its own account id (15 or 18 characters
    in the export, 18 in staging) when that is a live CRM account. An override wins.
    The id as delivered stays in delivered_account_id. -#}
{{ resolve_by_sfdc_account('stg_crm__task', 'crm', 'Task', 'task_id') }}
