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


def test_every_asset_has_owner_layer_tag_and_code_reference() -> None:
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.owners == ["team:data"], key
        assert node.tags.get("layer") in {
            "raw", "staging", "intermediate", "marts", "config", "publish"}, key
        assert "dagster/code_references" in node.metadata, key
    assert {graph.get(k).group_name for k in graph.get_all_asset_keys()} == {
        "raw_crm", "raw_support", "raw_finance", "raw_training", "raw_licenses",
        "staging", "intermediate", "marts", "config", "publish"}


def test_every_singular_dbt_test_is_a_check_described_in_words() -> None:
    from pathlib import Path

    graph = defs.resolve_asset_graph()
    checks = {k.name: graph.get_check_spec(k) for k in graph.asset_check_keys}
    tests = Path(__file__).resolve().parent.parent / "dbt_project" / "tests"
    singular = sorted(p.stem for p in tests.glob("*.sql"))
    assert singular and all(name in checks for name in singular), singular
    described = checks["health_config_is_one_complete_version"].description
    assert described.startswith("The three health seeds form one complete configuration")
    assert checks["not_null_account_overrides_account_id"].description == (
        "`account_id` not null. Else the test fails the build.")


def test_no_mart_reads_a_raw_table_directly() -> None:
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        if graph.get(key).group_name == "marts":
            parents = {graph.get(p).group_name for p in graph.get(key).parent_keys}
            assert not any(g.startswith("raw_") for g in parents), (key, parents)
