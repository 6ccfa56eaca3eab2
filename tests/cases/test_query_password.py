from sqlalchemy import select

from app.cases.query_password import check_password
from app.extensions import db
from app.models import Case


def test_query_password_is_stored_as_a_keyed_hash_that_checks(api):
    body = api.create()
    case = db.session.scalar(select(Case).filter_by(number=body["number"]))
    assert body["query_password"] not in case.query_password_hash
    assert check_password(case.number, body["query_password"], case.query_password_hash)
    wrong = f"{(int(body['query_password']) + 1) % 10**6:06d}"
    assert not check_password(case.number, wrong, case.query_password_hash)
    # The number salts the hash: the same digits do not check against another case.
    assert not check_password("20260101-000001", body["query_password"], case.query_password_hash)
