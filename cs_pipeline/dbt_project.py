"""The dbt project in `dbt_project/`, as dagster-dbt sees it, and the environment dbt runs in.

Kept apart from the assets so `make manifest` (``python -m cs_pipeline.dbt_project``) can
prepare the manifest before any asset definition needs it.

dbt gets cs360's settings through the environment only (profiles.yml reads the connection,
dbt_project.yml the as-of date), never through ``--vars``: dbt re-parses only what changed
when a run's vars and profile equal those of the prepared manifest, and parses everything
again otherwise (6–9 s a run). So the manifest is prepared with the environment a run of the
same settings will have.
"""

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from dagster_dbt import DbtProject

from cs_pipeline.config import PROJECT_ROOT, CsSettings, DuckDBSettings

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


def dbt_env(settings: CsSettings) -> dict[str, str]:
    """What dbt needs from cs360's settings: its connection (the profiles.yml target of the
    engine, by dbt's DBT_TARGET) and the run's as-of date."""
    return {
        "DBT_TARGET": settings.engine,
        "CS_BUILD_WAREHOUSE": str(settings.build_warehouse),
        **DuckDBSettings.from_env().env(),
        "CS_SPARK_DIR": str(settings.spark_dir),
        "CS_AS_OF": settings.as_of.isoformat(),
    }


@contextmanager
def dbt_environ(settings: CsSettings, more: Mapping[str, str] | None = None) -> Iterator[None]:
    """dagster-dbt hands the current environment to dbt; set ours (and ``more``) only for
    that call."""
    extra: Mapping[str, str] = {**dbt_env(settings), **(more or {})}
    saved = {key: os.environ.get(key) for key in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


if __name__ == "__main__":  # make manifest
    with dbt_environ(CsSettings.from_env()):
        dbt_project.preparer.prepare(dbt_project)
