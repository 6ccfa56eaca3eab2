"""`flask serve`: the web app and the scheduler as one foreground command that stops as one.

`make run` ends here. A shell that backgrounds one process and waits on the other cannot do
this: make does not pass SIGTERM on to its recipe, so both processes outlived it, and a
`trap 'kill 0'` re-entered itself on the TERM it sent (the shell crashed). Here each child is
its own process that the parent signals, and every process asks the kernel to send it SIGTERM
when its parent dies (PR_SET_PDEATHSIG), so killing make, or this command with SIGKILL, takes
the children with it.
"""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
import time

import click
from flask import Blueprint

bp = Blueprint("serve_cli", __name__, cli_group=None)

_PR_SET_PDEATHSIG = 1
_STOP_GRACE_SECONDS = 10


def _die_with_parent() -> None:
    """Have the kernel send this process SIGTERM when its parent exits (Linux only)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", *args]


@bp.cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--scheduler-interval",
    default=60,
    show_default=True,
    type=click.IntRange(1, 86400),
    help="Seconds between the scheduler's scans",
)
def serve_command(host: str, port: int, scheduler_interval: int) -> None:
    """Serve the web app and run the scheduler beside it; Ctrl-C or SIGTERM stops both."""
    _die_with_parent()
    children = [
        subprocess.Popen(
            _flask("scheduler", "run", "--interval", str(scheduler_interval)),
            preexec_fn=_die_with_parent,
        ),
        subprocess.Popen(
            _flask("run", "--host", host, "--port", str(port)), preexec_fn=_die_with_parent
        ),
    ]
    stopping = False

    def stop(signum: int, _frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # Either child ending (a crash, a port in use) ends the whole: half a system is no use.
    while not stopping and all(child.poll() is None for child in children):
        time.sleep(0.2)
    code = _stop(children)
    raise SystemExit(code)


def _stop(children: list[subprocess.Popen]) -> int:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + _STOP_GRACE_SECONDS
    for child in children:
        try:
            child.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    crashed = [c.returncode for c in children if c.returncode not in (0, -signal.SIGTERM)]
    return crashed[0] if crashed else 0
