"""Process versions for designers: the deployed versions (date, author, content hash, open
cases on each, the diagram drawn by bpmn-js) and a form that validates uploaded .bpmn files
as `flask processes validate` does, deploying nothing. Hostile uploads are refused with their
reasons, never a server error."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from app.models import ProcessVersion
from app.processes import service as processes
from tests.conftest import snapshot
from tests.pages.conftest import csrf_of, screenshot

ROOT = Path(__file__).resolve().parents[2]
MAIN = (ROOT / "processes" / "hotline_case.bpmn").read_text()


@pytest.fixture
def designer(client, page_login):
    page_login("designer")
    return client


def validate(client, *files: tuple[str, bytes | str]):
    html = client.get("/processes").get_data(as_text=True)
    payload = [
        (io.BytesIO(data.encode() if isinstance(data, str) else data), name) for name, data in files
    ]
    return client.post(
        "/processes/validate",
        data={"csrf_token": csrf_of(html), "files": payload},
        content_type="multipart/form-data",
    )


def reasons(html: str) -> list[str]:
    import re

    return re.findall(r'<li data-testid="reason">(.*?)</li>', html, re.S)


def test_designers_and_administrators_only(client, page_login):
    assert client.get("/processes").status_code == 302
    page_login("agent")
    assert client.get("/processes").status_code == 403
    assert client.get("/processes/1/files/hotline_case.bpmn").status_code == 403


@pytest.mark.parametrize("username", ["designer", "admin"])
def test_the_deployed_versions_with_their_open_cases(client, page_login, api, username):
    for _ in range(2):
        api.create()
    api.create(answered=True, answer="已当场答复")  # closed at once
    page_login(username)
    html = client.get("/processes").get_data(as_text=True)
    version = processes.latest_version()
    assert f'data-version="{version.version}"' in html
    assert version.content_hash[:12] in html and ">tests<" in html
    assert 'data-testid="open-cases">2<' in html
    assert f'data-bpmn-url="/processes/{version.id}/files/hotline_case.bpmn"' in html


def test_a_versions_file_is_served_as_inert_text(designer):
    version = processes.latest_version()
    resp = designer.get(f"/processes/{version.id}/files/hotline_case.bpmn")
    assert resp.status_code == 200 and resp.mimetype == "text/plain"
    assert resp.get_data(as_text=True) == version.files["hotline_case.bpmn"]
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert designer.get(f"/processes/{version.id}/files/other.bpmn").status_code == 404
    assert designer.get("/processes/999999/files/hotline_case.bpmn").status_code == 404


def test_the_deployed_diagram_validates_as_identical(designer):
    before = snapshot()
    resp = validate(designer, ("hotline_case.bpmn", MAIN))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'data-testid="verdict-ok"' in html
    assert "与已部署的 v1 完全相同" in html
    assert snapshot() == before


def test_a_changed_valid_diagram_is_not_deployed(designer):
    changed = MAIN.replace('name="签收 sign for"', 'name="签收工单 sign for"', 1)
    assert changed != MAIN
    before = snapshot()
    resp = validate(designer, ("hotline_case.bpmn", changed))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "尚未部署" in html
    assert snapshot() == before
    assert ProcessVersion.query.count() == 1


def test_a_designers_mistake_is_refused_with_file_line_element_and_reason(designer):
    broken = MAIN.replace(
        '<bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="gw_answered"/>',
        '<bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="gw_answerd"/>',
    )
    before = snapshot()
    resp = validate(designer, ("hotline_case.bpmn", broken))
    assert resp.status_code == 422
    found = reasons(resp.get_data(as_text=True))
    assert found == [
        "hotline_case.bpmn:24 [f_start]: sequence flow &#39;f_start&#39; points at "
        "&#39;gw_answerd&#39;, which is not an element of process &#39;hotline_case&#39; "
        "(targetRef)"
    ]
    assert snapshot() == before


def test_a_script_that_reaches_for_the_system_is_refused_not_run(designer, tmp_path):
    marker = tmp_path / "pwned"
    hostile = MAIN.replace(
        "<bpmn:script>dispatching_dept = city_dept",
        f"<bpmn:script>__import__('os').system('touch {marker}')\ndispatching_dept = city_dept",
        1,
    )
    resp = validate(designer, ("hotline_case.bpmn", hostile))
    assert resp.status_code == 422
    (reason,) = reasons(resp.get_data(as_text=True))
    assert reason.startswith("hotline_case.bpmn:43 [") and "__import__" in reason
    assert not marker.exists()


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol3;</definitions>"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><documentation>&x;</documentation></definitions>"""


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("a.bpmn", BILLION_LAUGHS, "a.bpmn: a DOCTYPE (DTD, entities) is not allowed"),
        ("a.bpmn", XXE, "a.bpmn: a DOCTYPE (DTD, entities) is not allowed"),
        ("a.bpmn", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a.bpmn: not UTF-8 text"),
        ("a.bpmn", "this is not XML at all", "a.bpmn:1: not well-formed XML"),
        ("a.bpmn", "<a>\x00</a>", "a.bpmn: not a text file"),
        ("a.bpmn", "<definitions/>", "a.bpmn:1: Element &#39;definitions&#39;: No matching global"),
        ("../../etc/evil.bpmn", MAIN, "a diagram&#39;s file name ends in .bpmn"),
        ("diagram.exe", MAIN, "a diagram&#39;s file name ends in .bpmn"),
        (
            "a.bpmn",
            MAIN.replace('id="f_start"', 'id="&lt;script&gt;alert(1)&lt;/script&gt;"', 1),
            "&lt;script&gt;alert(1)&lt;/script&gt;",
        ),
    ],
)
def test_hostile_uploads_are_refused_with_reasons(designer, name, content, words):
    before = snapshot()
    resp = validate(designer, (name, content))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422, html
    assert any(words in r for r in reasons(html)), reasons(html)
    assert "<script>alert(1)" not in html
    assert snapshot() == before


def test_a_huge_upload_is_refused_before_it_is_read(designer):
    before = snapshot()
    resp = validate(designer, ("big.bpmn", b"<a>" + b" " * (2 * 1024 * 1024) + b"</a>"))
    assert resp.status_code == 413
    (reason,) = reasons(resp.get_data(as_text=True))
    assert "larger than the request limit of 1,048,576 bytes" in reason
    assert snapshot() == before


def test_a_file_over_the_process_file_limit(designer, app):
    app.config["MAX_CONTENT_LENGTH"] = 8 * 1024 * 1024
    app.config["PROCESS_FILE_MAX_BYTES"] = 40_000
    resp = validate(designer, ("big.bpmn", MAIN + " " * 20_000))
    assert resp.status_code == 422
    assert reasons(resp.get_data(as_text=True)) == [
        "big.bpmn: the file is larger than the limit of 40,000 bytes"
    ]


def test_no_file_too_many_files_and_twice_the_same(designer):
    resp = validate(designer)
    assert resp.status_code == 422 and "no file chosen" in reasons(resp.get_data(as_text=True))[0]
    many = [(f"f{i}.bpmn", "<a/>") for i in range(11)]
    resp = validate(designer, *many)
    assert "at most 10 at once" in reasons(resp.get_data(as_text=True))[0]
    resp = validate(designer, ("a.bpmn", MAIN), ("a.bpmn", MAIN))
    assert "a.bpmn: uploaded twice" in reasons(resp.get_data(as_text=True))


def test_the_upload_needs_its_csrf_token(designer):
    resp = designer.post(
        "/processes/validate",
        data={"files": [(io.BytesIO(MAIN.encode()), "hotline_case.bpmn")]},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400


def test_the_diagram_is_drawn_in_the_browser(page, sign_in):
    sign_in("designer")
    page.goto("/processes")
    page.wait_for_selector('[data-testid="diagram"][data-bpmn-drawn="1"]')
    assert page.locator('[data-testid="diagram"] .djs-element').count() > 20
    page.set_input_files("#files", str(ROOT / "processes" / "hotline_case.bpmn"))
    page.click('[data-testid="validate-form"] button[type=submit]')
    page.wait_for_selector('[data-testid="verdict-ok"]')
    page.wait_for_selector('[data-testid="diagram"][data-bpmn-drawn="1"]')
    screenshot(page, "processes")
