"""The dbt project in `dbt_project/`, as dagster-dbt sees it.

Kept apart from the assets so `dagster-dbt project prepare-and-package --file
cs_pipeline/dbt_project.py` (run by `make manifest`) can prepare the manifest before any
asset definition needs it.
"""

from dagster_dbt import DbtProject

from cs_pipeline.config import PROJECT_ROOT

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()
