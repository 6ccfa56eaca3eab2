"""Attachments on the case page (test client): upload with the form, a reply with its files,
the bad paths marked on the field with nothing changed, downloads in scope only, CSRF."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Attachment, Case, CaseEvent
from tests.attachments.conftest import EXE, JPEG, PDF, stored_files
from tests.conftest import snapshot
from tests.pages.conftest import csrf_of


@pytest.fixture(autouse=True)
def attachments_dir(app, tmp_path):
    folder = tmp_path / "attachments"
    app.config["ATTACHMENTS_DIR"] = str(folder)
    return folder


def handling(api, dept, code: str = "urban") -> dict:
    case = api.create()
    api.act(case["id"], "transfer", "dispatcher", target_department_id=dept(code))
    api.act(case["id"], "sign", f"{code}_handler")
    return case


def post_files(client, case_id, files, token):
    data = {"files": [(io.BytesIO(body), name) for name, body in files]}
    if token is not None:
        data["csrf_token"] = token
    return client.post(
        f"/cases/{case_id}/attachments", data=data, content_type="multipart/form-data"
    )


def test_a_handler_uploads_on_the_case_page(api, client, page_login, dept):
    case = handling(api, dept)
    page_login("urban_handler")
    html = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert 'data-testid="upload-form"' in html and 'enctype="multipart/form-data"' in html
    resp = post_files(
        client, case["id"], [("路灯照片.jpg", JPEG), ("回执.pdf", PDF)], csrf_of(html)
    )
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(f"/cases/{case['number']}#attachments")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已上传 2 个附件" in page
    assert "路灯照片.jpg" in page and "回执.pdf" in page
    assert "上传附件" in page  # the timeline's event
    (photo, receipt) = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    download = client.get(f"/cases/{case['id']}/attachments/{photo.id}")
    assert download.status_code == 200 and download.data == JPEG
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in download.headers["Content-Security-Policy"]
    shown = client.get(f"/cases/{case['id']}/attachments/{photo.id}?inline=1")
    assert shown.headers["Content-Disposition"].startswith("inline;")
    pdf = client.get(f"/cases/{case['id']}/attachments/{receipt.id}?inline=1")
    assert pdf.headers["Content-Disposition"].startswith("attachment;")


def test_a_reader_sees_the_files_and_has_no_upload_form(api, client, page_login, dept):
    case = handling(api, dept)
    page_login("oversight")
    html = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert 'data-testid="attachments"' in html and 'data-testid="upload-form"' not in html
    before = snapshot()
    resp = post_files(client, case["id"], [("a.jpg", JPEG)], csrf_of(html))
    assert resp.status_code == 403
    assert "只有当前办理此工单的人员可以上传附件" in resp.get_data(as_text=True)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("files", "status", "words"),
    [
        ([("photo.jpg", EXE)], 422, "类型不允许上传"),
        ([("大照片.jpg", JPEG + b"\0" * 3000)], 413, "超过"),
        ([], 422, "请选择要上传的文件"),
    ],
    ids=["disguised exe", "too large", "no file"],
)
def test_a_refused_upload_marks_the_field_and_changes_nothing(
    app, api, client, page_login, dept, attachments_dir, files, status, words
):
    app.config["ATTACHMENT_MAX_BYTES"] = 2000
    case = handling(api, dept)
    page_login("urban_handler")
    html = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    before = snapshot()
    resp = post_files(client, case["id"], files or [("", b"")], csrf_of(html))
    assert resp.status_code == status
    page = resp.get_data(as_text=True)
    assert 'id="upload-files"' in page and 'class="form-control is-invalid"' in page
    assert 'data-testid="error-files"' in page and words in page
    assert snapshot() == before and stored_files(attachments_dir) == []


def test_an_upload_without_the_csrf_token_is_refused(
    api, client, page_login, dept, attachments_dir
):
    case = handling(api, dept)
    page_login("urban_handler")
    before = snapshot()
    resp = post_files(client, case["id"], [("a.jpg", JPEG)], None)
    assert resp.status_code == 400
    resp = post_files(client, case["id"], [("a.jpg", JPEG)], "not-the-token")
    assert resp.status_code == 400
    assert snapshot() == before and stored_files(attachments_dir) == []


def test_another_departments_attachment_by_url_is_a_404_page(api, client, page_login, dept):
    case = handling(api, dept)
    page_login("urban_handler")
    html = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    post_files(client, case["id"], [("a.jpg", JPEG)], csrf_of(html))
    attachment = db.session.scalar(select(Attachment))
    client.post("/logout", data={"csrf_token": csrf_of(html)})
    page_login("east_urban_handler")
    before = snapshot()
    missing = client.get(f"/cases/{case['id']}/attachments/{attachment.id + 99}")
    resp = client.get(f"/cases/{case['id']}/attachments/{attachment.id}")
    assert resp.status_code == missing.status_code == 404
    assert "text/html" in resp.content_type and resp.data != JPEG
    for answer in (resp, missing):
        assert 'data-code="attachment_not_found"' in answer.get_data(as_text=True)
    assert snapshot() == before
    html = client.get("/").get_data(as_text=True)
    resp = post_files(client, case["id"], [("a.jpg", JPEG)], csrf_of(html))
    assert resp.status_code == 404


def reply_form(client, case_id):
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    start = html.index('data-action="reply" novalidate')
    task = html[html.rindex('name="task_id" value="', 0, start + 2000) :].split('"')[3]
    return csrf_of(html), task


def test_a_reply_with_its_files(api, client, page_login, dept, attachments_dir):
    case = handling(api, dept)
    page_login("urban_handler")
    token, _ = reply_form(client, case["id"])
    task = api.get(case["id"], "urban_handler")["allowed_actions"][0]["task_id"]
    resp = client.post(
        f"/cases/{case['id']}/actions/reply",
        data={
            "csrf_token": token,
            "task_id": task,
            "text": "路灯已修复，附修复后照片",
            "result_code": "resolved",
            "next": f"/cases/{case['number']}",
            "files": [(io.BytesIO(JPEG), "修复后.jpg")],
        },
        content_type="multipart/form-data",
        headers={"HX-Request": "true"},
    )
    assert resp.status_code == 204 and resp.headers["HX-Redirect"] == f"/cases/{case['number']}"
    db.session.expire_all()
    assert db.session.get(Case, case["id"]).status == "replied"
    reply = db.session.scalar(select(CaseEvent).filter_by(case_id=case["id"], action="reply"))
    (attachment,) = db.session.scalars(select(Attachment)).all()
    assert attachment.event_id == reply.id and attachment.display_name == "修复后.jpg"
    assert len(stored_files(attachments_dir)) == 1
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "随答复上传" in page


def test_a_reply_with_a_bad_file_is_not_sent(app, api, client, page_login, dept, attachments_dir):
    case = handling(api, dept)
    page_login("urban_handler")
    token, _ = reply_form(client, case["id"])
    task = api.get(case["id"], "urban_handler")["allowed_actions"][0]["task_id"]
    before = snapshot()
    resp = client.post(
        f"/cases/{case['id']}/actions/reply",
        data={
            "csrf_token": token,
            "task_id": task,
            "text": "路灯已修复",
            "result_code": "resolved",
            "files": [(io.BytesIO(EXE), "修复后.jpg")],
        },
        content_type="multipart/form-data",
        headers={"HX-Request": "true"},
    )
    assert resp.status_code == 422
    fragment = resp.get_data(as_text=True)
    assert fragment.lstrip().startswith("<form") and 'enctype="multipart/form-data"' in fragment
    assert 'data-testid="error-files"' in fragment and "类型不允许上传" in fragment
    assert "路灯已修复" in fragment  # what was typed is kept
    assert snapshot() == before and stored_files(attachments_dir) == []


def test_a_refused_reply_keeps_no_file(api, client, page_login, dept, attachments_dir):
    case = handling(api, dept)
    page_login("urban_handler")
    token, _ = reply_form(client, case["id"])
    task = api.get(case["id"], "urban_handler")["allowed_actions"][0]["task_id"]
    api.act(case["id"], "reply", "urban_handler", text="已由他人答复", result_code="resolved")
    before = snapshot()
    resp = client.post(
        f"/cases/{case['id']}/actions/reply",
        data={
            "csrf_token": token,
            "task_id": task,
            "text": "路灯已修复",
            "result_code": "resolved",
            "files": [(io.BytesIO(JPEG), "a.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 409
    assert snapshot() == before and stored_files(attachments_dir) == []


def test_a_body_past_the_upload_limit_is_a_413_page(app, api, client, page_login, dept):
    app.config.update(ATTACHMENT_MAX_BYTES=1000, ATTACHMENTS_PER_UPLOAD=1, MAX_CONTENT_LENGTH=1000)
    case = handling(api, dept)
    page_login("urban_handler")
    html = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    before = snapshot()
    resp = post_files(client, case["id"], [("a.jpg", JPEG + b"\0" * 400_000)], csrf_of(html))
    assert resp.status_code == 413 and "text/html" in resp.content_type
    assert "请求内容过大" in resp.get_data(as_text=True)
    assert snapshot() == before
