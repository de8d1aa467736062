"""Fixtures shared by test files: one real pipeline run on the generated sample per session.

The end-to-end tests and the cockpit's tests read the same published warehouse, so the
pipeline (real files, DuckDB, dbt, GX, publish) runs once for both.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import pytest

from cs_pipeline.config import CsConfig
from cs_pipeline.dbt import dbt_resource
from cs_pipeline.definitions import all_assets, all_checks
from cs_pipeline.sample_data.generator import generate

SAMPLE_AS_OF = dt.date(2026, 11, 1)
SAMPLE_ACCOUNTS = 40
SAMPLE_SEED = 11


def materialize(extracts: Path, warehouse: Path, **settings: str) -> dg.ExecuteInProcessResult:
    """Every asset and check, as the nightly job runs them, publishing onto ``warehouse``;
    ``settings``: more CsConfig fields (test_spark_engine builds with ``engine="spark"``)."""
    config = CsConfig(
        extracts_dir=str(extracts),
        warehouse=str(warehouse),
        as_of=SAMPLE_AS_OF.isoformat(),
        **settings,
    )
    return dg.materialize(
        [*all_assets, *all_checks], resources={"cs_config": config, "dbt": dbt_resource}
    )


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(extracts, published warehouse) of one run on the sample with the planted accounts."""
    root = tmp_path_factory.mktemp("e2e")
    extracts = root / "extracts"
    generate(extracts, accounts=SAMPLE_ACCOUNTS, seed=SAMPLE_SEED, as_of=SAMPLE_AS_OF)
    warehouse = root / "warehouse" / "cs360.duckdb"
    result = materialize(extracts, warehouse)
    assert result.success
    return extracts, warehouse
