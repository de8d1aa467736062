"""Data quality of cs360: declared rules, Great Expectations suites, Dagster asset checks.

``rules`` (what must hold, no GX import) -> ``suites`` (GX expectation suites, pure) ->
``runner`` (reads DuckDB, validates, builds check results) -> ``checks`` (Dagster checks).
``rules`` declares the raw tables' rules, ``model_rules`` those of the staging models and
the marts (with their reconciliations against staging and intermediate models).
"""
