"""The blacklist (/admin/blacklist) in a real browser: add a refused number and one that hears
a message, remove one; a bad number is marked and nothing is added."""

from __future__ import annotations

from playwright.sync_api import expect

from app.telephony import blacklist
from tests.conftest import snapshot
from tests.pages.conftest import csrf_of, screenshot
from tests.pages.inbox_helpers import signed_in


def numbers() -> list[str]:
    return sorted(e.number for e in blacklist.entries())


def test_the_administrator_adds_and_removes_numbers(desk):
    page = desk("admin")
    page.goto("/admin/blacklist")
    page.fill("#number", "13900000000")
    page.fill("#note", "骚扰电话，一天二十次")
    page.get_by_role("button", name="新增").click()
    expect(page.locator('tr[data-number="13900000000"]')).to_contain_text("拒接")
    page.fill("#number", "13911111111")
    page.select_option("#action", "message")
    page.fill("#sound", "minqing/blocked")
    page.get_by_role("button", name="新增").click()
    expect(page.locator('tr[data-number="13911111111"]')).to_contain_text("minqing/blocked")
    assert numbers() == ["13900000000", "13911111111"]
    screenshot(page, "telephony-blacklist")

    page.get_by_test_id("remove-13900000000").click()
    expect(page.locator('tr[data-number="13900000000"]')).to_have_count(0)
    assert numbers() == ["13911111111"]

    page.fill("#number", "12345abc")
    page.get_by_role("button", name="新增").click()
    expect(page.get_by_test_id("error-number")).to_be_visible()
    assert page.locator("#number").evaluate("e => e.classList.contains('is-invalid')")
    screenshot(page, "telephony-blacklist-bad-number")
    assert numbers() == ["13911111111"]


def test_bad_posts_change_nothing(app):
    client = signed_in(app, "admin")
    token = csrf_of(client.get("/admin/blacklist").get_data(as_text=True))
    client.post(
        "/admin/blacklist", data={"number": "13900000000", "action": "refuse", "csrf_token": token}
    )
    before = snapshot()
    for form, marked in [
        ({"number": "", "action": "refuse"}, "error-number"),
        ({"number": "13900000000", "action": "refuse"}, "error-number"),  # listed already
        ({"number": "13922222222", "action": "explode"}, "error-action"),
        ({"number": "13922222222", "action": "message", "sound": ""}, "error-sound"),
    ]:
        resp = client.post("/admin/blacklist", data={**form, "csrf_token": token})
        assert resp.status_code in (409, 422), form
        assert f'data-testid="{marked}"' in resp.get_data(as_text=True), form
    assert (
        client.post("/admin/blacklist/999999/remove", data={"csrf_token": token}).status_code == 404
    )
    assert (
        client.post(
            "/admin/blacklist", data={"number": "13933333333", "action": "refuse"}
        ).status_code
        == 400
    )
    assert snapshot() == before
