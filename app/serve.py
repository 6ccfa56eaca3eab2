"""`flask serve`: the web app, the scheduler and the telephony bridge as one foreground
command that stops as one.

`--phone asterisk` (the default when MINQING_ARI_URL is set) adds the ARI bridge
(`python -m ari_bridge`) against that Asterisk; `--phone demo` (what `make run` asks for when
no Asterisk is configured) adds the simulated Asterisk of the tests (`python -m ari_peer`,
with its demo phone page) on 127.0.0.1:DEMO_ARI_PORT and the bridge against it; `--phone none`
neither. The bridge's API token is minted here for its service account when
MINQING_API_TOKEN is not set.

`make run` ends here. A shell that backgrounds one process and waits on the other cannot do
this: make does not pass SIGTERM on to its recipe, so both processes outlived it, and a
`trap 'kill 0'` re-entered itself on the TERM it sent (the shell crashed). Here each child is
its own process that the parent signals, and every process asks the kernel to send it SIGTERM
when its parent dies (PR_SET_PDEATHSIG), so killing make, or this command with SIGKILL, takes
the children with it.
"""

from __future__ import annotations

import ctypes
import os
import secrets
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


# The simulated Asterisk's port: Asterisk's own HTTP port, so the docs' URLs hold for the demo.
DEMO_ARI_PORT = int(os.environ.get("MINQING_DEMO_ARI_PORT", "8088"))
DEMO_ARI_USER = "minqing"


def _bridge_environment(web_url: str, ari: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(ari)
    env["MINQING_WEB_URL"] = web_url
    if not env.get("MINQING_API_TOKEN"):
        minted = subprocess.run(_flask("telephony", "token"), capture_output=True, text=True)
        if minted.returncode != 0:
            last = (minted.stderr.strip().splitlines() or ["no output"])[-1]
            raise click.ClickException(f"no API token for the telephony bridge: {last}")
        env["MINQING_API_TOKEN"] = minted.stdout.strip()
    return env


def _telephony(phone: str, host: str, port: int) -> list[tuple[list[str], dict[str, str]]]:
    """The telephony processes `phone` asks for: (argv, environment) each."""
    if phone == "none":
        return []
    web_url = f"http://{host}:{port}/"
    if phone == "asterisk":
        missing = [
            k
            for k in ("MINQING_ARI_URL", "MINQING_ARI_USER", "MINQING_ARI_PASSWORD")
            if not os.environ.get(k)
        ]
        if missing:
            raise click.UsageError(f"--phone asterisk needs {', '.join(missing)}")
        return [([sys.executable, "-m", "ari_bridge"], _bridge_environment(web_url, {}))]
    password = secrets.token_urlsafe(18)
    app_name = os.environ.get("MINQING_ARI_APP", "hotline")
    peer = [
        sys.executable,
        "-m",
        "ari_peer",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(DEMO_ARI_PORT),
        "--user",
        DEMO_ARI_USER,
        "--password",
        password,
        "--app",
        app_name,
    ]
    ari = {
        "MINQING_ARI_URL": f"http://127.0.0.1:{DEMO_ARI_PORT}/",
        "MINQING_ARI_USER": DEMO_ARI_USER,
        "MINQING_ARI_PASSWORD": password,
        "MINQING_ARI_APP": app_name,
    }
    bridge = [sys.executable, "-m", "ari_bridge"]
    return [(peer, dict(os.environ)), (bridge, _bridge_environment(web_url, ari))]


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
@click.option(
    "--phone",
    type=click.Choice(["none", "demo", "asterisk"]),
    default=None,
    help="Telephony: the ARI bridge against MINQING_ARI_URL (asterisk), against the simulated "
    "Asterisk with its demo phone page (demo), or none. Default: asterisk when MINQING_ARI_URL "
    "is set, else none.",
)
def serve_command(host: str, port: int, scheduler_interval: int, phone: str | None) -> None:
    """Serve the web app and run the scheduler (and the telephony bridge) beside it; Ctrl-C or
    SIGTERM stops them all."""
    _die_with_parent()
    if os.environ.get("MINQING_ARI_URL"):
        phone = "asterisk"  # a configured Asterisk wins over the demo's
    telephony = _telephony(phone or "none", host, port)
    children = [
        subprocess.Popen(
            _flask("scheduler", "run", "--interval", str(scheduler_interval)),
            preexec_fn=_die_with_parent,
        ),
        subprocess.Popen(
            _flask("run", "--host", host, "--port", str(port)), preexec_fn=_die_with_parent
        ),
        *(subprocess.Popen(argv, env=env, preexec_fn=_die_with_parent) for argv, env in telephony),
    ]
    if phone == "demo":
        click.echo(f"demo phone: http://127.0.0.1:{DEMO_ARI_PORT}/phone (the hotline is 12345)")
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
