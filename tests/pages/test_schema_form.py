"""Forms drawn from a task form's JSON Schema: the fields, the reading of a submitted form and
the refusals per field, in Chinese first."""

from __future__ import annotations

from flask_babel import force_locale
from werkzeug.datastructures import MultiDict

from app.forms.registry import load_forms
from app.pages.schema_form import check, fields_of, label_of, read_form


def reply_schema(app) -> dict:
    forms = load_forms(app.config["FORMS_DIR"])
    return next(a for a in forms.for_task("handle") if a.name == "reply").schema


def test_labels_are_in_the_pages_language(app):
    with app.test_request_context():
        with force_locale("zh_CN"):
            assert label_of("答复内容 Reply", "text") == "答复内容"
        with force_locale("en"):
            assert label_of("答复内容 Reply", "text") == "Reply"
            assert label_of({"zh": "其他", "en": "Other"}, "x") == "Other"


def test_fields_follow_the_schema(app):
    with app.test_request_context(), force_locale("zh_CN"):
        fields = {f.name: f for f in fields_of(reply_schema(app))}
    assert fields["text"].kind == "text" and fields["text"].required
    assert fields["result_code"].kind == "select"
    assert [value for value, _label in fields["result_code"].choices][0] == "resolved"
    assert not fields["comment"].required


def test_a_missing_and_a_too_long_field_are_refused_by_name(app):
    schema = reply_schema(app)
    with app.test_request_context(), force_locale("zh_CN"):
        data, unreadable = read_form(schema, MultiDict({"text": "x" * 6000, "comment": ""}))
        errors = check(schema, data)
    assert not unreadable and "comment" not in data  # an empty optional field is left out
    assert errors["result_code"] == ["必填。"]
    assert errors["text"] == ["最多 5000 个字符。"]


def test_an_integer_field_that_is_not_a_number_is_marked(app):
    forms = load_forms(app.config["FORMS_DIR"])
    schema = next(a for a in forms.for_task("dispatch") if a.name == "transfer").schema
    with app.test_request_context(), force_locale("en"):
        fields = {f.name: f for f in fields_of(schema)}
        data, unreadable = read_form(schema, MultiDict({"target_department_id": "abc"}))
    assert fields["target_department_id"].kind == "department"
    assert fields["co_department_ids"].kind == "departments"
    assert unreadable == {"target_department_id": ["Choose from the list."]}
    for out_of_range in ("99999999999", "2147483648", "-1", "٣"):
        with app.test_request_context(), force_locale("en"):
            _data, unreadable = read_form(schema, MultiDict({"target_department_id": out_of_range}))
        assert unreadable == {"target_department_id": ["Choose from the list."]}, out_of_range
