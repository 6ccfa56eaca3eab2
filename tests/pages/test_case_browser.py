"""The case detail in a real browser (Debian's Chromium): the case's own diagram drawn by bpmn-js
with the path taken and the current task marked; the lead's reply box beside the
co-departments' replies; files uploaded and a reply sent with its file through htmx, a refused
file marked in place; another department's attachment by URL is a 404."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Attachment, Case
from tests.attachments.conftest import EXE, JPEG, PDF
from tests.pages.conftest import screenshot


@pytest.fixture(autouse=True)
def attachments_dir(app, tmp_path):
    folder = tmp_path / "attachments"
    app.config["ATTACHMENTS_DIR"] = str(folder)
    return folder


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    out = {}
    for name, body in (("路灯照片.jpg", JPEG), ("情况说明.pdf", PDF), ("假照片.jpg", EXE)):
        path = tmp_path / "upload" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(body)
        out[name] = path
    return out


def diagram_drawn(page) -> None:
    page.wait_for_selector("[data-testid=diagram][data-bpmn-drawn='1']", timeout=20_000)
    assert page.get_attribute("[data-testid=diagram]", "data-bpmn-error") is None


def test_the_diagram_shows_the_path_taken_and_the_current_task(api, dept, page, sign_in, files):
    case = api.create(content="小区门口路灯不亮已经一周，晚上出行不安全，请尽快修复")
    api.act(case["id"], "transfer", "dispatcher", target_department_id=dept("urban"))
    api.act(case["id"], "sign", "urban_handler")
    api.act(case["id"], "extension_request", "urban_handler", days=2, reason="需等待灯具到货")
    api.act(case["id"], "approve_extension", "dispatcher", comment="同意延期两个工作日")
    sign_in("urban_handler")
    page.goto(f"/cases/{case['number']}")
    diagram_drawn(page)
    current = page.locator(".djs-element.minqing-current")
    assert current.count() == 1
    assert current.first.get_attribute("data-element-id") == "handle"
    done = {el.get_attribute("data-element-id") for el in page.locator(".minqing-done").all()}
    assert {"start", "dispatch", "sign", "approve_extension", "f_extension_decided"} <= done
    assert "revisit" not in done and "approve_return" not in done
    # Upload a photo through the case page's form.
    page.set_input_files("#upload-files", [str(files["路灯照片.jpg"]), str(files["情况说明.pdf"])])
    page.click("[data-testid=upload-form] button[type=submit]")
    page.wait_for_selector("text=已上传 2 个附件")
    assert page.locator("[data-testid=attachment]").count() == 2
    diagram_drawn(page)
    page.locator("[data-testid=diagram-card]").scroll_into_view_if_needed()
    screenshot(page, "case-detail")


def test_the_lead_replies_beside_the_co_departments_replies(api, dept, page, sign_in, files):
    case = api.create(content="和平路与解放路交叉口积水严重，影响通行，涉及排水和道路养护")
    api.act(
        case["id"],
        "transfer",
        "dispatcher",
        target_department_id=dept("urban"),
        co_department_ids=[dept("housing"), dept("water")],
    )
    api.act(case["id"], "sign", "urban_handler")
    housing = "住建局：该路段人行道改造已完成，无遗留工程。"
    water = "水务局：已疏通雨水井两处，排水恢复正常。"
    api.act(case["id"], "co_reply", "housing_handler", text=housing)
    api.act(case["id"], "co_reply", "water_handler", text=water)
    sign_in("urban_handler")
    page.goto(f"/cases/{case['id']}")
    box = page.locator("[data-testid=reply-box]")
    assert box.locator("[data-testid=co-reply]").count() == 2
    assert "已疏通雨水井" in box.inner_text() and "人行道改造" in box.inner_text()
    diagram_drawn(page)
    box.scroll_into_view_if_needed()
    screenshot(page, "case-detail-co-replies")

    # A disguised file is refused in place (htmx swaps the marked form), nothing is sent.
    page.fill("#reply-text", "经城管、住建、水务联合处理，积水已排除，路面已修复。")
    page.select_option("#reply-result_code", "resolved")
    page.set_input_files("#reply-files", str(files["假照片.jpg"]))
    box.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=reply-box] [data-testid=error-files]")
    assert "类型不允许上传" in box.inner_text()
    assert page.input_value("#reply-text").startswith("经城管")
    db.session.expire_all()
    assert db.session.get(Case, case["id"]).status == "handling"

    # With a real photo the reply goes, and the page shows the case replied.
    page.select_option("#reply-result_code", "resolved")
    page.set_input_files("#reply-files", str(files["路灯照片.jpg"]))
    page.locator("[data-testid=reply-box] button[type=submit]").click()
    page.wait_for_selector("text=已答复待回访")
    db.session.expire_all()
    assert db.session.get(Case, case["id"]).status == "replied"
    (attachment,) = db.session.scalars(select(Attachment)).all()
    assert attachment.event_id is not None
    assert page.locator("[data-testid=reply-box]").count() == 0


def test_another_departments_case_and_attachment_by_url_are_404(api, dept, page, sign_in):
    case = api.create()
    api.act(case["id"], "transfer", "dispatcher", target_department_id=dept("urban"))
    api.act(case["id"], "sign", "urban_handler")
    resp = api.client.post(
        f"/api/v1/cases/{case['id']}/attachments",
        data={"files": [(io.BytesIO(JPEG), "a.jpg")]},
        headers=api.auth("urban_handler"),
        content_type="multipart/form-data",
    )
    attachment = resp.get_json()[0]["id"]
    sign_in("east_urban_handler")
    for path in (f"/cases/{case['id']}", f"/cases/{case['id']}/attachments/{attachment}"):
        answer = page.goto(path)
        assert answer.status == 404, path
        assert page.locator("[data-testid=error-page]").count() == 1
        assert not re.search("路灯|张伟", page.content())
