"""A run whose process was killed never blocks the queue: onodig marks it failed when it starts again."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import dagster as dg

from onodig.pipelines.orchestration import fail_dead_runs, prepare_dagster_home

KILLED_RUN = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import dagster as dg

    @dg.op
    def wait():
        Path(sys.argv[1]).write_text("started")
        time.sleep(600)

    @dg.job
    def long_job():
        wait()

    with dg.DagsterInstance.get() as instance:
        long_job.execute_in_process(instance=instance)
    """
)


def test_a_killed_run_is_marked_failed_when_onodig_starts_again(tmp_path):
    home = tmp_path / "dagster_home"
    prepare_dagster_home(home)
    assert "run_monitoring:\n  enabled: true" in (home / "dagster.yaml").read_text(encoding="utf-8")
    started = tmp_path / "started"
    env = dict(os.environ, DAGSTER_HOME=str(home))
    process = subprocess.Popen([sys.executable, "-c", KILLED_RUN, str(started)], env=env)
    try:
        deadline = time.monotonic() + 120
        while not started.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        assert started.exists(), "the run never started"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        (run,) = instance.get_runs()
        assert run.status == dg.DagsterRunStatus.STARTED  # what a killed run leaves behind
        assert fail_dead_runs(instance) == [run.run_id]
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
        assert fail_dead_runs(instance) == []


def test_a_live_run_is_left_alone(tmp_path):
    home = tmp_path / "dagster_home"
    prepare_dagster_home(home)
    with dg.DagsterInstance.from_config(str(home)) as instance:

        @dg.op
        def look(context: dg.OpExecutionContext):
            return fail_dead_runs(context.instance)

        @dg.job
        def looking():
            look()

        result = looking.execute_in_process(instance=instance)
        assert result.success and result.output_for_node("look") == []  # its own run is alive
