"""dbt models of cs360 as Dagster assets.

The manifest is prepared at build time (`make manifest` runs `python -m cs_pipeline.dbt_project`),
never parsed on import in production; `dagster dev`
re-parses so model edits show up without a rebuild.

dbt sources keep dagster-dbt's default key ``[source, table]``, which equals the ingest asset keys
(``["crm", "account"]``), so the graph connects from each extract file to the marts without glue.
"""


import datetime as dt
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import dagster as dg
import duckdb
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from cs_pipeline.build_state import plan_night
from cs_pipeline.config import (
    LAYER_TAG,
    OWNERS,
    RETRY_POLICY,
    CsConfig,
    CsSettings,
    connect,
    quote_ident,
    release_kept,
    stop_on_interrupt,
)
from cs_pipeline.dbt_project import (
    DBT_EXECUTABLE,
    CsDbtCliResource,
    dagster_dbt,
    dbt_environ,
    dbt_manifest,
    dbt_project,
    keep_partial_parse,
    prune_run_folders,
)
from cs_pipeline.ingest import markdown_table
from cs_pipeline.publish import MARTS_SCHEMA, REQUIRED_MART, restore_build
from cs_pipeline.spark import (
    built_relations,
    export_raw,
    load_spark_tables,
    raw_dir,
    require_java,
    warehouse_dir,
)


class CsDbtTranslator(dagster_dbt.DagsterDbtTranslator):
    """Groups dbt nodes by layer (`staging`, `intermediate`, `marts`) and seeds as `config`;
    the data team owns every asset; code references point at each model's SQL file; every
    dbt test, as an asset check, says in words what it guards."""

    def __init__(self) -> None:
        super().__init__(
            settings=dagster_dbt.DagsterDbtTranslatorSettings(enable_code_references=True)
        )

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "config"
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "model" and len(fqn) > 2:
            return fqn[1]
        return super().get_group_name(dbt_resource_props)

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> Sequence[str] | None:
        return OWNERS

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        layer = self.get_group_name(dbt_resource_props) or "raw"
        return {**super().get_tags(dbt_resource_props), LAYER_TAG: layer}

    def get_asset_check_spec(
        self,
        asset_spec: dg.AssetSpec,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: dagster_dbt.DbtProject | None,
    ) -> dg.AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        return dg.AssetCheckSpec(
            name=spec.name,
            asset=spec.asset_key,
            description=test_description(manifest["nodes"][unique_id]),
            additional_deps=[d.asset_key for d in spec.additional_deps],
            metadata=spec.metadata,
            blocking=spec.blocking,
        )


def _opening_comment(sql: str) -> str:
    """The comment a singular test's SQL opens with (after a `config()` call), on one line."""
    text = re.sub(r"^\s*\{\{.*?\)\s*\}\}\s*", "", sql, count=1, flags=re.S)
    if text.startswith("{#"):
        body = text[2 : text.find("#}")].strip("-")
    else:
        lines = itertools.takewhile(lambda line: line.startswith("--"), text.splitlines())
        body = " ".join(line[2:] for line in lines)
    return " ".join(body.split())


def test_description(test: Mapping[str, Any]) -> str:
    """What a dbt test guards, in words: its YAML description, else for a generic test its
    kind, column and arguments, else the comment a singular test's SQL opens with."""
    severity = (test.get("config", {}).get("severity") or "error").lower()
    stops = "fails the build" if severity == "error" else "warns"
    if test.get("description"):
        return f"{test['description']} ({stops})"
    meta = test.get("test_metadata") or {}
    if meta:
        kwargs = {k: v for k, v in meta.get("kwargs", {}).items() if k != "model"}
        column = kwargs.pop("column_name", None)
        subject = f"`{column}`" if column else "the table"
        args = "; ".join(f"{k}: {v}" for k, v in kwargs.items() if v not in (None, "", []))
        what = meta["name"].replace("_", " ")
        return f"{subject} {what}" + (f" ({args})" if args else "") + f". Else the test {stops}."
    text = _opening_comment(test.get("raw_code", "")) or test["name"]
    return f"{text} Else the test {stops}."


def dbt_build_args(
    settings: CsSettings, keep: Sequence[str] = (), *, rebuild_all: bool = False
) -> list[str]:
    """`dbt build` for the run's as-of date. ``keep``: names of nodes whose inputs did not
    change (cs_pipeline.build_state), left out. With ``rebuild_all`` (a night that rebuilds
    everything, :attr:`BuildPlan.full`: full refresh asked for, the dbt project changed, or no
    record of a complete build) incremental models are rebuilt from scratch (``--full-refresh``;
    the histories, configured `full_refresh: false`, are kept): a table an earlier release of a
    model built incrementally may hold other columns or other rules than tonight's SQL.

    Unit tests prove the SQL, not the night's data: they run in `make test`, not here.

    On DuckDB without ``manifest.json``, ``run_results.json`` and ``graph.gpickle``
    (``--no-write-json``): nothing reads them. dagster-dbt takes its events from dbt's
    structured log on stdout and holds the manifest the assets were built from; dbt's node
    timings stay in the run's ``dbt.log`` (which bench/ reads). Writing the 1.8 MB manifest
    happened before dbt's first node, 0.4-1.2 s of every night (docs/performance.md,
    "Measured by hand").
    The partial parse is still saved. On Spark the manifest dbt writes is read back
    (cs_pipeline.spark.built_relations)."""
    args = ["build", "--exclude", " ".join(["resource_type:unit_test", *keep])]
    if settings.engine == "duckdb":
        args.append("--no-write-json")
    return [*args, "--full-refresh"] if rebuild_all else args


dbt_translator = CsDbtTranslator()


@dagster_dbt.dbt_assets(
    manifest=dbt_manifest(),
    project=dbt_project,
    dagster_dbt_translator=dbt_translator,
    retry_policy=RETRY_POLICY,
)
def cs360_dbt_models(
    context: dg.AssetExecutionContext, dbt: dagster_dbt.DbtCliResource, cs_config: CsConfig
) -> Iterator[Any]:
    """`dbt build`: models, seeds and dbt tests (as asset checks) for the run's as-of date.

    On CS_ENGINE=spark the raw tables go to Spark as Parquet first, and Spark's tables come
    back into the build warehouse after (cs_pipeline.spark), so checks and publish are the same.
    An interrupt stops dbt and the run (no retry: see stop_on_interrupt).
    """
    with stop_on_interrupt(context.run.run_id, "dbt build"):
        yield from _dbt_build(context, dbt, cs_config)


def _dbt_build(
    context: dg.AssetExecutionContext, dbt: dagster_dbt.DbtCliResource, cs_config: CsConfig
) -> Iterator[Any]:
    settings = cs_config.settings
    settings.build_warehouse.parent.mkdir(parents=True, exist_ok=True)
    if restore_build(settings.build_warehouse, settings.warehouse):
        context.log.warning(f"build warehouse was missing: restored from {settings.warehouse}")
    as_of = cs_config.as_of_metadata(context)
    on_spark = settings.engine == "spark"
    night = plan_night(settings, context.assets_def, context.selected_asset_keys, dbt_translator)
    # The plan read and wrote the build file on the raw steps' DuckDB instance, still open
    # (config.kept_open): closing it only now spares a second open and checkpoint of the file
    # (0.1-0.2 s of a night at 100 000 accounts). dbt's own process opens the file next.
    release_kept()
    context.log.info(f"dbt build: {night.describe()}")
    kept = [
        dg.Output(None, output_name=context.assets_def.get_output_name_for_asset_key(key),
                  metadata={**as_of, **night.kept_metadata()})
        for key in night.kept_keys
    ]
    kept_checks = [k for k in context.selected_asset_check_keys if k.asset_key in night.kept_keys]
    if night.nothing_to_build:  # dbt would start, parse and exclude every node: 10 s for nothing
        yield from kept
        yield from last_evaluations(context.instance, kept_checks).values()
        _log_dropped(context, night.succeeded())
        return
    if on_spark:
        require_java()
        exported = export_raw(settings.build_warehouse, raw_dir(settings))
        context.log.info(f"raw layer exported to {raw_dir(settings)} for Spark: {exported}")
    with dbt_environ(settings, night.dbt_env()):
        invocation = dbt.cli(
            dbt_build_args(settings, night.exclude, rebuild_all=night.plan.full), context=context
        )
    # dbt runs in its own process from here: while it starts (a second or more of parsing and
    # planning before its first node), this one removes the folders of earlier dbt runs (up to
    # 0.5 s at 100 000 accounts, measured after dbt's exit), records the kept assets (Dagster
    # stores a few events for each, milliseconds apiece) and looks up their tests' last results.
    # Kept nodes never depend on rebuilt ones, so they come first (Dagster wants the outputs of
    # a multi-asset in topological order).
    try:
        prune_run_folders(invocation.target_path)
        yield from kept
        carried = last_evaluations(context.instance, kept_checks)
    except BaseException:
        invocation.process.terminate()
        raise
    # dbt holds DuckDB's write lock until it exits, so the tables are described afterwards.
    # Progress is dbt's own line per node ("12 of 202 OK created sql table model ..."), which
    # dagster-dbt writes to the step's stdout as it arrives (the terminal of `make run`, the
    # step's stdout in the UI); logging each node again would store ~200 events in the run's
    # history (Dagster writes every log line to it), 5-10 ms each.
    events, error = [], None
    try:
        for event in invocation.stream():
            events.append(event)
    except Exception as exc:  # dbt failed: what it did is still reported, then the error
        error = exc
    keep_partial_parse(invocation.target_path)
    if on_spark and error is None:
        loaded = load_spark_tables(
            settings.build_warehouse,
            warehouse_dir(settings),
            built_relations(invocation.target_path / "manifest.json"),
        )
        context.log.info(f"Spark's tables loaded into {settings.build_warehouse}: {loaded}")
    # One connection to the build warehouse (dbt has exited) describes the tables and, when
    # dbt succeeded, records what the build read: DuckDB reads the catalog of every table each
    # time a file is opened (50-70 ms).
    with connect(settings.build_warehouse) as con:
        described = describe_models(con, invocation.manifest, events, settings)
        dropped = night.succeeded(con) if error is None else []
    for event in events:
        unique_id = _unique_id(event)
        if isinstance(event, dg.Output) and unique_id is not None:
            event = event.with_metadata({**event.metadata, **as_of, **described.get(unique_id, {})})
        yield event
    tested = {
        dg.AssetCheckKey(e.asset_key, e.check_name)
        for e in events if isinstance(e, dg.AssetCheckResult)
    }
    yield from (result for key, result in carried.items() if key not in tested)
    if error is not None:
        raise error
    _log_dropped(context, dropped)


RUN_ONLY_METADATA = ("Execution Duration",)  # dagster-dbt's time of one run of a test


def last_evaluations(
    instance: dg.DagsterInstance, checks: Iterable[dg.AssetCheckKey]
) -> dict[dg.AssetCheckKey, dg.AssetCheckResult]:
    """The last evaluation of each of ``checks`` (the dbt tests of models a night keeps), to
    report again: dbt leaves a kept model's tests out with it (build_state.dbt_exclude_args),
    and their verdict on its unchanged table stands, as a kept raw table's checks report the
    validation recorded at its load. Its metadata and severity as they were, but for the
    duration of that test's run (``RUN_ONLY_METADATA``: tonight it did not run), and
    ``validated_at`` saying when the test last ran (kept through later nights). A check the
    instance holds no evaluation of (a new Dagster home on a built warehouse) reports nothing.
    """
    evaluated = {AssetCheckExecutionRecordStatus.SUCCEEDED, AssetCheckExecutionRecordStatus.FAILED}
    results: dict[dg.AssetCheckKey, dg.AssetCheckResult] = {}
    for key in checks:
        records = instance.event_log_storage.get_asset_check_execution_history(
            key, limit=1, status=evaluated
        )
        if not records or (evaluation := records[0].evaluation) is None:
            continue
        tested_at = dt.datetime.fromtimestamp(records[0].event.timestamp, dt.UTC)
        metadata = {  # an evaluation carried over already says when its test ran
            "validated_at": dg.MetadataValue.text(
                f"{tested_at:%Y-%m-%d %H:%M:%S} (model unchanged since: not tested again)"
            ),
            **{k: v for k, v in evaluation.metadata.items() if k not in RUN_ONLY_METADATA},
        }
        results[key] = dg.AssetCheckResult(
            asset_key=key.asset_key,
            check_name=key.name,
            passed=evaluation.passed,
            severity=evaluation.severity,
            metadata=metadata,
            description=evaluation.description,
        )
    return results


def _log_dropped(context: dg.AssetExecutionContext, dropped: list[str]) -> None:
    if dropped:
        context.log.info(f"dropped {len(dropped)} table(s) no model or seed builds any more "
                         f"(removed or renamed in this release): {', '.join(dropped)}")


def _unique_id(event: Any) -> str | None:
    value = getattr(event, "metadata", {}).get("unique_id")
    return getattr(value, "text", value)


PREVIEW_ROWS = 5


def describe_models(
    con: duckdb.DuckDBPyConnection,
    manifest: Mapping[str, Any],
    events: Sequence[Any],
    settings: CsSettings,
) -> dict[str, dict[str, Any]]:
    """Row count and column schema of every model this build materialized, a preview of the
    marts' first rows, and customer_360's health bands with links to the cockpit.

    On the build warehouse's connection ``con``: one ``count(*)`` per table and one query for
    all the columns (the descriptions come from the models' YAML), so it costs well under a
    second per run.
    """
    nodes = {
        uid: manifest["nodes"][uid]
        for uid in (_unique_id(e) for e in events if isinstance(e, dg.Output))
        if uid in manifest["nodes"]
    }
    if not nodes:
        return {}
    described: dict[str, dict[str, Any]] = {}
    types: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, data_type in con.execute(
        "SELECT table_schema, table_name, column_name, data_type "
        "FROM information_schema.columns ORDER BY table_schema, table_name, ordinal_position"
    ).fetchall():
        types.setdefault((schema, table), []).append((column, data_type))
    for uid, node in nodes.items():
        relation = f"{quote_ident(node['schema'])}.{quote_ident(node['alias'])}"
        docs = node.get("columns", {})
        columns = types.get((node["schema"], node["alias"]), [])
        meta: dict[str, Any] = {
            "dagster/row_count": dg.MetadataValue.int(
                con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
            ),
            "dagster/column_schema": dg.MetadataValue.table_schema(dg.TableSchema([
                dg.TableColumn(c, t, description=docs.get(c, {}).get("description") or None)
                for c, t in columns
            ])),
        }
        if node["schema"] == MARTS_SCHEMA and node["resource_type"] == "model":
            meta.update(_mart_metadata(con, node["alias"], relation, columns, settings))
        described[uid] = meta
    return described


def _mart_metadata(
    con: duckdb.DuckDBPyConnection,
    name: str,
    relation: str,
    columns: list[tuple[str, str]],
    settings: CsSettings,
) -> dict[str, Any]:
    names = [c for c, _ in columns]
    order = ", ".join(quote_ident(c) for c in names[:2])
    rows = con.execute(f"SELECT * FROM {relation} ORDER BY {order} LIMIT {PREVIEW_ROWS}").fetchall()
    meta: dict[str, Any] = {"preview": dg.MetadataValue.md(markdown_table(names, rows))}
    if name == REQUIRED_MART:
        bands = dict(con.execute(
            f"SELECT health_band, count(*) FROM {relation} GROUP BY 1 ORDER BY 1"
        ).fetchall())
        meta["health_bands"] = dg.MetadataValue.json({str(k): v for k, v in bands.items()})
        meta.update({f"band.{k}": dg.MetadataValue.int(v) for k, v in bands.items()})
        meta["cockpit"] = dg.MetadataValue.url(settings.app_url)
        at = names.index("account_id")
        meta["cockpit_pages"] = dg.MetadataValue.md("\n".join(
            f"- [{r[at]}]({settings.account_url(r[at])})" for r in rows
        ))
    return meta


dbt_resource = CsDbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)
