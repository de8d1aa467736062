"""The code location loads, and its asset graph is one lineage from each extract to the marts."""

import dagster as dg

from cs_pipeline.definitions import defs
from cs_pipeline.sources import EXTRACTS

RAW_KEYS = {dg.AssetKey(e.asset_key) for e in EXTRACTS}
CUSTOMER_360 = dg.AssetKey(["marts", "customer_360"])
PUBLISHED = dg.AssetKey("published_warehouse")


def _ancestors(key: dg.AssetKey) -> set[dg.AssetKey]:
    graph = defs.resolve_asset_graph()
    seen: set[dg.AssetKey] = set()
    todo = [key]
    while todo:
        for parent in graph.get(todo.pop()).parent_keys:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def test_definitions_load() -> None:
    dg.Definitions.validate_loadable(defs)


def test_one_lineage_from_every_extract_to_the_published_warehouse() -> None:
    graph = defs.resolve_asset_graph()
    # dbt sources resolve to the ingest assets themselves, not to unconnected source stubs.
    assert set(graph.materializable_asset_keys) >= RAW_KEYS
    assert RAW_KEYS | {CUSTOMER_360} <= _ancestors(PUBLISHED)
    # customer_360 draws on every source system.
    assert {k.path[0] for k in _ancestors(CUSTOMER_360) & RAW_KEYS} == {
        "crm", "support", "finance", "training", "licenses"
    }


def test_dbt_tests_are_asset_checks_on_their_models() -> None:
    checks = {
        k.name for k in defs.resolve_asset_graph().asset_check_keys if k.asset_key == CUSTOMER_360
    }
    assert "unique_customer_360_account_id" in checks
