-- The product health score of each customer account and product (macro health_scores,
-- docs/health_score.md): the components that apply to a product, one row per row of
-- int_account_products_health_prepared.
{{ health_scores(ref('int_account_products_health_prepared'), ['account_id', 'product_code'], inapplicable=['financial', 'engagement']) }}
