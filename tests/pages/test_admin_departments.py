"""Administration of the department tree: only administrators; add, rename, move (the
subtree's paths follow), deactivate (refused with open cases) and reactivate; every refusal
marks its field and changes nothing; every write is in the audit log with the client address."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, Department
from tests.conftest import snapshot
from tests.pages.conftest import csrf_of
from tests.reference.tables import restore_reference  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("restore_reference")


@pytest.fixture
def admin(client, page_login):
    page_login("admin")
    return client


def post(client, path: str, data: dict, page: str = "/admin/departments"):
    token = csrf_of(client.get(page).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def by_code(code: str) -> Department:
    db.session.expire_all()
    return db.session.scalar(select(Department).filter_by(code=code))


def test_only_administrators_reach_the_administration(client, page_login):
    assert client.get("/admin/departments").status_code == 302  # to the login
    page_login("dispatcher")
    resp = client.get("/admin/departments")
    assert resp.status_code == 403 and 'data-testid="error-page"' in resp.get_data(as_text=True)
    assert client.post("/admin/departments", data={}).status_code in (400, 403)


def test_the_tree_shows_every_department_with_its_kind(admin):
    html = admin.get("/admin/departments").get_data(as_text=True)
    assert "东城区12345分中心" in html and "东城区城管局" in html and "市12345热线中心" in html
    assert html.index("东城区12345分中心") < html.index("东城区城管局")
    assert "区级分中心" in html and "职能部门" in html and "dcqcgj" in html


def test_adding_a_department_under_a_district(admin, dept):
    resp = post(
        admin,
        "/admin/departments",
        {
            "kind": "department",
            "parent_id": dept("east"),
            "code": "east_water",
            "name": "东城区水务局",
            "name_en": "East Water",
        },
    )
    assert resp.status_code == 303
    water = by_code("east_water")
    east = by_code("east")
    assert water.parent_id == east.id and water.kind == "department" and water.active
    assert water.path == f"{east.path}{water.id}/"
    entry = db.session.scalar(select(AuditLog).filter_by(action="department.add"))
    assert entry.target_key == str(water.id) and entry.client_ip == "127.0.0.1"
    assert entry.user_id is not None and entry.data["code"] == "east_water"
    # It is offered at once: in the picker's tree and the API's.
    html = admin.get(resp.headers["Location"]).get_data(as_text=True)
    assert "东城区水务局" in html and 'data-testid="open-work">0<' in html


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (
            {"kind": "department", "code": "Bad Code", "name": "某局"},
            "code",
            "编码须以小写字母开头",
        ),
        ({"kind": "department", "code": "urban", "name": "某局"}, "code", "已被使用"),
        ({"kind": "department", "code": "x_new", "name": ""}, "name", "必填"),
        ({"kind": "department", "code": "x_new", "name": "东城区城管局"}, "name", "已有名为"),
        ({"kind": "district", "code": "x_new", "name": "新区"}, "parent_id", "区级分中心只能"),
        (
            {"kind": "department", "code": "x_new", "name": "某局", "parent": "urban"},
            "parent_id",
            "职能部门只能设在",
        ),
        (
            {"kind": "department", "code": "x_new", "name": "某局", "parent": None},
            "parent_id",
            "请选择上级单位",
        ),
        ({"kind": "city", "code": "x_new", "name": "又一个市"}, "kind", "类型须为"),
        ({"kind": "department", "code": "x_new", "name": "某\x00局"}, "name", "控制字符"),
        (
            {"kind": "department", "code": "x_new", "name": "某局", "parent_id": "abc"},
            "parent_id",
            "",
        ),
    ],
)
def test_a_refused_department_marks_the_field_and_adds_nothing(admin, dept, data, field, words):
    data = dict(data)
    parent = data.pop("parent", "east")
    if "parent_id" not in data and parent:
        data["parent_id"] = dept(parent)
    if data["kind"] == "district" and "parent" not in data:
        data["parent_id"] = dept("east")  # a district under a district
    before = snapshot()
    resp = post(admin, "/admin/departments", data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422, html
    assert f'data-testid="error-{field}"' in html and "is-invalid" in html
    assert words in html
    assert snapshot() == before


def test_renaming(admin, dept):
    market = dept("west_market")
    page = f"/admin/departments/{market}"
    resp = post(
        admin, f"{page}/rename", {"name": "西城区市场监督管理局", "name_en": "West SAMR"}, page
    )
    assert resp.status_code == 303
    assert by_code("west_market").name == "西城区市场监督管理局"
    entry = db.session.scalar(select(AuditLog).filter_by(action="department.rename"))
    assert entry.data["before"]["name"] == "西城区市场监管局"
    before = snapshot()
    resp = post(admin, f"{page}/rename", {"name": " ", "name_en": ""}, page)
    assert resp.status_code == 422 and 'data-testid="error-name"' in resp.get_data(as_text=True)
    assert snapshot() == before


def test_moving_a_department_to_another_district_moves_its_path(admin, dept):
    street = by_code("east_street")
    old_path, west = street.path, by_code("west")
    page = f"/admin/departments/{street.id}"
    resp = post(admin, f"{page}/move", {"parent_id": west.id}, page)
    assert resp.status_code == 303
    moved = by_code("east_street")
    assert moved.parent_id == west.id and moved.path == f"{west.path}{moved.id}/"
    entry = db.session.scalar(select(AuditLog).filter_by(action="department.move"))
    assert entry.data["from_path"] == old_path and entry.data["to_path"] == moved.path


def test_a_moved_subtree_keeps_every_path_right(admin, dept):
    """Departments have none below them by the rules; a subtree made by hand still moves whole."""
    urban = by_code("east_urban")
    team = Department(code="east_urban_team", name="执法队", kind="department", parent=urban)
    db.session.add(team)
    db.session.flush()
    team.path = f"{urban.path}{team.id}/"
    squad = Department(code="east_urban_squad", name="一中队", kind="department", parent=team)
    db.session.add(squad)
    db.session.flush()
    squad.path = f"{team.path}{squad.id}/"
    db.session.commit()
    lake = by_code("lake")
    page = f"/admin/departments/{urban.id}"
    assert post(admin, f"{page}/move", {"parent_id": lake.id}, page).status_code == 303
    urban, team, squad = (
        by_code("east_urban"),
        by_code("east_urban_team"),
        by_code("east_urban_squad"),
    )
    assert urban.path == f"{lake.path}{urban.id}/"
    assert team.path == f"{urban.path}{team.id}/" and squad.path == f"{team.path}{squad.id}/"
    assert team.parent_id == urban.id  # only the moved one changes parent


@pytest.mark.parametrize(
    ("code", "target", "words"),
    [
        ("east_urban", "east", "已在该上级单位之下"),
        ("east_urban", "urban", "职能部门只能设在"),
        ("east", "east", "区级分中心只能"),
        ("east_urban", None, "请选择上级单位"),
    ],
)
def test_a_refused_move_says_why_and_moves_nothing(admin, dept, code, target, words):
    page = f"/admin/departments/{dept(code)}"
    before = snapshot()
    resp = post(admin, f"{page}/move", {"parent_id": dept(target) if target else ""}, page)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and words in html
    assert 'data-testid="error-parent_id"' in html
    assert snapshot() == before


def test_the_city_centre_stays_the_root(admin, dept):
    page = f"/admin/departments/{dept('city')}"
    before = snapshot()
    resp = post(admin, f"{page}/move", {"parent_id": dept("east")}, page)
    assert resp.status_code == 409 and "根节点" in resp.get_data(as_text=True)
    resp = post(admin, f"{page}/deactivate", {}, page)
    assert resp.status_code == 409 and "市热线中心不能停用" in resp.get_data(as_text=True)
    assert snapshot() == before


def test_a_department_with_open_cases_cannot_be_deactivated(admin, api, dept):
    case = api.create()
    api.act(case["id"], "transfer", "dispatcher", target_department_id=dept("urban"))
    page = f"/admin/departments/{dept('urban')}"
    assert 'data-testid="open-work">1<' in admin.get(page).get_data(as_text=True)
    before = snapshot()
    resp = post(admin, f"{page}/deactivate", {}, page)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "1件未办结的工单" in html
    assert snapshot() == before
    assert by_code("urban").active


def test_a_centre_with_active_departments_cannot_be_deactivated(admin, dept):
    page = f"/admin/departments/{dept('lake')}"
    before = snapshot()
    resp = post(admin, f"{page}/deactivate", {}, page)
    assert resp.status_code == 409 and "请先停用它们" in resp.get_data(as_text=True)
    assert snapshot() == before


def test_a_deactivated_department_is_offered_nowhere_until_reactivated(admin, api, dept, client):
    civil = dept("civil")
    page = f"/admin/departments/{civil}"
    assert post(admin, f"{page}/deactivate", {}, page).status_code == 303
    assert not by_code("civil").active
    html = admin.get("/admin/users/new").get_data(as_text=True)
    assert f'<option value="{civil}"' not in html  # the department picker
    case = api.create()
    resp = api.act(case["id"], "transfer", "dispatcher", expect=422, target_department_id=civil)
    assert resp["code"] == "unknown_department"
    assert post(admin, f"{page}/activate", {}, page).status_code == 303
    assert by_code("civil").active
    actions = [e.action for e in db.session.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert actions[-2:] == ["department.deactivate", "department.activate"]


def test_a_form_without_its_csrf_token_is_refused(admin, dept):
    before = snapshot()
    resp = admin.post(f"/admin/departments/{dept('civil')}/deactivate")
    assert resp.status_code == 400
    assert snapshot() == before


def test_an_unknown_department_is_404(admin):
    assert admin.get("/admin/departments/999999").status_code == 404


@pytest.mark.parametrize(
    ("username", "shown", "hidden"),
    [
        ("admin", ["系统管理", "流程", "接口文档"], []),
        ("designer", ["流程", "接口文档"], ["系统管理"]),
        ("agent", [], ["系统管理", "流程", "接口文档"]),
    ],
)
def test_the_menu_shows_each_role_its_pages(client, page_login, username, shown, hidden):
    page_login(username)
    html = client.get("/").get_data(as_text=True)
    menu = html[html.index("navbar-nav") : html.index('data-testid="whoami"')]
    for label in shown:
        assert f">{label}</a>" in menu
    for label in hidden:
        assert f">{label}</a>" not in menu
