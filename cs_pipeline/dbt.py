"""dbt models of cs360 as Dagster assets.

The manifest is prepared at build time (`make manifest` runs `python -m cs_pipeline.dbt_project`),
never parsed on import in production; `dagster dev`
re-parses so model edits show up without a rebuild.

dbt sources keep dagster-dbt's default key ``[source, table]``, which equals the ingest asset keys
(``["crm", "account"]``), so the graph connects from each extract file to the marts without glue.
"""


import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from cs_pipeline.config import CsConfig, CsSettings
from cs_pipeline.dbt_project import dbt_environ, dbt_project
from cs_pipeline.publish import restore_build
from cs_pipeline.spark import (
    built_relations,
    export_raw,
    load_spark_tables,
    raw_dir,
    require_java,
    warehouse_dir,
)


class CsDbtTranslator(DagsterDbtTranslator):
    """Groups dbt nodes by layer (`staging`, `intermediate`, `marts`) and seeds as `config`."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "config"
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "model" and len(fqn) > 2:
            return fqn[1]
        return super().get_group_name(dbt_resource_props)


def dbt_build_args(settings: CsSettings) -> list[str]:
    """`dbt build` for the run's as-of date; with full refresh, incremental models are rebuilt
    from scratch (marts.health_history, configured `full_refresh: false`, is kept).

    Unit tests prove the SQL, not the night's data: they run in `make test`, not here."""
    args = ["build", "--exclude", "resource_type:unit_test"]
    return [*args, "--full-refresh"] if settings.full_refresh else args


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=CsDbtTranslator())
def cs360_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, cs_config: CsConfig
) -> Iterator[Any]:
    """`dbt build`: models, seeds and dbt tests (as asset checks) for the run's as-of date.

    On CS_ENGINE=spark the raw tables go to Spark as Parquet first, and Spark's tables come
    back into the build warehouse after (cs_pipeline.spark), so checks and publish are the same.
    """
    settings = cs_config.settings
    settings.build_warehouse.parent.mkdir(parents=True, exist_ok=True)
    if restore_build(settings.build_warehouse, settings.warehouse):
        context.log.warning(f"build warehouse was missing: restored from {settings.warehouse}")
    on_spark = settings.engine == "spark"
    if on_spark:
        require_java()
        exported = export_raw(settings.build_warehouse, raw_dir(settings))
        context.log.info(f"raw layer exported to {raw_dir(settings)} for Spark: {exported}")
    with dbt_environ(settings):
        invocation = dbt.cli(dbt_build_args(settings), context=context)
    yield from invocation.stream()
    if on_spark:
        loaded = load_spark_tables(
            settings.build_warehouse,
            warehouse_dir(settings),
            built_relations(invocation.target_path / "manifest.json"),
        )
        context.log.info(f"Spark's tables loaded into {settings.build_warehouse}: {loaded}")


# The dbt beside this interpreter, so a venv's dbt is used even when the venv is not on PATH.
dbt_resource = DbtCliResource(
    project_dir=dbt_project, dbt_executable=str(Path(sys.executable).with_name("dbt"))
)
