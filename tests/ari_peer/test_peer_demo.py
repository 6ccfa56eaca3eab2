"""The demo's side: `python -m ari_peer serve` / `call`, the control API and the /phone page."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time

import anyio
import httpx
import pytest

from ari_peer.__main__ import main
from ari_peer.testing import Peer
from tests.ari_peer.peer_helpers import ari


@pytest.mark.anyio
async def test_the_call_command_dials_presses_keys_and_hangs_up(
    peer: Peer, capsys: pytest.CaptureFixture[str]
) -> None:
    async with ari(peer) as session:
        argv = [
            "call",
            "--peer",
            peer.url,
            "--from",
            "13900000001",
            "--keys",
            "12",
            "--wait",
            "0.1",
            "--key-gap",
            "0.1",
            "--hangup-after",
            "1",
        ]
        result: list[int] = []
        caller = threading.Thread(target=lambda: result.append(main(argv)))
        caller.start()
        start = await session.wait_for("StasisStart")
        assert start["channel"]["caller"]["number"] == "13900000001"
        await start.channel.play(media="sound:minqing/welcome", playbackId="demo-pb-1")
        await session.wait_for("StasisEnd", timeout=5)
        await anyio.to_thread.run_sync(caller.join)
    assert result == [0]
    assert [e.digit for e in session.of_type("ChannelDtmfReceived")] == ["1", "2"]
    out = capsys.readouterr().out
    assert "hears sound:minqing/welcome" in out and "presses 2" in out


def test_control_api_refuses_bad_input(peer: Peer) -> None:
    base = peer.url + "_peer"
    lonely = httpx.post(base + "/calls", json={"caller": "13800000000"})
    assert lonely.status_code == 201 and lonely.json()["reached_app"] is False
    assert main(["call", "--peer", peer.url, "--wait", "0"]) == 1
    assert httpx.post(base + "/calls", json={"caller": "abc"}).status_code == 400
    assert httpx.post(base + "/calls", json={"caller": 5}).status_code == 400
    assert httpx.post(base + "/calls", content=b"[1]").status_code == 400
    assert httpx.get(base + "/calls/1.999").status_code == 404
    assert httpx.post(base + "/calls/1.999/keys", json={"digits": "1"}).status_code == 404
    assert httpx.delete(base + "/calls/1.999").status_code == 404
    phones = base + "/phones"
    assert httpx.post(phones, json={"endpoint": "agent01"}).status_code == 400
    bad_seconds = {"endpoint": "PJSIP/a1", "answer_after": "soon"}
    assert httpx.post(phones, json=bad_seconds).status_code == 400
    assert httpx.post(phones, json={"endpoint": "PJSIP/a1", "answer_after": 2}).status_code == 204
    assert httpx.get(phones).json()["PJSIP/a1"]["answer_after"] == 2


@pytest.mark.anyio
async def test_control_api_keys_are_dtmf_digits(peer: Peer) -> None:
    async with ari(peer) as session:
        placed = httpx.post(peer.url + "_peer/calls", json={"caller": "13800000000"})
        assert placed.status_code == 201
        assert placed.json()["reached_app"] is True
        channel_id = placed.json()["channel_id"]
        await session.wait_for("StasisStart")
        keys = peer.url + f"_peer/calls/{channel_id}/keys"
        assert httpx.post(keys, json={"digits": "1x"}).status_code == 400
        assert httpx.post(keys, json={"digits": ""}).status_code == 400
        assert httpx.post(keys, json={"digits": "9"}).status_code == 204
        await session.wait_for("ChannelDtmfReceived")
        assert [e.digit for e in session.of_type("ChannelDtmfReceived")] == ["9"]


def test_the_phone_page_is_self_contained(peer: Peer) -> None:
    page = httpx.get(peer.url + "phone")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "Demo phone" in page.text and "/_peer/calls" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # nothing from a CDN


def test_serve_runs_a_peer_the_asterisk_way() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "ari_peer", "serve", "--port", str(port)]
    command += ["--user", "demo", "--password", "pw"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        assert "ARI peer" in server.stdout.readline()
        url = f"http://127.0.0.1:{port}/ari/asterisk/ping"
        deadline = time.monotonic() + 5
        while True:
            try:
                response = httpx.get(url, params={"api_key": "demo:pw"})
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert response.json()["ping"] == "pong"
        assert httpx.get(url, params={"api_key": "demo:nope"}).status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=5)
