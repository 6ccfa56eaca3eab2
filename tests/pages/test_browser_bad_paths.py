"""Bad paths in a real browser: a form posted without its CSRF token is refused and changes
nothing; another department's case and its attachment, opened by URL, are a 404 page, the
same as a case and a file that do not exist."""

from __future__ import annotations

import io

from tests.conftest import snapshot
from tests.pages.conftest import screenshot
from tests.pages.inbox_helpers import at, sent_to

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200


def test_a_form_without_its_csrf_token_is_refused(desk, api, dept):
    at(9)
    case = sent_to(api, dept)
    tab = desk("east_urban_handler")
    tab.goto("/inbox")
    # A forged form: the same fields, no token (what another site's page could post).
    tab.evaluate(
        "() => { document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove());"
        " document.body.removeAttribute('hx-headers'); }"
    )
    before = snapshot()
    with tab.expect_response(lambda r: r.request.method == "POST") as answer:
        tab.locator(f'tr[data-case="{case["id"]}"] [data-testid="sign-one"]').click()
    assert answer.value.status == 400
    assert snapshot() == before


def test_another_departments_case_and_file_by_url_are_not_found(
    desk, api, dept, client, auth, app, tmp_path
):
    app.config["ATTACHMENTS_DIR"] = str(tmp_path / "files")
    at(9)
    case = sent_to(api, dept, "urban")
    api.act(case["id"], "sign", "urban_handler")
    resp = client.post(
        f"/api/v1/cases/{case['id']}/attachments",
        data={"files": [(io.BytesIO(JPEG), "现场.jpg", "image/jpeg")]},
        headers=auth("urban_handler"),
        content_type="multipart/form-data",
    )
    assert resp.status_code == 201, resp.get_json()
    attachment = resp.get_json()[0]["id"]

    tab = desk("west_urban_handler")
    for path in (
        f"/cases/{case['id']}",
        f"/cases/{case['number']}",
        f"/cases/{case['id']}/attachments/{attachment}",
        "/cases/999999",
        f"/cases/{case['id']}/attachments/999999",
    ):
        response = tab.goto(path)
        assert response.status == 404, path
        assert tab.get_by_test_id("error-page").is_visible(), path
    screenshot(tab, "not-found")
