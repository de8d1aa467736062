"""The Dagster floor: an empty one-step job, run the way ``make run`` runs the nightly job.

``bench/run.py`` starts it as its own process on a Dagster instance with cs360's instance
settings (``DAGSTER_HOME``, ``dagster-instance.yaml``, whose event log is
``cs_pipeline.run_history``'s) and reads from that instance when the step started: the time from
process start to that step is what Dagster costs before any of cs360's code runs (its imports,
the instance, the run's creation), the floor of the run's "Dagster start-up".
"""

import dagster as dg


@dg.op
def nothing() -> None:
    """Does nothing: the step whose start ends the measured start-up."""


@dg.job(executor_def=dg.in_process_executor)
def empty() -> None:
    nothing()


if __name__ == "__main__":
    with dg.execute_job(dg.reconstructable(empty), instance=dg.DagsterInstance.get()) as result:
        assert result.success
