"""The IVR menu editor (/admin/ivr) in a real browser: the administrator adds a key leading to
a new submenu, saves (a new version, shown nested under that key), then restores the earlier
version. Refused documents — a key leading to no menu, an unknown skill group, a bad key, a bad
sound name, hours not written as hours — are marked on their inputs and nothing is saved."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from app.telephony import ivr
from tests.conftest import snapshot
from tests.pages.conftest import csrf_of, screenshot
from tests.pages.inbox_helpers import signed_in


def version_count() -> int:
    return len(ivr.versions())


def test_the_administrator_adds_a_submenu_and_restores(skill_groups, desk):
    page = desk("admin")
    page.goto("/admin/ivr")
    expect(page.get_by_test_id("current-version")).to_contain_text("默认")
    page.get_by_test_id("save-ivr").click()  # the default, as it is: the first version
    expect(page.locator(".alert-success")).to_be_visible()
    before = ivr.current()
    assert before.id > 0 and before.document == ivr.DEFAULT_MENU
    root = page.locator("[data-menu]").first
    expect(root).to_contain_text("根菜单")
    # A new menu "social" and a key 8 of the root menu leading to it.
    page.get_by_role("button", name="添加菜单").click()
    new_menu = page.locator("[data-menu]").last
    new_menu.locator("input[name$='-id']").fill("socialmenu")
    new_menu.locator("input[name$='-prompt']").fill("minqing/social")
    new_menu.get_by_role("button", name="添加按键").click()
    new_menu.locator("input[name$='-key']").last.fill("1")
    new_menu.locator("select[name$='-action']").last.select_option("queue")
    new_menu.locator("input[name$='-target']").last.fill("social")
    root.get_by_role("button", name="添加按键").click()
    root.locator("input[name$='-key']").last.fill("8")
    root.locator("select[name$='-action']").last.select_option("menu")
    root.locator("input[name$='-target']").last.fill("socialmenu")
    page.fill("#note", "社保子菜单")
    page.get_by_test_id("save-ivr").click()
    page.wait_for_url(re.compile(r"/admin/ivr$"))
    expect(page.locator(".alert-success")).to_be_visible()
    saved = ivr.current()
    assert saved.id != before.id
    menus = saved.document["menus"]
    assert menus["socialmenu"]["options"]["1"] == {"action": "queue", "group": "social"}
    assert menus[saved.document["root"]]["options"]["8"] == {"action": "menu", "menu": "socialmenu"}
    assert saved.note == "社保子菜单"
    # Drawn under the key that leads to it.
    sub = page.locator('[data-menu-id="socialmenu"]')
    expect(sub.get_by_test_id("via")).to_contain_text("· 8")
    screenshot(page, "telephony-ivr-editor")

    page.get_by_test_id(f"restore-{before.id}").click()
    page.wait_for_url(re.compile(r"/admin/ivr$"))
    assert ivr.current().document == ivr.DEFAULT_MENU
    expect(page.locator('[data-menu-id="socialmenu"]')).to_have_count(0)


def test_a_refused_menu_is_marked_and_nothing_saved(skill_groups, desk):
    page = desk("admin")
    page.goto("/admin/ivr")
    before, count = snapshot(), version_count()
    root = page.locator("[data-menu]").first
    root.get_by_role("button", name="添加按键").click()
    root.locator("input[name$='-key']").last.fill("7")
    root.locator("select[name$='-action']").last.select_option("menu")
    root.locator("input[name$='-target']").last.fill("nowhere")
    root.get_by_role("button", name="添加按键").click()
    root.locator("input[name$='-key']").last.fill("6")
    root.locator("select[name$='-action']").last.select_option("queue")
    root.locator("input[name$='-target']").last.fill("nosuchgroup")
    root.locator("input[name$='-prompt']").fill("../../etc/passwd")
    page.get_by_test_id("save-ivr").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("未保存")
    marked = page.locator(".is-invalid")
    names = [marked.nth(i).get_attribute("name") for i in range(marked.count())]
    assert any(n.endswith("-prompt") for n in names), names
    assert sum(1 for n in names if n.endswith("-target")) == 2, names
    # What the administrator typed is still there, to correct.
    assert page.locator("input[value=nowhere]").count() == 1
    screenshot(page, "telephony-ivr-refused")
    assert version_count() == count and snapshot() == before
    # The administrator removes the two bad keys, corrects the prompt and saves.
    root = page.locator("[data-menu]").first
    for key in ("7", "6"):
        root.locator(f"tr:has(input[name$='-key'][value='{key}'])").get_by_role("button").click()
    root.locator("input[name$='-prompt']").fill("minqing/welcome")
    page.get_by_test_id("save-ivr").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert version_count() == count + 1
    assert set(ivr.current().document["menus"]["main"]["options"]) == {"1", "2", "3", "4", "0"}


def _post(client, form: dict) -> tuple[int, str]:
    token = csrf_of(client.get("/admin/ivr").get_data(as_text=True))
    resp = client.post("/admin/ivr", data={**form, "csrf_token": token})
    return resp.status_code, resp.get_data(as_text=True)


BASE = {
    "root": "main",
    "menu-0-id": "main",
    "menu-0-prompt": "minqing/welcome",
    "menu-0-timeout": "6",
    "menu-0-opt-0-key": "1",
    "menu-0-opt-0-action": "queue",
    "menu-0-opt-0-target": "general",
    "working_days": "08:00-20:00",
    "rest_days": "09:00-17:00",
    "closed_prompt": "minqing/closed",
    "closed_action": "voicemail",
}


def test_each_bad_field_is_marked_on_its_input(app, skill_groups):
    client = signed_in(app, "admin")
    status, _html = _post(client, BASE)
    assert status == 303  # the base document saves
    before, count = snapshot(), version_count()
    bad = [
        ({"menu-0-opt-0-key": "x"}, "menu-0-opt-0-key"),
        ({"menu-0-opt-0-target": "nosuch"}, "menu-0-opt-0-target"),
        ({"menu-0-opt-0-action": "menu", "menu-0-opt-0-target": "gone"}, "menu-0-opt-0-target"),
        ({"menu-0-prompt": "bad sound!"}, "menu-0-prompt"),
        ({"menu-0-timeout": "-3"}, "menu-0-timeout"),
        ({"working_days": "8 to 8"}, "working_days"),
        ({"root": "nosuch"}, "root"),
        ({"menu-0-opt-1-key": "1", "menu-0-opt-1-action": "voicemail"}, "menu-0-opt-1-key"),
        (
            {
                "menu-0-opt-1-key": "5",
                "menu-0-opt-1-action": "announcement",
                "menu-0-opt-1-target": "minqing/hours",
                "menu-0-opt-1-next": "gone",
            },
            "menu-0-opt-1-next",
        ),
        ({"menu-0-opt-0-action": "transfer", "menu-0-opt-0-target": "110a"}, "menu-0-opt-0-target"),
        ({"closed_action": "explode"}, "closed_action"),
    ]
    for change, name in bad:
        status, html = _post(client, {**BASE, **change})
        assert status == 422, (change, status)
        assert f'data-testid="error-{name}"' in html, change
    assert version_count() == count and snapshot() == before


def test_only_administrators_edit_the_ivr(app, skill_groups):
    assert signed_in(app, "agent").get("/admin/ivr").status_code == 403
    assert signed_in(app, "agent").get("/admin/blacklist").status_code == 403
    client = signed_in(app, "admin")
    resp = client.post("/admin/ivr", data=BASE)  # no CSRF token
    assert resp.status_code == 400
