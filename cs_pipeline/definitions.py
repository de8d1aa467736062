"""cs360's Dagster code location: assembles what the modules define; logic lives in them."""

import atexit
import gc

import dagster as dg

from cs_pipeline.automation import (
    new_extracts_sensor,
    nightly_build,
    nightly_build_schedule,
    run_failure_recorder,
    stopped_run_recorder,
)
from cs_pipeline.config import CsConfig
from cs_pipeline.dbt import cs360_dbt_models, dbt_resource
from cs_pipeline.ingest import raw_assets
from cs_pipeline.publish import build_published_warehouse, publish_deps
from cs_pipeline.quality.checks import mart_checks
from cs_pipeline.quality.reconciliation import data_quality_checks

# A process that ran steps holds Dagster's, dbt's and Great Expectations' modules: the garbage
# collection Python runs over all of them on its way out took 0.8-2 s after every run (`make
# run`, and the schedule's run worker) for memory the OS takes back anyway. Frozen objects are
# left out of it; the atexit handlers (logging's flush, run_history's close) still run, and
# objects outside reference cycles are still released as the interpreter clears its modules.
atexit.register(gc.freeze)

# Everything that builds the warehouse; publishing follows this list's `marts` group.
pipeline_assets = [
    *raw_assets,
    cs360_dbt_models,
]

# Publishing waits on the marts, so their blocking checks (customer_360's reconciliations) and
# a failing dbt test (which fails the dbt step) stop it.
all_assets = [*pipeline_assets, build_published_warehouse(publish_deps(pipeline_assets))]
all_checks = [
    *mart_checks,
    *data_quality_checks,
]

defs = dg.Definitions(
    # Each asset links to the code that defines it (dbt models: their SQL file as well).
    assets=dg.with_source_code_references(all_assets),
    asset_checks=all_checks,
    jobs=[nightly_build],
    schedules=[nightly_build_schedule],
    sensors=[new_extracts_sensor, run_failure_recorder, stopped_run_recorder],
    resources={
        "cs_config": CsConfig.from_env(),
        "dbt": dbt_resource,
    },
    # DuckDB allows one writing process per database file, so a run's steps must not write
    # concurrently. The in-process executor runs them one after another in the run's own
    # process: that guarantees the single writer without a lock, and skips the process start
    # per step that a multiprocess executor limited to max_concurrent=1 would pay for nothing.
    executor=dg.in_process_executor,
)
