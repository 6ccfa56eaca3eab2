"""python -m ari_peer serve | call: the demo's Asterisk and the demo's phone."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from pathlib import Path

import httpx

from ari_peer.server import PeerServer


def serve(args: argparse.Namespace) -> int:
    recordings = Path(args.recordings or tempfile.mkdtemp(prefix="ari-peer-"))

    async def run() -> None:
        server = PeerServer(
            host=args.host,
            port=args.port,
            user=args.user,
            password=args.password,
            app=args.app,
            recordings_dir=recordings,
            default_answer_after=args.answer_after,
        )
        await server.start()
        assert server.pbx is not None
        server.pbx.sound_seconds = args.sound_seconds
        base = f"http://{args.host}:{server.port}"
        print(f"ARI peer (simulated Asterisk 22) on {base}/ari, app {args.app!r}", flush=True)
        print(f"phone page: {base}/phone; recordings in {recordings}", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0


def call(args: argparse.Namespace) -> int:
    base = args.peer.rstrip("/")
    with httpx.Client(base_url=base, timeout=5) as http:
        placed = http.post("/_peer/calls", json={"caller": args.caller, "called": args.called})
        if placed.status_code != 201:
            print(f"call refused: {placed.status_code} {placed.text}", file=sys.stderr)
            return 1
        channel_id = placed.json()["channel_id"]
        print(f"calling {args.called} from {args.caller}: channel {channel_id}")
        if not placed.json()["reached_app"]:
            print("the Stasis app is not connected (is ari_bridge running?)", file=sys.stderr)
            return 1
        heard: list[str] = []
        keys = list(args.keys)
        talked = False
        next_key_at = time.monotonic() + args.wait
        hang_up_at = time.monotonic() + args.hangup_after
        while True:
            state = http.get(f"/_peer/calls/{channel_id}").json()
            for media in state["heard"][len(heard) :]:
                print(f"  hears {media}")
            heard = state["heard"]
            if state["gone"]:
                print("the other side hung up")
                return 0
            now = time.monotonic()
            if keys and now >= next_key_at:
                key = keys.pop(0)
                http.post(f"/_peer/calls/{channel_id}/keys", json={"digits": key})
                print(f"  presses {key}")
                next_key_at = now + args.key_gap
            elif not keys and args.talk and not talked and now >= next_key_at:
                http.post(f"/_peer/calls/{channel_id}/talk", json={"seconds": args.talk})
                print(f"  talks for {args.talk} s")
                talked = True
            if now >= hang_up_at:
                http.delete(f"/_peer/calls/{channel_id}")
                print("  hangs up")
                return 0
            time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ari_peer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve_cmd = commands.add_parser("serve", help="run the simulated Asterisk")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8088)
    serve_cmd.add_argument("--user", default="minqing")
    serve_cmd.add_argument("--password", default="secret")
    serve_cmd.add_argument("--app", default="hotline")
    serve_cmd.add_argument("--recordings", help="directory for recordings (default: a temp dir)")
    serve_cmd.add_argument(
        "--answer-after", type=float, default=1.0, help="seconds agents' phones ring"
    )
    serve_cmd.add_argument("--sound-seconds", type=float, default=1.0, help="length of a prompt")
    serve_cmd.set_defaults(run=serve)

    call_cmd = commands.add_parser("call", help="place a call on a running peer and press keys")
    call_cmd.add_argument("--peer", default="http://127.0.0.1:8088/")
    call_cmd.add_argument("--from", dest="caller", default="13800000000")
    call_cmd.add_argument("--to", dest="called", default="12345")
    call_cmd.add_argument("--keys", default="", help="DTMF keys to press, one at a time")
    call_cmd.add_argument("--wait", type=float, default=2.0, help="seconds before the first key")
    call_cmd.add_argument("--key-gap", type=float, default=1.5, help="seconds between keys")
    call_cmd.add_argument("--talk", type=float, default=0.0, help="then speak N seconds")
    call_cmd.add_argument("--hangup-after", type=float, default=30.0)
    call_cmd.set_defaults(run=call)

    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
