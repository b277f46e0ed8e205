"""Starting and stopping real local servers for tests: free ports, readiness, process groups."""

import contextlib
import email
import email.policy
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path


class Mailbox:
    """An aiosmtpd handler that keeps what it receives, parsed, for a test to read back."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"no answer from {url} within {timeout} s")


def live_members(group: int) -> list[int]:
    """Processes still running in a process group; zombies waiting to be reaped do not count."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group and fields[0] != "Z":
                members.append(int(entry.name))
    return members


def stop_group(process: subprocess.Popen, grace: float = 15.0) -> None:
    """SIGTERM the whole process group (the webserver's children too), then SIGKILL what is left.

    The server was started with ``start_new_session=True``, so its group id is its pid, and the
    group outlives the leader: SIGTERM to the leader alone leaves its children running.
    """
    group = process.pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while live_members(group) and time.monotonic() < deadline:
        time.sleep(0.2)
    if live_members(group):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
