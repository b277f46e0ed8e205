"""``onodig serve``: the Dagster UI, daemon and code server of a local instance under the data folder.

``dagster dev`` runs in a session of its own, so that stopping it stops everything it started:
SIGINT first (it shuts its children down on it), then SIGTERM, then SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

from onodig.pipelines.settings import Settings


def serve(settings: Settings, port: int, say: Callable[[str], None] = print) -> int:
    import dagster as dg

    from onodig.pipelines.orchestration import fail_dead_runs, prepare_dagster_home

    prepare_dagster_home(settings.dagster_home)
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        if dead := fail_dead_runs(instance):
            say(f"{len(dead)} run(s) left STARTED by a process that is gone are marked failed")
    env = dict(
        os.environ,
        DAGSTER_HOME=str(settings.dagster_home),
        ONODIG_DATA=str(settings.data_dir),
        ONODIG_LANDING=str(settings.landing),
        ONODIG_WAREHOUSE_URL=settings.warehouse_url,
        ONODIG_OUTBOX=str(settings.outbox),
    )
    command = [
        sys.executable,
        "-m",
        "dagster",
        "dev",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "-m",
        "onodig.pipelines.definitions",
    ]
    # A shell starting us in the background ignores SIGINT for us, and an ignored signal stays ignored
    # across exec: take it back, so that dagster dev shuts its children down on the SIGINT we send.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    process = subprocess.Popen(command, env=env, cwd=settings.data_dir, start_new_session=True)
    signal.signal(signal.SIGTERM, lambda *_: stop_process_group(process))
    try:
        return process.wait()
    except KeyboardInterrupt:
        stop_process_group(process)
        return 130


def stop_process_group(process: subprocess.Popen, grace: float = 20.0) -> None:
    """SIGINT first (dagster dev shuts its children down on it), then SIGTERM, then SIGKILL."""
    for sig, wait in ((signal.SIGINT, grace), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            os.killpg(process.pid, 0)  # the leader is gone; are its children?
            time.sleep(0.5)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            continue
