"""Users and roles: search, create (the one password rule and hashing), change roles and the
departments a leader oversees, reset a password (ends the user's sessions), disable and
enable; the city never loses its last administrator; every refusal changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth import passwords
from app.extensions import db
from app.models import AuditLog, LeaderScope, User
from tests.conftest import snapshot
from tests.helpers import INTAKE
from tests.pages.conftest import csrf_of
from tests.reference.tables import restore_reference  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("restore_reference")
NEW = {
    "username": "east_clerk",
    "display_name": "王芳",
    "roles": ["handler"],
    "password": "a-good-password",
}


@pytest.fixture
def admin(client, page_login):
    page_login("admin")
    return client


def post(client, path: str, data: dict, page: str = "/admin/users/new"):
    token = csrf_of(client.get(page).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def find(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalars(select(User).filter_by(username=username)).unique().one_or_none()


def test_searching_users(admin):
    html = admin.get("/admin/users", query_string={"q": "east_"}).get_data(as_text=True)
    assert 'data-username="east_dispatcher"' in html and 'data-username="agent"' not in html
    html = admin.get("/admin/users", query_string={"role": "leader"}).get_data(as_text=True)
    assert 'data-username="leader"' in html and 'data-username="agent"' not in html
    html = admin.get("/admin/users", query_string={"q": "%"}).get_data(as_text=True)
    assert "没有符合条件的用户" in html  # a wildcard is a character, not a pattern
    for odd in ({"page": "x"}, {"department_id": "9" * 30}, {"role": "boss"}, {"q": "é" * 500}):
        assert admin.get("/admin/users", query_string=odd).status_code == 200


def test_creating_a_user_who_then_signs_in(admin, app, dept):
    resp = post(admin, "/admin/users/new", {**NEW, "department_id": dept("east_urban")})
    assert resp.status_code == 303, resp.get_data(as_text=True)
    user = find("east_clerk")
    assert user.display_name == "王芳" and user.department_id == dept("east_urban")
    assert user.role_codes == {"handler"}
    assert user.password_hash.startswith(passwords.METHOD + "$")
    entry = db.session.scalar(select(AuditLog).filter_by(action="user.create"))
    assert entry.target_key == str(user.id) and entry.client_ip == "127.0.0.1"
    assert "a-good-password" not in str(entry.data) and "password" not in entry.data
    other = app.test_client()
    token = other.post(
        "/api/v1/auth/token", json={"username": "east_clerk", "password": "a-good-password"}
    )
    assert token.status_code == 200 and token.get_json()["user"]["roles"] == ["handler"]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"username": "ab"}, "username", "用户名为3至64个字符"),
        ({"username": "王芳"}, "username", "用户名为3至64个字符"),
        ({"username": "Agent"}, "username", "已被使用"),
        ({"display_name": ""}, "display_name", "必填"),
        ({"roles": []}, "roles", "至少选择一个角色"),
        ({"roles": ["boss"]}, "roles", "未知角色"),
        ({"password": "short"}, "password", "密码长度须为8至200个字符"),
        ({"department_id": ""}, "department_id", "请选择单位"),
        ({"department_id": "abc"}, "department_id", ""),
        ({"roles": ["leader"], "leader_of": ["999999"]}, "leader_of", "不存在或已停用"),
    ],
)
def test_a_refused_user_marks_the_field_and_creates_nobody(admin, dept, change, field, words):
    data = {**NEW, "department_id": dept("east_urban"), **change}
    before = snapshot()
    resp = post(admin, "/admin/users/new", data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422, html
    assert f'data-testid="error-{field}"' in html and "is-invalid" in html and words in html
    assert snapshot() == before


def test_a_user_cannot_join_a_deactivated_department(admin, dept):
    from app.models import Department

    civil = db.session.get(Department, dept("civil"))
    civil.active = False
    db.session.commit()
    before = snapshot()
    resp = post(admin, "/admin/users/new", {**NEW, "department_id": civil.id})
    assert resp.status_code == 422 and "该单位已停用" in resp.get_data(as_text=True)
    assert snapshot() == before


def test_making_a_leader_who_oversees_departments(admin, dept):
    data = {
        **NEW,
        "department_id": dept("city"),
        "roles": ["leader"],
        "leader_of": [str(dept("west")), str(dept("health"))],
    }
    assert post(admin, "/admin/users/new", data).status_code == 303
    user = find("east_clerk")
    overseen = set(db.session.scalars(select(LeaderScope.department_id).filter_by(user_id=user.id)))
    assert overseen == {dept("west"), dept("health")}
    page = f"/admin/users/{user.id}"
    change = {"display_name": "王芳", "department_id": dept("city"), "roles": ["agent"]}
    assert post(admin, page, change, page).status_code == 303
    assert find("east_clerk").role_codes == {"agent"}
    assert not db.session.scalars(select(LeaderScope).filter_by(user_id=user.id)).all()
    entry = db.session.scalar(select(AuditLog).filter_by(action="user.update"))
    assert entry.data["before"]["roles"] == ["leader"] and entry.data["after"]["roles"] == ["agent"]


def test_resetting_a_password_ends_the_users_sessions(admin, app, dept, user):
    post(admin, "/admin/users/new", {**NEW, "department_id": dept("east_urban")})
    clerk = find("east_clerk")
    theirs = app.test_client()
    html = theirs.get("/login").get_data(as_text=True)
    theirs.post(
        "/login",
        data={"username": "east_clerk", "password": NEW["password"], "csrf_token": csrf_of(html)},
    )
    assert theirs.get("/").status_code == 200
    page = f"/admin/users/{clerk.id}"
    before = snapshot()
    resp = post(admin, f"{page}/password", {"password": "1234567"}, page)
    assert resp.status_code == 422 and 'data-testid="error-password"' in resp.get_data(as_text=True)
    assert snapshot() == before
    assert (
        post(admin, f"{page}/password", {"password": "another-password"}, page).status_code == 303
    )
    assert theirs.get("/").status_code == 302  # signed out
    assert passwords.check_password(find("east_clerk").password_hash, "another-password")
    assert db.session.scalar(select(AuditLog).filter_by(action="user.reset_password"))


def test_resetting_a_password_revokes_the_users_api_tokens(admin, app, dept):
    post(admin, "/admin/users/new", {**NEW, "department_id": dept("east_urban")})
    clerk = find("east_clerk")
    api = app.test_client()

    def token(password: str) -> dict:
        resp = api.post("/api/v1/auth/token", json={"username": "east_clerk", "password": password})
        assert resp.status_code == 200, resp.get_json()
        return {"Authorization": f"Bearer {resp.get_json()['access_token']}"}

    old = token(NEW["password"])
    assert api.get("/api/v1/inbox", headers=old).status_code == 200
    page = f"/admin/users/{clerk.id}"
    assert post(admin, f"{page}/password", {"password": "1234567"}, page).status_code == 422
    assert api.get("/api/v1/inbox", headers=old).status_code == 200  # a refused reset: no change
    assert (
        post(admin, f"{page}/password", {"password": "another-password"}, page).status_code == 303
    )
    before = snapshot()
    for resp in (
        api.get("/api/v1/inbox", headers=old),
        api.post("/api/v1/cases", json=INTAKE, headers=old),
    ):
        assert resp.status_code == 401 and resp.get_json()["code"] == "token_revoked"
    assert snapshot() == before
    refused = api.post(
        "/api/v1/auth/token", json={"username": "east_clerk", "password": NEW["password"]}
    )
    assert refused.status_code == 401
    new = token("another-password")
    assert api.get("/api/v1/inbox", headers=new).status_code == 200
    assert api.get("/api/v1/inbox", headers=old).status_code == 401


def test_disabling_and_enabling(admin, app, dept, auth):
    post(admin, "/admin/users/new", {**NEW, "department_id": dept("east_urban")})
    clerk = find("east_clerk")
    api = app.test_client()
    token = api.post(
        "/api/v1/auth/token", json={"username": "east_clerk", "password": NEW["password"]}
    ).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/inbox", headers=headers).status_code == 200
    page = f"/admin/users/{clerk.id}"
    assert post(admin, f"{page}/disable", {}, page).status_code == 303
    assert not find("east_clerk").active
    assert api.get("/api/v1/inbox", headers=headers).status_code == 401
    refused = api.post(
        "/api/v1/auth/token", json={"username": "east_clerk", "password": NEW["password"]}
    )
    assert refused.status_code == 401
    assert post(admin, f"{page}/enable", {}, page).status_code == 303
    assert find("east_clerk").active
    assert api.get("/api/v1/inbox", headers=headers).status_code == 200


def test_an_administrator_cannot_lock_the_city_out(admin, user, dept):
    me = user("admin")
    page = f"/admin/users/{me.id}"
    before = snapshot()
    resp = post(admin, f"{page}/disable", {}, page)
    assert resp.status_code == 409 and "不能停用自己" in resp.get_data(as_text=True)
    resp = post(
        admin,
        page,
        {"display_name": "admin", "department_id": dept("city"), "roles": ["agent"]},
        page,
    )
    assert resp.status_code == 409 and "取消自己的管理员角色" in resp.get_data(as_text=True)
    assert snapshot() == before


def test_the_administrator_role_can_be_handed_over_not_dropped(admin, app, dept):
    data = {**NEW, "username": "second_admin", "department_id": dept("city"), "roles": ["admin"]}
    assert post(admin, "/admin/users/new", data).status_code == 303
    # The second administrator takes the role from the first; then nobody may take theirs.
    second = app.test_client()
    html = second.get("/login").get_data(as_text=True)
    second.post(
        "/login",
        data={"username": "second_admin", "password": NEW["password"], "csrf_token": csrf_of(html)},
    )
    first = find("admin")
    page = f"/admin/users/{first.id}"
    change = {"display_name": "admin", "department_id": dept("city"), "roles": ["oversight"]}
    assert post(second, page, change, page).status_code == 303
    assert find("admin").role_codes == {"oversight"}
    other = find("second_admin")
    page = f"/admin/users/{other.id}"
    before = snapshot()
    resp = post(second, f"{page}/disable", {}, page)
    assert resp.status_code == 409  # the only administrator left, and themselves
    change = {"display_name": "x", "department_id": dept("city"), "roles": ["agent"]}
    assert post(second, page, change, page).status_code == 409
    assert snapshot() == before


def test_only_administrators_manage_users(client, page_login, user):
    page_login("leader")
    assert client.get("/admin/users").status_code == 403
    html = client.get("/").get_data(as_text=True)
    resp = client.post(
        f"/admin/users/{user('agent').id}/disable", data={"csrf_token": csrf_of(html)}
    )
    assert resp.status_code == 403
    assert user("agent").active
