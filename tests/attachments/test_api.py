"""Attachments over the API: upload (multipart) and download, the type read from the bytes,
names cleaned, limits, who may attach, scope (another department's file is missing), audit."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from app.clock import clock
from app.extensions import db
from app.models import Attachment, CaseEvent
from tests.attachments.conftest import EXE, JPEG, PDF, PNG, WAV, docx, stored_files
from tests.conftest import snapshot


def handling(api, dept, code: str = "urban") -> dict:
    case = api.create()
    api.act(case["id"], "transfer", "dispatcher", target_department_id=dept(code))
    api.act(case["id"], "sign", f"{code}_handler")
    return case


def upload(client, auth, case_id, files, as_user="urban_handler", **form):
    data = {"files": [(io.BytesIO(body), name, declared) for name, body, declared in files]}
    data.update(form)
    return client.post(
        f"/api/v1/cases/{case_id}/attachments",
        data=data,
        headers=auth(as_user),
        content_type="multipart/form-data",
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )


def test_a_handler_attaches_photos_the_type_read_from_the_bytes(
    api, client, auth, dept, attachments_dir
):
    case = handling(api, dept)
    resp = upload(
        client,
        auth,
        case["id"],
        [("路灯照片.jpg", JPEG, "text/plain"), ("现场.png", PNG, "application/octet-stream")],
    )
    assert resp.status_code == 201, resp.get_json()
    items = resp.get_json()
    assert [(a["name"], a["content_type"], a["image"]) for a in items] == [
        ("路灯照片.jpg", "image/jpeg", True),
        ("现场.png", "image/png", True),
    ]
    assert items[0]["size"] == len(JPEG) and items[0]["department"] == "市城管局"
    # On disk under random names inside the configured folder, nothing else there.
    files = stored_files(attachments_dir)
    assert len(files) == 2 and all("照片" not in p.name and len(p.name) == 32 for p in files)
    listed = client.get(f"/api/v1/cases/{case['id']}/attachments", headers=auth("oversight"))
    assert [a["id"] for a in listed.get_json()] == [a["id"] for a in items]
    # Audited: who, their department, when, from where.
    event = db.session.scalar(select(CaseEvent).filter_by(action="attachment_added"))
    assert event.client_ip == "10.1.2.3" and event.from_department_id == dept("urban")
    assert [a["name"] for a in event.data["attachments"]] == ["路灯照片.jpg", "现场.png"]


def test_office_documents_pdf_and_recordings_are_accepted(api, client, auth, dept):
    case = handling(api, dept)
    resp = upload(
        client,
        auth,
        case["id"],
        [("情况说明.docx", docx(), ""), ("回执.pdf", PDF, ""), ("留言.wav", WAV, "")],
    )
    assert resp.status_code == 201, resp.get_json()
    assert [a["content_type"] for a in resp.get_json()] == [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/pdf",
        "audio/x-wav",
    ]


def test_a_download_has_its_type_its_name_and_is_audited(api, client, auth, dept):
    case = handling(api, dept)
    (item,) = upload(client, auth, case["id"], [("路灯 照片.jpg", JPEG, "image/jpeg")]).get_json()
    url = f"/api/v1/cases/{case['id']}/attachments/{item['id']}"
    resp = client.get(url, headers=auth("oversight"), environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert resp.status_code == 200 and resp.data == JPEG
    assert resp.mimetype == "image/jpeg"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E8%B7%AF%E7%81%AF%20%E7%85%A7%E7%89%87.jpg" in disposition
    event = db.session.scalar(select(CaseEvent).filter_by(action="attachment_downloaded"))
    assert event.client_ip == "10.9.9.9" and event.data["attachment_id"] == item["id"]
    inline = client.get(url + "?inline=true", headers=auth("oversight"))
    assert inline.headers["Content-Disposition"].startswith("inline;")


def test_a_pdf_is_never_inline_and_a_misnamed_file_gets_its_own_extension(api, client, auth, dept):
    case = handling(api, dept)
    (item,) = upload(client, auth, case["id"], [("扫描件.jpg", PDF, "image/jpeg")]).get_json()
    assert (item["name"], item["content_type"], item["image"]) == (
        "扫描件.pdf",
        "application/pdf",
        False,
    )
    url = f"/api/v1/cases/{case['id']}/attachments/{item['id']}?inline=true"
    resp = client.get(url, headers=auth("urban_handler"))
    assert resp.headers["Content-Disposition"].startswith("attachment;")


def test_an_exe_renamed_jpg_is_refused_and_nothing_is_kept(
    api, client, auth, dept, attachments_dir
):
    case = handling(api, dept)
    before = snapshot()
    resp = upload(client, auth, case["id"], [("photo.jpg", EXE, "image/jpeg")])
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["code"] == "attachment_type_not_allowed" and "photo.jpg" in body["message"]["zh"]
    assert body["details"]["detected"] == "application/x-msdownload"
    assert snapshot() == before and stored_files(attachments_dir) == []
    # Text (no signature) is no allowed type either, whatever it is called.
    resp = upload(client, auth, case["id"], [("notes.pdf", b"just some text\n" * 10, "")])
    assert resp.status_code == 422 and resp.get_json()["details"]["detected"] == "unknown"


def test_one_bad_file_refuses_the_whole_upload(api, client, auth, dept, attachments_dir):
    case = handling(api, dept)
    before = snapshot()
    resp = upload(client, auth, case["id"], [("a.jpg", JPEG, ""), ("b.jpg", EXE, "")])
    assert resp.status_code == 422
    assert snapshot() == before and stored_files(attachments_dir) == []


def test_a_file_over_the_limit_is_413_with_a_clear_message(
    app, api, client, auth, dept, attachments_dir
):
    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    case = handling(api, dept)
    before = snapshot()
    resp = upload(client, auth, case["id"], [("大照片.jpg", JPEG + b"\0" * 1000, "")])
    assert resp.status_code == 413
    body = resp.get_json()
    assert body["code"] == "attachment_too_large" and body["details"]["max_bytes"] == 1000
    assert "大照片.jpg" in body["message"]["zh"] and "上限" in body["message"]["zh"]
    assert snapshot() == before and stored_files(attachments_dir) == []


def test_a_body_past_the_upload_limit_is_refused_before_it_is_read(app, api, client, auth, dept):
    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    app.config["ATTACHMENTS_PER_UPLOAD"] = 1
    app.config["MAX_CONTENT_LENGTH"] = 1000
    case = handling(api, dept)
    resp = upload(client, auth, case["id"], [("x.jpg", JPEG + b"\0" * 400_000, "")])
    assert resp.status_code == 413 and resp.get_json()["code"] == "payload_too_large"


def test_uploads_take_bodies_larger_than_other_requests(app, api, client, auth, dept):
    app.config["MAX_CONTENT_LENGTH"] = 1000  # a JSON body's limit
    case = handling(api, dept)
    resp = upload(client, auth, case["id"], [("x.jpg", JPEG + b"\0" * 5000, "")])
    assert resp.status_code == 201, resp.get_json()


def test_path_traversal_and_control_characters_leave_a_plain_name(
    api, client, auth, dept, attachments_dir
):
    case = handling(api, dept)
    names = [
        ("../../../etc/passwd.jpg", JPEG, ""),
        ("/var/tmp/系统.jpg", JPEG, ""),
        ("photo\u202egpj.exe.jpg", JPEG, ""),
        ("\x00\x1b[31m红.jpg", JPEG, ""),
        ("....jpg", JPEG, ""),
    ]
    resp = upload(client, auth, case["id"], names)
    assert resp.status_code == 201, resp.get_json()
    assert [a["name"] for a in resp.get_json()] == [
        "passwd.jpg",
        "系统.jpg",
        "photogpj.exe.jpg",
        "[31m红.jpg",
        "attachment.jpg",
    ]
    root = attachments_dir.resolve()
    assert all(root in p.resolve().parents for p in stored_files(attachments_dir))
    assert not (attachments_dir.parent / "etc").exists()


def test_limits_per_upload_and_per_case(app, api, client, auth, dept):
    app.config["ATTACHMENTS_PER_UPLOAD"] = 2
    app.config["ATTACHMENTS_MAX_PER_CASE"] = 3
    case = handling(api, dept)
    three = [(f"{n}.jpg", JPEG, "") for n in range(3)]
    resp = upload(client, auth, case["id"], three)
    assert resp.status_code == 422 and resp.get_json()["code"] == "too_many_files"
    assert upload(client, auth, case["id"], three[:2]).status_code == 201
    resp = upload(client, auth, case["id"], three[:2])
    assert resp.status_code == 422 and resp.get_json()["code"] == "too_many_attachments"
    assert upload(client, auth, case["id"], three[:1]).status_code == 201


def test_no_file_is_a_clear_refusal(api, client, auth, dept):
    case = handling(api, dept)
    resp = client.post(
        f"/api/v1/cases/{case['id']}/attachments",
        data={"files": [(io.BytesIO(b""), "", "")]},
        headers=auth("urban_handler"),
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422, resp.get_json()


def test_readers_may_not_attach_only_those_working_the_case(api, client, auth, dept):
    case = handling(api, dept, "housing")  # the leader oversees the city housing bureau
    before = snapshot()
    for username in ("oversight", "leader", "dispatcher"):
        resp = upload(client, auth, case["id"], [("a.jpg", JPEG, "")], as_user=username)
        assert resp.status_code == 403, username
        assert resp.get_json()["code"] == "attachments_not_allowed"
    assert snapshot() == before
    api.act(case["id"], "reply", "housing_handler", text="路灯已修复", result_code="resolved")
    # Replied: the department's work is done; the revisit clerk works the case now.
    resp = upload(client, auth, case["id"], [("a.jpg", JPEG, "")], as_user="housing_handler")
    assert resp.status_code == 403
    resp = upload(client, auth, case["id"], [("录音.wav", WAV, "")], as_user="revisit")
    assert resp.status_code == 201
    api.act(case["id"], "revisit", "revisit", result="satisfied")
    resp = upload(client, auth, case["id"], [("a.jpg", JPEG, "")], as_user="revisit")
    assert resp.status_code == 403  # closed


def test_another_departments_attachment_is_missing_like_a_missing_one(api, client, auth, dept):
    case = handling(api, dept)
    other = handling(api, dept, "east_urban")
    (item,) = upload(client, auth, case["id"], [("a.jpg", JPEG, "")]).get_json()
    missing = client.get(
        f"/api/v1/cases/{case['id']}/attachments/{item['id'] + 1000}",
        headers=auth("urban_handler"),
    )
    assert missing.status_code == 404 and missing.get_json()["code"] == "attachment_not_found"
    before = snapshot()
    for url, user in (
        (f"/api/v1/cases/{case['id']}/attachments/{item['id']}", "east_urban_handler"),
        (f"/api/v1/cases/{other['id']}/attachments/{item['id']}", "east_urban_handler"),
        (f"/api/v1/cases/{other['id']}/attachments/{item['id']}", "urban_handler"),
    ):
        resp = client.get(url, headers=auth(user))
        assert (resp.status_code, resp.get_json()) == (404, missing.get_json()), (url, user)
    assert snapshot() == before  # nothing handed out, nothing logged
    listed = client.get(
        f"/api/v1/cases/{case['id']}/attachments", headers=auth("east_urban_handler")
    )
    assert listed.status_code == 404 and listed.get_json()["code"] == "case_not_found"
    resp = upload(client, auth, case["id"], [("a.jpg", JPEG, "")], as_user="east_urban_handler")
    assert resp.status_code == 404 and resp.get_json()["code"] == "case_not_found"


def test_a_file_gone_from_disk_is_a_missing_attachment(api, client, auth, dept, attachments_dir):
    case = handling(api, dept)
    (item,) = upload(client, auth, case["id"], [("a.jpg", JPEG, "")]).get_json()
    for path in stored_files(attachments_dir):
        path.unlink()
    resp = client.get(
        f"/api/v1/cases/{case['id']}/attachments/{item['id']}", headers=auth("urban_handler")
    )
    assert resp.status_code == 404 and resp.get_json()["code"] == "attachment_not_found"


def test_a_reply_takes_files_from_its_author_shortly_after(app, api, client, auth, dept):
    case = handling(api, dept)
    api.act(case["id"], "reply", "urban_handler", text="路灯已修复", result_code="resolved")
    reply = db.session.scalar(select(CaseEvent).filter_by(case_id=case["id"], action="reply"))
    resp = upload(client, auth, case["id"], [("修复后.jpg", JPEG, "")], reply_event_id=reply.id)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()[0]["event_id"] == reply.id
    resp = upload(
        client, auth, case["id"], [("a.jpg", JPEG, "")], as_user="revisit", reply_event_id=reply.id
    )
    assert resp.status_code == 403 and resp.get_json()["code"] == "reply_not_attachable"
    accept = db.session.scalar(select(CaseEvent).filter_by(case_id=case["id"], action="accept"))
    resp = upload(client, auth, case["id"], [("a.jpg", JPEG, "")], reply_event_id=accept.id)
    assert resp.status_code == 404 and resp.get_json()["code"] == "reply_not_found"
    clock.freeze(clock.now() + timedelta(minutes=app.config["ATTACHMENT_REPLY_WINDOW_MINUTES"] + 1))
    resp = upload(client, auth, case["id"], [("a.jpg", JPEG, "")], reply_event_id=reply.id)
    assert resp.status_code == 403
    assert db.session.scalar(select(Attachment.event_id).filter_by(case_id=case["id"])) == reply.id


def test_the_operations_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    post = spec["paths"]["/api/v1/cases/{case_id}/attachments"]["post"]
    body = post["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert "files" in str(body) and "reply_event_id" in str(body)
    assert "201" in post["responses"]
    get = spec["paths"]["/api/v1/cases/{case_id}/attachments/{attachment_id}"]["get"]
    assert "200" in get["responses"]
    assert "get" in spec["paths"]["/api/v1/cases/{case_id}/attachments"]
