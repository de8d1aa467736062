"""When cs360 builds by itself, and where a failed build is announced.

- ``nightly_build``: every asset (extracts -> raw -> dbt -> published warehouse); every step
  retries transient errors (:data:`cs_pipeline.config.RETRY_POLICY`).
- ``nightly_build_schedule``: the nightly run, cron and time zone from ``CS_SCHEDULE_CRON`` and
  ``CS_SCHEDULE_TZ``.
- ``new_extracts_sensor``: starts a run as soon as a *complete* new set of extract files has
  landed and stopped changing, for teams whose exports arrive at irregular times.
- ``run_failure_recorder``: every failed run of this code location is logged, appended to
  ``run_failures.jsonl`` beside the published warehouse (a BI page can read it) and, when
  ``CS_ALERT_WEBHOOK_URL`` is set, POSTed there as JSON.
"""

import datetime as dt
import hashlib
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import dagster as dg

from cs_pipeline.config import STOPPED_BY_TAG, AutomationSettings, CsConfig
from cs_pipeline.sources import EXTRACTS, Extract

log = logging.getLogger(__name__)

ALERT_TIMEOUT_SECONDS = 5.0
SENSOR_INTERVAL_SECONDS = 60
EXTRACTS_SIGNATURE_TAG = "cs360/extracts_signature"

# Retries are a policy on every asset and check (config.RETRY_POLICY), so this job, the UI's
# "Materialize all" and `make run` retry alike.
nightly_build = dg.define_asset_job(
    "nightly_build",
    selection=dg.AssetSelection.all(),
    description="Load every extract, build and check every model, publish the warehouse. "
    "By hand: `make run` (or this job's launchpad).",
)


def build_nightly_schedule(settings: AutomationSettings) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="nightly_build_schedule",
        job=nightly_build,
        cron_schedule=settings.schedule_cron,
        execution_timezone=settings.schedule_tz,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="The nightly build (CS_SCHEDULE_CRON in CS_SCHEDULE_TZ).",
    )


# --- new extracts sensor -------------------------------------------------------------------


@dataclass(frozen=True)
class ExtractSetState:
    """What the extracts folder holds right now, as far as the registry is concerned."""

    missing: tuple[str, ...]  # registry files not present (paths relative to the root)
    signature: str | None  # digest of every file's size and mtime; None while incomplete
    newest_mtime: dt.datetime | None


def extract_set_state(
    extracts_dir: Path, extracts: Iterable[Extract] = EXTRACTS
) -> ExtractSetState:
    """Scan the registry's files; the signature changes when any of them is rewritten."""
    missing: list[str] = []
    parts: list[str] = []
    newest_ns = 0
    for extract in extracts:
        delivered = extract.delivered_files(extracts_dir)  # a new ticket delta file counts too
        if not delivered:
            missing.append(extract.file)
        for file in delivered:
            try:
                st = (extracts_dir / file).stat()
            except FileNotFoundError:  # removed since the listing
                missing.append(file)
                continue
            parts.append(f"{file}\0{st.st_size}\0{st.st_mtime_ns}")
            newest_ns = max(newest_ns, st.st_mtime_ns)
    newest = dt.datetime.fromtimestamp(newest_ns / 1e9, dt.UTC) if parts else None
    if missing:
        return ExtractSetState(tuple(missing), None, newest)
    digest = hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()[:16]
    return ExtractSetState((), digest, newest)


@dataclass(frozen=True)
class ExtractsCursor:
    launched: str | None = None  # signature a run was last requested for
    seen: str | None = None  # complete signature seen on the previous tick

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> "ExtractsCursor":
        if not text:
            return cls()
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return cls()
        return cls(launched=data.get("launched"), seen=data.get("seen"))


@dataclass(frozen=True)
class ExtractsDecision:
    launch: bool
    cursor: ExtractsCursor
    reason: str


def decide_extracts_run(state: ExtractSetState, cursor: ExtractsCursor) -> ExtractsDecision:
    """Launch once per complete set, and only once it has stood still for a whole tick.

    A set counts as landed when all registry files exist and their signature is the same on
    two consecutive ticks: a file still being copied changes size or mtime in between. This
    needs no clock agreement between the machine that writes the files and this one.
    """
    if state.missing:
        return ExtractsDecision(
            False,
            ExtractsCursor(launched=cursor.launched),
            f"waiting for {len(state.missing)} extract file(s): {', '.join(state.missing)}",
        )
    sig = state.signature
    if sig == cursor.launched:
        return ExtractsDecision(False, ExtractsCursor(sig, sig), f"extracts {sig} already built")
    if sig != cursor.seen:
        return ExtractsDecision(
            False, ExtractsCursor(cursor.launched, sig),
            f"new extracts {sig} (newest {state.newest_mtime}); waiting one tick for them to "
            "settle",
        )
    return ExtractsDecision(True, ExtractsCursor(sig, sig), f"extracts {sig} complete and stable")


@dg.sensor(
    name="new_extracts_sensor",
    job=nightly_build,
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Starts nightly_build when a complete new set of the 15 extract files has "
    "landed and stopped changing. Off by default: the nightly schedule covers exports that "
    "arrive before it; turn this on (and the schedule off) for irregular deliveries.",
)
def new_extracts_sensor(
    context: dg.SensorEvaluationContext, cs_config: CsConfig
) -> dg.SensorResult:
    state = extract_set_state(cs_config.settings.extracts_dir)
    decision = decide_extracts_run(state, ExtractsCursor.from_json(context.cursor))
    cursor = decision.cursor.to_json()
    if not decision.launch:
        return dg.SensorResult(skip_reason=decision.reason, cursor=cursor)
    context.log.info(decision.reason)
    return dg.SensorResult(
        run_requests=[dg.RunRequest(
            run_key=f"extracts-{state.signature}",
            tags={EXTRACTS_SIGNATURE_TAG: state.signature},
        )],
        cursor=cursor,
    )


# --- run failures --------------------------------------------------------------------------


def failure_record(
    *,
    run_id: str,
    job_name: str,
    failed_at: dt.datetime,
    message: str,
    failed_steps: dict[str, str],
    tags: dict[str, str] | None = None,
) -> dict[str, object]:
    """One line of ``run_failures.jsonl``: flat, so a BI tool can read it as a table."""
    return {
        "failed_at": failed_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "run_id": run_id,
        "job_name": job_name,
        "failed_steps": sorted(failed_steps),
        "message": message,
        "errors": failed_steps,
        "tags": tags or {},
    }


def append_failure(path: Path, record: dict[str, object]) -> None:
    """Append one JSON line; one small O_APPEND write, so concurrent appends do not interleave."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
    with open(path, "a", encoding="utf-8") as out:
        out.write(line)


def post_alert(url: str, record: dict[str, object], timeout: float = ALERT_TIMEOUT_SECONDS) -> bool:
    """POST the record as JSON; a webhook that is down must not hide the failure, so never raise."""
    try:
        request = urllib.request.Request(
            url,
            data=json.dumps(record, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
        return True
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        log.warning("could not deliver the run-failure alert to the webhook: %s", exc)
        return False


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def _root_cause(error: object) -> str:
    """The innermost error's first line: Dagster wraps what the step raised in its own error."""
    while getattr(error, "cause", None) is not None:
        error = error.cause
    return _first_line(getattr(error, "message", None))


def _record(
    context: dg.RunStatusSensorContext,
    settings: AutomationSettings,
    cs_config: CsConfig,
    *,
    message: str,
    failed_steps: dict[str, str],
) -> None:
    run = context.dagster_run
    record = failure_record(
        run_id=run.run_id,
        job_name=run.job_name,
        failed_at=dt.datetime.now(dt.UTC),
        message=message,
        failed_steps=failed_steps,
        tags={k: v for k, v in run.tags.items() if not k.startswith(".dagster")},
    )
    path = cs_config.settings.run_failures_log
    append_failure(path, record)
    context.log.error(
        f"run {run.run_id} of {run.job_name}: {message} (steps: "
        f"{', '.join(failed_steps) or 'none'}); recorded in {path}"
    )
    if settings.alert_webhook_url:
        post_alert(settings.alert_webhook_url, record)


def build_run_failure_sensor(settings: AutomationSettings) -> dg.SensorDefinition:
    @dg.run_failure_sensor(
        name="run_failure_recorder",
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Logs every failed run, appends it to run_failures.jsonl beside the "
        "warehouse and POSTs it to CS_ALERT_WEBHOOK_URL when set.",
    )
    def run_failure_recorder(context: dg.RunFailureSensorContext, cs_config: CsConfig) -> None:
        steps = {
            event.step_key or "?": _root_cause(getattr(event.event_specific_data, "error", None))
            for event in context.get_step_failure_events()
        }
        _record(context, settings, cs_config,
                message=_first_line(context.failure_event.message), failed_steps=steps)

    return run_failure_recorder


def build_stopped_run_sensor(settings: AutomationSettings) -> dg.SensorDefinition:
    """A run stopped by a failed ERROR check on a raw table succeeds in Dagster's terms (the
    rest was skipped, nothing failed) yet published nothing: recorded like a failure."""

    @dg.run_status_sensor(
        name="stopped_run_recorder",
        run_status=dg.DagsterRunStatus.SUCCESS,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Records a run that a failed ERROR check stopped (tag cs360/stopped_by) "
        "as run_failure_recorder records a failed one.",
    )
    def stopped_run_recorder(context: dg.RunStatusSensorContext, cs_config: CsConfig) -> None:
        stopped = context.dagster_run.tags.get(STOPPED_BY_TAG)
        if stopped:
            _record(context, settings, cs_config, failed_steps={},
                    message=f"stopped by {stopped}: nothing downstream ran, nothing published")

    return stopped_run_recorder


_automation = AutomationSettings.from_env()
nightly_build_schedule = build_nightly_schedule(_automation)
run_failure_recorder = build_run_failure_sensor(_automation)
stopped_run_recorder = build_stopped_run_sensor(_automation)
