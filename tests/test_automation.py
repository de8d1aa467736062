"""Nightly automation: schedule from config, the new-extracts sensor, the run-failure recorder."""

import json
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import dagster as dg
import pytest

from cs_pipeline.automation import (
    EXTRACTS_SIGNATURE_TAG,
    ExtractsCursor,
    build_nightly_schedule,
    build_run_failure_sensor,
    build_stopped_run_sensor,
    decide_extracts_run,
    extract_set_state,
    new_extracts_sensor,
    nightly_build,
    post_alert,
)
from cs_pipeline.config import RETRY_POLICY, STOPPED_BY_TAG, AutomationSettings, CsConfig
from cs_pipeline.sources import EXTRACTS

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def land_extracts(root: Path, skip: str | None = None) -> None:
    for extract in EXTRACTS:
        if extract.file == skip:
            continue
        path = root / extract.file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(",".join(extract.columns) + "\n", encoding="utf-8")


def cs_config(tmp_path: Path) -> CsConfig:
    return CsConfig(extracts_dir=str(tmp_path / "extracts"),
                    warehouse=str(tmp_path / "warehouse" / "cs360.duckdb"))


# --- schedule ------------------------------------------------------------------------------


def test_schedule_cron_and_time_zone_come_from_config() -> None:
    settings = AutomationSettings.from_env(
        {"CS_SCHEDULE_CRON": "30 4 * * 1-5", "CS_SCHEDULE_TZ": "Asia/Tokyo"}
    )
    schedule = build_nightly_schedule(settings)
    assert schedule.cron_schedule == "30 4 * * 1-5"
    assert schedule.execution_timezone == "Asia/Tokyo"
    assert schedule.job_name == "nightly_build"


def test_schedule_defaults_and_bad_time_zone() -> None:
    settings = AutomationSettings.from_env({})
    assert (settings.schedule_cron, settings.schedule_tz) == ("0 2 * * *", "UTC")
    assert settings.alert_webhook_url is None
    with pytest.raises(ValueError, match="CS_SCHEDULE_TZ"):
        AutomationSettings.from_env({"CS_SCHEDULE_TZ": "Mars/Olympus"})


def test_code_location_schedule_reads_the_environment(tmp_path: Path) -> None:
    env = {**os.environ, "CS_SCHEDULE_CRON": "15 3 * * *", "CS_SCHEDULE_TZ": "Europe/Berlin",
           "CS_WAREHOUSE": str(tmp_path / "cs360.duckdb")}
    out = subprocess.run(
        [sys.executable, "-c", "from cs_pipeline.automation import nightly_build_schedule as s; "
         "print(s.cron_schedule, s.execution_timezone)"],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, check=True, timeout=120,
    )
    assert out.stdout.split() == ["15", "3", "*", "*", "*", "Europe/Berlin"]


def test_nightly_job_selects_every_asset_and_retries_steps() -> None:
    @dg.asset
    def upstream() -> None: ...

    @dg.asset(deps=[upstream])
    def downstream() -> None: ...

    job = dg.Definitions(assets=[upstream, downstream], jobs=[nightly_build]).resolve_job_def(
        "nightly_build")
    assert {k.to_user_string() for k in job.asset_layer.asset_graph.get_all_asset_keys()} == {
        "upstream", "downstream"}
    assert RETRY_POLICY.max_retries == 2


def test_every_run_path_retries_alike() -> None:
    """The policy is on every asset and check step, not on the nightly job: "Materialize all"
    from the lineage and `make run` retry exactly as the schedule's runs do."""
    from cs_pipeline.definitions import defs

    job = defs.resolve_implicit_global_asset_job_def()
    policies = {node.name: node.definition.retry_policy for node in job.graph.node_dict.values()}
    assert policies and set(policies.values()) == {RETRY_POLICY}, policies


# --- new extracts sensor -------------------------------------------------------------------


def test_extract_set_state_names_missing_files_and_tracks_changes(tmp_path: Path) -> None:
    land_extracts(tmp_path, skip="support/tickets.jsonl")
    state = extract_set_state(tmp_path)
    assert state.missing == ("support/tickets.jsonl",)
    assert state.signature is None

    land_extracts(tmp_path)
    complete = extract_set_state(tmp_path)
    assert complete.missing == ()
    assert complete.signature is not None
    assert extract_set_state(tmp_path).signature == complete.signature  # stable when untouched

    (tmp_path / "crm" / "Account.csv").write_text("Id,Name\n001,Acme\n", encoding="utf-8")
    assert extract_set_state(tmp_path).signature != complete.signature


def test_decision_waits_for_a_complete_and_settled_set() -> None:
    from cs_pipeline.automation import ExtractSetState

    incomplete = ExtractSetState(("crm/User.csv",), None, None)
    a = ExtractSetState((), "aaaa", None)
    b = ExtractSetState((), "bbbb", None)

    d = decide_extracts_run(incomplete, ExtractsCursor())
    assert (d.launch, d.cursor) == (False, ExtractsCursor())
    assert "crm/User.csv" in d.reason

    d1 = decide_extracts_run(a, ExtractsCursor())  # first sight: may still be copying
    assert (d1.launch, d1.cursor) == (False, ExtractsCursor(None, "aaaa"))
    d2 = decide_extracts_run(a, d1.cursor)  # unchanged for a tick: launch
    assert (d2.launch, d2.cursor) == (True, ExtractsCursor("aaaa", "aaaa"))
    d3 = decide_extracts_run(a, d2.cursor)  # same set again: nothing
    assert (d3.launch, d3.cursor) == (False, ExtractsCursor("aaaa", "aaaa"))

    d4 = decide_extracts_run(b, d3.cursor)  # changed while settling ...
    d5 = decide_extracts_run(a, d4.cursor)  # ... and changed back: still settling
    assert not d4.launch and not d5.launch
    assert d5.cursor == ExtractsCursor("aaaa", "aaaa")
    assert decide_extracts_run(ExtractSetState((), "cccc", None), d5.cursor).launch is False


def test_cursor_round_trip_and_garbage() -> None:
    c = ExtractsCursor("x", "y")
    assert ExtractsCursor.from_json(c.to_json()) == c
    assert ExtractsCursor.from_json(None) == ExtractsCursor()
    assert ExtractsCursor.from_json("not json") == ExtractsCursor()


def tick(cfg: CsConfig, cursor: str | None) -> dg.SensorResult:
    with dg.build_sensor_context(cursor=cursor, resources={"cs_config": cfg}) as context:
        return new_extracts_sensor(context)


def test_sensor_requests_one_run_per_complete_settled_set(tmp_path: Path) -> None:
    cfg = cs_config(tmp_path)
    root = cfg.settings.extracts_dir
    land_extracts(root, skip="licenses/installations.csv")

    missing = tick(cfg, None)
    assert missing.run_requests == []
    assert "licenses/installations.csv" in missing.skip_reason.skip_message

    land_extracts(root)
    settling = tick(cfg, missing.cursor)
    assert settling.run_requests == []
    launch = tick(cfg, settling.cursor)
    signature = extract_set_state(root).signature
    assert [r.run_key for r in launch.run_requests] == [f"extracts-{signature}"]
    assert launch.run_requests[0].tags[EXTRACTS_SIGNATURE_TAG] == signature
    again = tick(cfg, launch.cursor)
    assert again.run_requests == []
    assert "already built" in again.skip_reason.skip_message

    (root / "finance" / "fx_rates.csv").write_text("currency,month,rate_to_usd\nEUR,2024-06,1.08\n")
    assert tick(cfg, again.cursor).run_requests == []  # settling
    next_night = tick(cfg, tick(cfg, again.cursor).cursor)
    assert len(next_night.run_requests) == 1
    assert next_night.run_requests[0].run_key != launch.run_requests[0].run_key


# --- run failures --------------------------------------------------------------------------


class _Webhook(BaseHTTPRequestHandler):
    bodies: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers["Content-Length"])
        type(self).bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook():
    _Webhook.bodies = []
    server = HTTPServer(("127.0.0.1", 0), _Webhook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", _Webhook.bodies
    finally:
        server.shutdown()
        server.server_close()


def failed_run(instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    @dg.op
    def load_crm_account() -> None:
        raise ValueError("crm/Account.csv: missing required column 'Id'")

    @dg.job(tags={"dagster/schedule_name": "nightly_build_schedule"})
    def nightly_build_standin() -> None:
        load_crm_account()

    return nightly_build_standin.execute_in_process(instance=instance, raise_on_error=False)


def test_failure_sensor_writes_jsonl_and_posts_webhook(tmp_path: Path, webhook) -> None:
    url, bodies = webhook
    cfg = cs_config(tmp_path)
    sensor = build_run_failure_sensor(AutomationSettings(alert_webhook_url=url))
    with dg.instance_for_test() as instance:
        result = failed_run(instance)
        assert not result.success
        with dg.build_run_status_sensor_context(
            sensor_name="run_failure_recorder",
            dagster_event=result.get_run_failure_event(),
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            resources={"cs_config": cfg},
        ).for_run_failure() as context:
            sensor(context)

    log_path = tmp_path / "warehouse" / "run_failures.jsonl"
    assert log_path == cfg.settings.run_failures_log
    lines = log_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["run_id"] == result.run_id
    assert record["job_name"] == "nightly_build_standin"
    assert record["failed_steps"] == ["load_crm_account"]
    assert record["errors"] == {
        "load_crm_account": "ValueError: crm/Account.csv: missing required column 'Id'"}
    assert record["tags"]["dagster/schedule_name"] == "nightly_build_schedule"
    assert record["failed_at"].endswith("+00:00")
    assert bodies == [record]


def test_stopped_run_is_recorded_like_a_failed_one(tmp_path: Path, webhook) -> None:
    """A run a failed ERROR check stopped succeeds in Dagster's terms; it is still recorded."""
    url, bodies = webhook
    cfg = cs_config(tmp_path)
    sensor = build_stopped_run_sensor(AutomationSettings(alert_webhook_url=url))

    @dg.op
    def load_crm_account() -> None: ...

    @dg.job(tags={STOPPED_BY_TAG: "crm/account gx_errors"})
    def stopped_standin() -> None:
        load_crm_account()

    with dg.instance_for_test() as instance:
        result = stopped_standin.execute_in_process(instance=instance)
        with dg.build_run_status_sensor_context(
            sensor_name="stopped_run_recorder",
            dagster_event=instance.all_logs(
                result.run_id, of_type=dg.DagsterEventType.RUN_SUCCESS)[0].dagster_event,
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            resources={"cs_config": cfg},
        ) as context:
            sensor(context)

    [line] = cfg.settings.run_failures_log.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["run_id"] == result.run_id
    assert record["message"] == (
        "stopped by crm/account gx_errors: nothing downstream ran, nothing published")
    assert record["failed_steps"] == [] and record["tags"][STOPPED_BY_TAG]
    assert bodies == [record]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_undeliverable_alert_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/hook"
    assert post_alert(url, {"run_id": "r1"}, timeout=2) is False
    assert "could not deliver" in caplog.text
    assert post_alert("not a url", {"run_id": "r1"}) is False
