"""The demo seed sets up what the bridge runs on, once: its account, the default menu (valid
against the seeded skill groups), the demo phones and a blacklist sample."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import BlacklistEntry, IvrMenuVersion, PhoneExtension, User
from app.seed.telephony import seed_telephony
from app.telephony import config, ivr
from tests.conftest import PASSWORD


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_the_seed_sets_up_the_bridge_once(now):
    seed_telephony(PASSWORD)
    version = config.version()
    seed_telephony(PASSWORD)
    assert config.version() == version  # a second run changes nothing the bridge reads
    assert count(IvrMenuVersion) == 1 and count(BlacklistEntry) == 1
    current = ivr.current()
    assert ivr.validate(current.document, current.schedule) == []
    options = current.document["menus"]["main"]["options"]
    assert options["1"] == {"action": "queue", "group": "general"}
    assert options["2"] == {"action": "status"} and options["3"] == {"action": "voicemail"}
    sub = current.document["menus"][options["4"]["menu"]]["options"]
    assert {o["group"] for o in sub.values() if o["action"] == "queue"} >= {
        "social",
        "urban",
        "complaint",
        "foreign",
    }
    phones = dict(
        db.session.execute(
            select(User.username, PhoneExtension.endpoint).join(
                PhoneExtension, PhoneExtension.user_id == User.id
            )
        ).all()
    )
    assert phones["agent01"] == "PJSIP/agent01" and phones["revisit"] == "PJSIP/revisit"
    assert count(PhoneExtension) == 14  # agent, agent01..agent12, revisit
    bridge = db.session.scalars(select(User).filter_by(username="ari_bridge")).unique().one()
    assert bridge.role_codes == {"telephony"}
