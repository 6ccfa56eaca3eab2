"""Issue 7 §4: each class of input that once produced a 500 now gets a 4xx in our error shape and
changes nothing; several members of each class, in every place the class can occur."""

from __future__ import annotations

import json

import pytest

from app.extensions import db
from tests.conftest import snapshot
from tests.helpers import INTAKE

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def assert_error(resp, status: int, code: str | None = None) -> dict:
    """Our shape: {"code", "message": {"zh", "en"}, "details"?} and nothing else."""
    body = resp.get_json()
    assert resp.status_code == status, (resp.status_code, body)
    assert resp.mimetype == "application/json"
    assert set(body) <= {"code", "message", "details"}, body
    assert isinstance(body["code"], str) and body["code"]
    assert set(body["message"]) == {"zh", "en"}
    assert body["message"]["zh"] and body["message"]["en"]
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture
def unchanged():
    """`with unchanged(): ...` asserts that nothing in the database changed."""
    from contextlib import contextmanager

    @contextmanager
    def check():
        db.session.commit()
        before = snapshot()
        yield
        assert snapshot() == before, "a refused request changed the database"

    return check


@pytest.fixture
def case_at_urban(api, dept) -> int:
    case_id = api.create()["id"]
    api.act(case_id, "transfer", "dispatcher", target_department_id=dept("urban"))
    return case_id


def post_raw(client, url, text: str | bytes, headers):
    return client.post(url, data=text, headers=headers, content_type="application/json")


# -- integers beyond the database's range ----------------------------------------------------------


@pytest.mark.parametrize("case_id", ["2147483648", "99999999999", "9" * 40, "0", "00"])
def test_out_of_range_ids_in_paths(client, auth, unchanged, case_at_urban, case_id):
    with unchanged():
        resp = client.post(f"/api/v1/cases/{case_id}/sign", json={}, headers=auth("urban_handler"))
        assert_error(resp, 404)
        resp = client.get(f"/api/v1/cases/{case_id}", headers=auth("dispatcher"))
        assert_error(resp, 404, "case_not_found")


@pytest.mark.parametrize(
    "query",
    [
        "department_id=2147483648",
        "department_id=-1",
        "department_id=99999999999999999999999",
        "page=2147483648",
        "per_page=99999999999",
        "page=1e3",
        "page=1_0",
        "page=%201",
    ],
)
def test_out_of_range_or_malformed_integers_in_filters(client, auth, query):
    assert_error(client.get(f"/api/v1/cases?{query}", headers=auth("dispatcher")), 422)
    inbox_query = query.replace("department_id", "page")
    assert_error(client.get(f"/api/v1/inbox?{inbox_query}", headers=auth("urban_handler")), 422)


@pytest.mark.parametrize(
    ("action", "user", "data"),
    [
        ("transfer", "dispatcher", {"target_department_id": 2**31}),
        ("transfer", "dispatcher", {"target_department_id": 2**63}),
        ("transfer", "dispatcher", {"target_department_id": 5, "co_department_ids": [10**30]}),
        ("sign", "urban_handler", {"comment": "ok", "n": -(2**31) - 1}),
    ],
)
def test_out_of_range_integers_in_json(api, client, auth, unchanged, action, user, data):
    case_id = api.create()["id"]
    if action == "sign":
        client.post(
            f"/api/v1/cases/{case_id}/transfer",
            json={"data": {"target_department_id": 5}},
            headers=auth("dispatcher"),
        )
    with unchanged():
        resp = client.post(
            f"/api/v1/cases/{case_id}/{action}", json={"data": data}, headers=auth(user)
        )
        body = assert_error(resp, 422, "number_out_of_range")
        assert body["details"]["where"].startswith("/data/")


# -- control characters and lone surrogates --------------------------------------------------------

CONTROL = ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\x9f"]


@pytest.mark.parametrize("char", CONTROL)
def test_control_characters_in_json_strings_and_keys(client, auth, unchanged, char):
    with unchanged():
        for intake in (
            {**INTAKE, "citizen_name": f"张{char}伟"},
            {**INTAKE, "content": f"路灯不亮{char}"},
            {**INTAKE, "external_id": f"ext{char}1"},
            {**INTAKE, f"key{char}": "x"},
        ):
            resp = client.post("/api/v1/cases", json=intake, headers=auth("agent"))
            body = assert_error(resp, 400, "invalid_characters")
            assert "JSON body" in body["details"]["where"]


def test_control_characters_deep_in_form_data(client, auth, unchanged, case_at_urban):
    with unchanged():
        resp = client.post(
            f"/api/v1/cases/{case_at_urban}/sign",
            json={"data": {"comment": "签收\x00"}},
            headers=auth("urban_handler"),
        )
        body = assert_error(resp, 400, "invalid_characters")
        assert body["details"]["where"] == "JSON body at /data/comment"


def test_tabs_and_line_breaks_are_text(api):
    created = api.create(content="第一行\n第二行\r\n\t缩进")
    assert api.get(created["id"])["content"] == "第一行\n第二行\r\n\t缩进"


@pytest.mark.parametrize("char", ["\n", "\t", "\r"])
def test_line_breaks_in_single_line_fields(client, auth, unchanged, char):
    with unchanged():
        for field in ("citizen_name", "citizen_phone", "citizen_address", "external_id"):
            value = {"citizen_phone": "13800001111"}.get(field, "张伟") + char
            resp = client.post(
                "/api/v1/cases", json={**INTAKE, field: value}, headers=auth("agent")
            )
            body = assert_error(resp, 422, "invalid_request")
            assert field in str(body["details"]), body


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/%00",
        "/api/v1/cases/1%00/sign",
        "/api/v1/cases/20260302-%01",
        "/api/v1/cases/%7F",
        "/api/v1/cases/%C2%85",
        "/api/v1/no-such-route%00",
    ],
)
def test_control_characters_and_bad_encoding_in_paths(client, auth, unchanged, path):
    with unchanged():
        body = assert_error(client.get(path, headers=auth("dispatcher")), 400, "invalid_characters")
        assert body["details"]["where"] == "path"
        resp = client.post(path, json={}, headers=auth("dispatcher"))
        assert_error(resp, 400, "invalid_characters")


@pytest.mark.parametrize(
    "raw",
    [
        b"/api/v1/cases/\xed\xa0\x80",  # a UTF-16 surrogate as UTF-8 would encode it: invalid
        b"/api/v1/cases/\xff",
        b"/api/v1/cases/\xe5\xbc/sign",  # a cut-off character
    ],
)
def test_paths_that_are_not_utf8(client, auth, unchanged, raw):
    # The test client re-encodes paths; a server hands them over as bytes (latin-1 in WSGI).
    environ = {"PATH_INFO": raw.decode("latin-1")}
    with unchanged():
        resp = client.get("/", headers=auth("dispatcher"), environ_overrides=environ)
        body = assert_error(resp, 400, "invalid_characters")
        assert body["details"]["where"] == "path"


@pytest.mark.parametrize(
    "query", ["q=ab%00", "q=%1Bab", "status=%7F", "q=ab%C2%80", "q=ab%ED%B0%80", "q%00=ab", "q=%FE"]
)
def test_control_characters_and_bad_encoding_in_query_strings(client, auth, query):
    for url in ("/api/v1/cases", "/api/v1/inbox"):
        resp = client.get(f"{url}?{query}", headers=auth("urban_handler"))
        body = assert_error(resp, 400, "invalid_characters")
        assert body["details"]["where"] == "query string"


@pytest.mark.parametrize("value", ["key\x00", "key\x7f", "key\x1b[0m", "ключ", "key\x85"])
def test_control_and_non_ascii_characters_in_headers_we_read(client, auth, unchanged, value):
    with unchanged():
        headers = {**auth("agent"), "Idempotency-Key": value}
        resp = client.post("/api/v1/cases", json=INTAKE, headers=headers)
        assert_error(resp, 400, "invalid_characters")
        resp = client.get("/api/v1/cases", headers={"Authorization": "Bearer x\x00y"})
        assert_error(resp, 400, "invalid_characters")


@pytest.mark.parametrize(
    "raw",
    [
        '{"citizen_name": "\\ud800"}',
        '{"citizen_name": "a\\udfffb"}',
        '{"content": "\\udc00\\ud800"}',  # a pair in the wrong order is two lone surrogates
        '{"\\ud83d": "x"}',
        '{"data": {"comment": "\\ud83d"}}',
    ],
)
def test_lone_surrogates_in_json(client, auth, unchanged, raw):
    with unchanged():
        body = {**INTAKE, **json.loads(raw)}
        text = json.dumps(body, ensure_ascii=True)  # keeps the surrogate escaped, as sent
        resp = post_raw(client, "/api/v1/cases", text, auth("agent"))
        assert_error(resp, 400, "invalid_characters")


def test_a_surrogate_pair_is_one_character(api):
    text = json.dumps({**INTAKE, "content": "表扬 \ud83d\ude00"})  # 😀 as a JSON pair
    resp = post_raw(api.client, "/api/v1/cases", text, api.auth("agent"))
    assert resp.status_code == 201, resp.get_json()
    assert api.get(resp.get_json()["id"])["content"] == "表扬 😀"


# -- non-ASCII digits where an id is parsed --------------------------------------------------------


@pytest.mark.parametrize("digits", [ARABIC_INDIC, FULLWIDTH])
def test_non_ascii_digits_do_not_name_a_case(api, client, auth, unchanged, digits):
    case_id = api.create()["id"]
    spelled = str(case_id).translate(digits)
    with unchanged():
        resp = client.get(f"/api/v1/cases/{spelled}", headers=auth("dispatcher"))
        assert_error(resp, 404, "case_not_found")
        resp = client.post(
            f"/api/v1/cases/{spelled}/transfer",
            json={"data": {"target_department_id": 5}},
            headers=auth("dispatcher"),
        )
        assert_error(resp, 404)
        for query in (f"department_id={spelled}", f"page={spelled}", f"per_page={spelled}"):
            assert_error(client.get(f"/api/v1/cases?{query}", headers=auth("dispatcher")), 422)


@pytest.mark.parametrize("ref", ["²", "¹²", "①", "𝟙", "1²"])
def test_digit_like_characters_in_a_case_reference(client, auth, ref):
    assert_error(
        client.get(f"/api/v1/cases/{ref}", headers=auth("dispatcher")), 404, "case_not_found"
    )


# -- deeply nested, non-standard or non-object JSON ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[" * 100_000, "too_deep"),
        ('{"a":' * 50_000 + "1" + "}" * 50_000, "too_deep"),
        ('{"data": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}", "too_deep"),
        ('{"data": {"days": NaN}}', "non_finite_number"),
        ('{"data": {"days": Infinity}}', "non_finite_number"),
        ('{"data": {"days": 1e999}}', "non_finite_number"),
        ('{"data": ', "malformed"),
        ("\ufeff{}", "malformed"),
    ],
)
def test_json_that_is_too_deep_or_not_standard(
    client, auth, unchanged, case_at_urban, text, reason
):
    with unchanged():
        for url, user in (
            (f"/api/v1/cases/{case_at_urban}/sign", "urban_handler"),
            ("/api/v1/cases", "agent"),
        ):
            body = assert_error(post_raw(client, url, text, auth(user)), 400, "invalid_json")
            assert body["details"]["reason"] == reason


def test_json_that_is_not_utf8(client, auth, unchanged):
    with unchanged():
        text = json.dumps({**INTAKE}, ensure_ascii=False).encode("utf-16")
        body = assert_error(
            post_raw(client, "/api/v1/cases", text, auth("agent")), 400, "invalid_json"
        )
        assert body["details"]["reason"] == "not_utf8"
        text = json.dumps({**INTAKE}, ensure_ascii=False).encode("gbk")
        assert_error(post_raw(client, "/api/v1/cases", text, auth("agent")), 400, "invalid_json")


def test_nesting_within_the_limit_is_read(client, auth, case_at_urban):
    data = {"comment": "ok", "x": json.loads("[" * 28 + "]" * 28)}  # depth 31 with the envelope
    resp = client.post(
        f"/api/v1/cases/{case_at_urban}/sign", json={"data": data}, headers=auth("urban_handler")
    )
    assert_error(resp, 422, "invalid_form_data")  # the form has no "x": read, then refused


@pytest.mark.parametrize("text", ["[]", '["channel", "phone"]', '"text"', "12", "null", "true"])
def test_json_that_is_not_an_object(client, auth, unchanged, case_at_urban, text):
    with unchanged():
        for url, user in (
            (f"/api/v1/cases/{case_at_urban}/sign", "urban_handler"),
            ("/api/v1/cases", "agent"),
        ):
            assert_error(post_raw(client, url, text, auth(user)), 422, "invalid_request")


def test_body_over_the_limit(client, auth, unchanged, app):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    with unchanged():
        big = {**INTAKE, "content": "长" * 2000}
        assert_error(
            client.post("/api/v1/cases", json=big, headers=auth("agent")), 413, "payload_too_large"
        )
        resp = client.post(
            "/api/v1/cases", data="x" * 5000, headers=auth("agent"), content_type="text/plain"
        )
        assert_error(resp, 413, "payload_too_large")


# -- header values longer than their column --------------------------------------------------------


def test_idempotency_key_longer_than_its_column(api, client, auth, unchanged):
    with unchanged():
        for key in ("k" * 81, "k" * 101, "k" * 5000):
            resp = client.post(
                "/api/v1/cases", json=INTAKE, headers={**auth("agent"), "Idempotency-Key": key}
            )
            assert_error(resp, 422, "invalid_idempotency_key")
    first = api.create(headers={"Idempotency-Key": "k" * 80})
    again = api.create(headers={"Idempotency-Key": "k" * 80})
    assert again["id"] == first["id"] and again["created"] is False


def test_authorization_header_too_long(client):
    resp = client.get("/api/v1/cases", headers={"Authorization": "Bearer " + "a" * 5000})
    assert_error(resp, 400, "header_too_long")


# -- empty external_id, strict booleans ------------------------------------------------------------


def test_empty_external_id_is_refused(client, auth, unchanged):
    with unchanged():
        for _ in range(2):  # twice: two empty ids once collided in the unique index (a 500)
            resp = client.post(
                "/api/v1/cases", json={**INTAKE, "external_id": ""}, headers=auth("agent")
            )
            body = assert_error(resp, 422, "invalid_request")
            assert "external_id" in str(body["details"])


@pytest.mark.parametrize("value", [0, 1, "true", "false", "1", "", "yes", "on", None, [], {}])
def test_answered_must_be_a_json_boolean(client, auth, unchanged, value):
    with unchanged():
        intake = {**INTAKE, "answered": value, "answer": "已当场答复"}
        body = assert_error(
            client.post("/api/v1/cases", json=intake, headers=auth("agent")), 422, "invalid_request"
        )
        assert "answered" in str(body["details"])


@pytest.mark.parametrize("value", ["True", "yes", "on", "t", "2", "", "TRUE"])
def test_query_flags_take_true_false_1_0_only(client, auth, value):
    assert_error(client.get(f"/api/v1/cases?overdue={value}", headers=auth("dispatcher")), 422)
    assert_error(client.get(f"/api/v1/inbox?overdue={value}", headers=auth("urban_handler")), 422)


@pytest.mark.parametrize("value", ["true", "false", "1", "0"])
def test_query_flags_accepted(client, auth, value):
    assert (
        client.get(f"/api/v1/cases?overdue={value}", headers=auth("dispatcher")).status_code == 200
    )


@pytest.mark.parametrize(
    "value", ["20260302", "2026-W10-1", "2026-3-2", "２０２６-03-02", "2026-02-30"]
)
def test_dates_are_rfc3339_full_dates(client, auth, value):
    resp = client.get(f"/api/v1/cases?created_from={value}", headers=auth("dispatcher"))
    assert_error(resp, 422, "invalid_request")
