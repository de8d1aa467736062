"""The Dagster UI a data team reads, through the UI's own GraphQL API (dagster-webserver).

One workspace (100 sample accounts), two nightly builds started as `make run` starts them:
good extracts, then the same with one account `Id` repeated. After the first, every asset has
an owner, a description and a row count; after the second, the one failed check is the only
red thing: what it stopped is skipped, not failed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from cs_pipeline.config import PROJECT_ROOT
from cs_pipeline.ui import ASSETS_QUERY, graphql, webserver

AS_OF = "2026-11-01"

CHECKS_QUERY = """
{
  assetNodes {
    assetKey { path }
    assetChecksOrError {
      ... on AssetChecks { checks { name executionForLatestMaterialization { status } } }
    }
  }
}
"""


def _nightly(env: dict[str, str]) -> int:
    return subprocess.run([sys.executable, "-m", "cs_pipeline.nightly"], cwd=PROJECT_ROOT,
                          env=env, capture_output=True).returncode


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("ui")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(root / "dagster_home"),
        "CS_EXTRACTS_DIR": str(root / "extracts"),
        "CS_WAREHOUSE": str(root / "warehouse" / "cs360.duckdb"),
        "CS_AS_OF": AS_OF,
    }
    env.pop("DAGSTER_IS_DEV_CLI", None)
    (root / "dagster_home").mkdir()
    shutil.copy(PROJECT_ROOT / "dagster-instance.yaml", root / "dagster_home" / "dagster.yaml")
    subprocess.run(
        [sys.executable, "-m", "cs_pipeline.sample_data", "--out", env["CS_EXTRACTS_DIR"],
         "--accounts", "100", "--seed", "7", "--as-of", AS_OF],
        cwd=PROJECT_ROOT, env=env, check=True, capture_output=True,
    )
    return env


def test_every_asset_has_an_owner_a_description_and_a_row_count(workspace) -> None:
    assert _nightly(workspace) == 0  # published
    with webserver(workspace) as url:
        nodes = graphql(url, ASSETS_QUERY)["assetNodes"]
        # a new Dagster home: the UI opens on the assets, not on Dagster's sign-up dialog
        assert graphql(url, "{ shouldShowNux }") == {"shouldShowNux": False}

    assert len(nodes) > 80
    rows = {}
    for node in nodes:
        key = "/".join(node["assetKey"]["path"])
        assert node["owners"] == [{"team": "data"}], key
        assert (node["description"] or "").strip(), key
        assert node["groupName"] not in ("crm", "support", "finance", "training", "licenses"), key
        [latest] = node["assetMaterializations"]
        counts = [e["intValue"] for e in latest["metadataEntries"]
                  if e["label"] == "dagster/row_count"]
        assert counts and counts[0] >= 0, key
        rows[key] = counts[0]
    with duckdb.connect(workspace["CS_WAREHOUSE"], read_only=True) as con:
        assert rows["marts/customer_360"] == con.sql(
            "select count(*) from marts.customer_360").fetchone()[0] > 0
        assert rows["crm/account"] == con.sql("select count(*) from raw.crm__account").fetchone()[0]
        info = con.sql("select distinct as_of from marts.build_info").fetchall()
    assert [str(d) for (d,) in info] == [AS_OF]


def test_a_failed_check_is_the_only_red_and_what_it_stopped_is_skipped(workspace) -> None:
    published = Path(workspace["CS_WAREHOUSE"]).read_bytes()
    account = Path(workspace["CS_EXTRACTS_DIR"]) / "crm" / "Account.csv"
    data = account.read_bytes()
    account.write_bytes(data + data.splitlines(keepends=True)[1])  # the first Id, again

    assert _nightly(workspace) == 1  # stopped: nothing published
    assert Path(workspace["CS_WAREHOUSE"]).read_bytes() == published
    with webserver(workspace) as url:
        nodes = graphql(url, CHECKS_QUERY)["assetNodes"]

    statuses = Counter()
    failed = []
    for node in nodes:
        for check in node["assetChecksOrError"]["checks"]:
            status = (check["executionForLatestMaterialization"] or {}).get("status")
            statuses[status] += 1
            if status in ("FAILED", "EXECUTION_FAILED"):
                failed.append(("/".join(node["assetKey"]["path"]), check["name"], status))
    assert failed == [("crm/account", "gx_errors", "FAILED")]
    # Every dbt test and mart check it stopped: all the checks not on a raw table.
    raw_sources = {"crm", "support", "finance", "training", "licenses"}
    stopped = sum(
        len(node["assetChecksOrError"]["checks"])
        for node in nodes
        if node["assetKey"]["path"][0] not in raw_sources
    )
    assert stopped > 90
    assert statuses["SKIPPED"] == stopped
