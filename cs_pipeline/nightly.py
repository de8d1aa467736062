"""`make run`: the one way to start the nightly build by hand.

Runs the job ``nightly_build`` (the one the schedule runs) in this process, on the Dagster
instance of ``DAGSTER_HOME`` (so the run shows in the UI), tagged with its as-of date. Exits 0
only when the warehouse was published; 1 when it was interrupted (Ctrl-C), when a step failed,
or when a failed ERROR check stopped everything downstream of its raw table (Dagster counts
that run as a success: nothing failed, the rest was skipped; its tag ``cs360/stopped_by``
names the checks).
"""

import sys

import dagster as dg

from cs_pipeline.config import AS_OF_TAG, STOPPED_BY_TAG, CsSettings, run_interrupted

PUBLISHED = dg.AssetKey(["published_warehouse"])


def nightly_job() -> dg.JobDefinition:
    from cs_pipeline.definitions import defs

    return defs.resolve_job_def("nightly_build")


def outcome(success: bool, tags: dict[str, str], published: bool, interrupted: bool) -> str:
    """One line saying what the run did for BI; empty when it published."""
    if interrupted:
        return "the nightly build was interrupted and stopped; nothing was published"
    if not success:
        return "the nightly build failed (see the failed step above); nothing was published"
    if not published:
        stopped = tags.get(STOPPED_BY_TAG, "a check")
        return f"stopped by {stopped}: nothing was published"
    return ""


def main() -> int:
    settings = CsSettings.from_env()
    instance = dg.DagsterInstance.get()
    # The result is read, not opened: opening it (a `with` block) initializes the resources
    # again, for loading outputs, which this reads none of.
    result = dg.execute_job(
        dg.reconstructable(nightly_job),
        instance=instance,
        tags={AS_OF_TAG: settings.as_of.isoformat()},
    )
    published = any(e.asset_key == PUBLISHED for e in result.get_asset_materialization_events())
    tags = instance.get_run_by_id(result.run_id).tags  # with those the steps added
    problem = outcome(
        result.success, dict(tags), published, interrupted=run_interrupted(result.run_id)
    )
    if problem:
        print(f"cs360: {problem}; BI keeps reading {settings.warehouse}", file=sys.stderr)
        return 1
    print(f"cs360: published {settings.warehouse} as of {settings.as_of}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
