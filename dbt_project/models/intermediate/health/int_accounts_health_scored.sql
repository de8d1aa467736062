-- The health score of each customer account (macro health_scores, docs/health_score.md), one
-- row per row of int_accounts_health_prepared.
{{ health_scores(ref('int_accounts_health_prepared'), ['account_id']) }}
