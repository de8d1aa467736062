"""cs360's Dagster code location: assembles what the modules define; logic lives in them."""

import dagster as dg

from cs_pipeline.config import CsConfig
from cs_pipeline.ingest import raw_assets

defs = dg.Definitions(
    assets=[
        *raw_assets,
    ],
    resources={
        "cs_config": CsConfig.from_env(),
    },
    # DuckDB allows one writing process per database file, so a run's steps must not write
    # concurrently. The in-process executor runs them one after another in the run's own
    # process: that guarantees the single writer without a lock, and skips the process start
    # per step that a multiprocess executor limited to max_concurrent=1 would pay for nothing.
    executor=dg.in_process_executor,
)
