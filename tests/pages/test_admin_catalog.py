"""Case types and their limits per priority, categories, the settings in effect and the audit
log: limits set here are the ones the next deadline is computed with (the deadline service's
cache is dropped); a refused form marks its field and changes nothing."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.clock import clock
from app.extensions import db
from app.models import AuditLog, CaseType, Category, TimeLimit
from app.models.catalog import PRIORITIES
from tests.conftest import snapshot
from tests.pages.conftest import csrf_of
from tests.reference.tables import restore_reference  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("restore_reference")


@pytest.fixture
def admin(client, page_login):
    page_login("admin")
    return client


def post(client, path: str, data: dict, page: str):
    token = csrf_of(client.get(page).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def complaint() -> CaseType:
    return db.session.scalar(select(CaseType).filter_by(code="complaint"))


def limits_form(**changes) -> dict:
    data = {"name": "投诉", "name_en": "Complaint"}
    for priority, days in zip(PRIORITIES, (10, 5, 2), strict=True):
        data.update(
            {
                f"{priority}-sign_hours": "4",
                f"{priority}-handle_days": str(days),
                f"{priority}-revisit_days": "3",
                f"{priority}-decision_hours": "8",
                f"{priority}-warn_hours": "4",
            }
        )
    return {**data, **changes}


def test_the_limits_table_shows_every_type_and_priority(admin):
    html = admin.get("/admin/case-types").get_data(as_text=True)
    for code in ("enquiry", "help", "complaint", "report", "suggestion", "praise"):
        for priority in PRIORITIES:
            assert f'data-case-type="{code}" data-priority="{priority}"' in html
    assert "签收时限（工作小时）" in html and "特急" in html


def test_new_limits_set_the_next_deadline(admin, api):
    page = f"/admin/case-types/{complaint().id}"
    assert 'value="10"' in admin.get(page).get_data(as_text=True)
    resp = post(admin, page, limits_form(**{"normal-handle_days": "7", "name": "投诉举报"}), page)
    assert resp.status_code == 303, resp.get_data(as_text=True)
    db.session.expire_all()
    row = db.session.scalar(
        select(TimeLimit).filter_by(case_type_id=complaint().id, priority="normal")
    )
    assert row.handle_days == 7 and complaint().name == "投诉举报"
    entry = db.session.scalar(select(AuditLog).filter_by(action="case_type.update"))
    assert entry.data["before"]["limits"]["normal"]["handle_days"] == 10
    assert entry.data["after"]["limits"]["normal"]["handle_days"] == 7
    # The next case's handling deadline counts 7 working days (the cache was dropped).
    clock.freeze(datetime(2026, 3, 2, 10, 0))  # a Monday
    case = api.create(case_type="complaint")
    api.act(case["id"], "transfer", "dispatcher", target_department_id=_urban())
    detail = api.act(case["id"], "sign", "urban_handler")
    assert detail["handle_due_at"].startswith("2026-03-11T10:00")  # Mon + 7 working days


def _urban() -> int:
    from app.models import Department

    return db.session.scalar(select(Department.id).filter_by(code="urban"))


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("urgent-handle_days", "0", "须在1至365之间"),
        ("urgent-handle_days", "2.5", "须为整数"),
        ("critical-sign_hours", "abc", "请填写数字"),
        ("normal-warn_hours", "nan", "须填写数字"),
        ("normal-revisit_days", "", "须填写数字"),
        ("normal-decision_hours", "1e9", "须在0.5至240之间"),
        ("name", "", "必填"),
    ],
)
def test_refused_limits_mark_the_field_and_change_nothing(admin, field, value, words):
    page = f"/admin/case-types/{complaint().id}"
    before = snapshot()
    resp = post(admin, page, limits_form(**{field: value}), page)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422, html
    assert f'data-testid="error-{field}"' in html and words in html
    assert snapshot() == before


def test_adding_and_renaming_categories(admin):
    urban = db.session.scalar(select(Category).filter_by(code="urban"))
    page = "/admin/categories"
    data = {"parent_id": urban.id, "code": "street_lights", "name": "路灯照明", "name_en": "Lights"}
    assert post(admin, page, data, page).status_code == 303
    lights = db.session.scalar(select(Category).filter_by(code="street_lights"))
    assert lights.parent_id == urban.id
    html = admin.get(page).get_data(as_text=True)
    table = html[html.index('data-testid="categories"') :]
    assert table.index("城市管理") < table.index("路灯照明")
    edit = f"/admin/categories/{lights.id}"
    assert (
        post(admin, edit, {"name": "道路照明", "name_en": "Street lights"}, edit).status_code == 303
    )
    db.session.expire_all()
    assert db.session.get(Category, lights.id).name == "道路照明"
    assert [e.action for e in db.session.scalars(select(AuditLog).order_by(AuditLog.id))][-2:] == [
        "category.add",
        "category.rename",
    ]


def test_intake_accepts_a_category_added_here(admin, api):
    page = "/admin/categories"
    post(admin, page, {"code": "noise", "name": "噪声扰民", "name_en": "Noise"}, page)
    case = api.create(category="noise")
    assert case["number"]


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"code": "urban", "name": "又一个"}, "code", "已被使用"),
        ({"code": "9lives", "name": "某类"}, "code", "编码须以小写字母开头"),
        ({"code": "new_one", "name": "城市管理"}, "name", "已有名为"),
        ({"code": "new_one", "name": "某类", "parent_id": "999999"}, "parent_id", "上级分类不存在"),
    ],
)
def test_a_refused_category_adds_nothing(admin, data, field, words):
    page = "/admin/categories"
    before = snapshot()
    resp = post(admin, page, data, page)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and f'data-testid="error-{field}"' in html and words in html
    assert snapshot() == before


def test_the_settings_page_shows_what_is_in_effect_and_where_it_is_set(admin, app):
    app.config["MAX_RETURNS_PER_CASE"] = 5
    html = admin.get("/admin/settings").get_data(as_text=True)
    row = html[html.index('data-setting="MAX_RETURNS_PER_CASE"') :][:300]
    assert "<code>5</code>" in row and "MINQING_MAX_RETURNS" in row
    for env in (
        "MINQING_WORKDAY_START",
        "MINQING_PAGE_IDLE_TIMEOUT_MINUTES",
        "MINQING_PAUSE_CLOCK",
    ):
        assert env in html
    assert "<form" not in html.split("</nav>", 1)[1].replace('method="get"', "")  # read-only


def test_the_audit_log_page_lists_the_writes(admin):
    page = "/admin/categories"
    post(admin, page, {"code": "noise", "name": "噪声扰民"}, page)
    html = admin.get("/admin/audit").get_data(as_text=True)
    assert "category.add" in html and "127.0.0.1" in html and "噪声扰民" in html
