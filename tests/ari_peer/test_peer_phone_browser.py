"""The /phone page in a real headless Chromium: call, hear the prompts, press a key, hang up."""

from __future__ import annotations

import os
import shutil
import threading

import anyio
import pytest

from ari_peer.testing import Peer
from tests.ari_peer.peer_helpers import ari

CHROMIUM = os.environ.get("MINQING_CHROMIUM", "/usr/bin/chromium")


def run_a_tiny_ivr(peer: Peer, failures: list[BaseException]) -> None:
    """The app side: answer, welcome, a key, thanks; until the caller hangs up."""

    async def ivr() -> None:
        async with ari(peer) as session:
            start = await session.wait_for("StasisStart", timeout=20)
            await start.channel.answer()
            await start.channel.play(media="sound:minqing/welcome", playbackId="browser-pb-1")
            await session.wait_for("ChannelDtmfReceived", timeout=20)
            await start.channel.play(media="sound:minqing/thanks", playbackId="browser-pb-2")
            await session.wait_for("StasisEnd", timeout=20)

    try:
        anyio.run(ivr)
    except BaseException as exc:  # reported by the test, not lost in the thread
        failures.append(exc)


def test_a_caller_uses_the_phone_page(peer: Peer) -> None:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"no Chromium at {CHROMIUM}: `make system` installs Debian's chromium")
    from playwright.sync_api import expect, sync_playwright

    failures: list[BaseException] = []
    app = threading.Thread(target=run_a_tiny_ivr, args=(peer, failures))
    app.start()
    peer.wait_until(lambda: peer.connected)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page()
        page.set_default_timeout(10_000)
        page.goto(peer.url + "phone")
        page.fill("#caller", "13700000007")
        page.click("#call")
        expect(page.locator("#heard li").first).to_have_text("sound:minqing/welcome")
        page.click("#keypad button:text-is('1')")
        expect(page.locator("#heard li").nth(1)).to_have_text("sound:minqing/thanks")
        page.click("#hangup")
        expect(page.locator("#state")).to_contain_text("Hung up")
        browser.close()
    app.join(timeout=10)
    assert failures == []
    digits = [e["digit"] for e in peer.events if e["type"] == "ChannelDtmfReceived"]
    assert digits == ["1"]
    assert peer.events[0]["channel"]["caller"]["number"] == "13700000007"
