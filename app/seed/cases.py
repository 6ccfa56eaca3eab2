"""Demo cases in every status, made through the real service (the same path users take)."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import ColumnElement, func, select

from app.cases import service
from app.cases.idempotency import EXTERNAL_PREFIX
from app.clock import clock
from app.extensions import db
from app.models import Case, Department, User
from app.models.catalog import CASE_TYPES, PEOPLE_CHANNELS, PRIORITIES

DEMANDS = [
    "小区门口路灯不亮已经一周，晚上出行不安全。",
    "楼下餐馆油烟扰民，希望有关部门处理。",
    "公交站台广告牌破损，存在安全隐患。",
    "咨询灵活就业人员社保缴费办法。",
    "工地夜间施工噪音太大，影响休息。",
    "道路井盖缺失，请尽快修复。",
    "超市销售过期食品，要求查处。",
    "建议在学校门口增设人行横道。",
]
# Steps that bring a new case to each stage: (action, actor username or "@dept", data)
STAGES = ["accepted", "transferred", "handling", "replied", "closed"]


SURNAMES = "张王李刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "军", "杰", "娟", "涛", "明", "超", "霞"]
PLACES = ["东城区", "西城区", "南湖区"]
STREETS = ["解放路", "人民路", "建设路", "和平街", "中山路", "滨湖大道", "光明巷", "新华路"]


# Demo case n carries the external id "demo-<n>" (kept as the agent's idempotency key
# "ext:demo-<n>"): that is how `flask seed demo` recognises the demo cases already there and adds
# only the missing ones, and why a repeated seed could never make a case twice.
DEMO_EXTERNAL_ID = "demo-{}"
_DEMO_KEYS = f"{EXTERNAL_PREFIX}{DEMO_EXTERNAL_ID.format('')}%"


def demo_key(n: int) -> str:
    """The stored idempotency key of demo case n."""
    return EXTERNAL_PREFIX + DEMO_EXTERNAL_ID.format(n)


def demo_cases(agent: User) -> ColumnElement[bool]:
    """A WHERE clause on Case: the demo cases (service-made and cloned alike)."""
    return (Case.accepted_by_id == agent.id) & Case.idempotency_key.like(_DEMO_KEYS)


def demo_case_count() -> int:
    """How many demo cases the database holds (service-made and cloned alike)."""
    agent = user_named("agent")
    if agent is None:
        return 0
    return db.session.scalar(select(func.count()).select_from(Case).where(demo_cases(agent))) or 0


def random_intake(
    rng: random.Random, n: int, answered: bool = False, external_id: str | None = None
) -> service.Intake:
    """A plausible demand from a made-up citizen; `n` numbers the address."""
    return service.Intake(
        external_id=external_id,
        channel=rng.choice(PEOPLE_CHANNELS),
        citizen_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
        citizen_phone=f"13{rng.randint(0, 999999999):09d}",
        citizen_address=f"{rng.choice(PLACES)}{rng.choice(STREETS)}{n}号",
        content=rng.choice(DEMANDS),
        case_type=rng.choice(list(CASE_TYPES)),
        priority=rng.choice(PRIORITIES),
        answered=answered,
        answer="已按政策口径当场答复。" if answered else "",
    )


def user_named(username: str) -> User:
    return db.session.scalars(select(User).filter_by(username=username)).unique().one()


def _someone_at(dept_id: int) -> User:
    return db.session.scalars(select(User).filter_by(department_id=dept_id).limit(1)).unique().one()


def drive_to(case_id: int, stage: str, target: Department) -> None:
    """Advance a fresh case to `stage` through the service, as the people involved would."""
    dispatcher = user_named("dispatcher")
    order = STAGES.index(stage)
    if order >= 1:
        centre = target.parent
        if centre is not None and centre.kind == "district":
            # Through the district centre: it signs for the case and forwards it.
            service.act(case_id, "transfer", {"target_department_id": centre.id}, dispatcher)
            district_dispatcher = _someone_at(centre.id)
            service.act(case_id, "sign", {}, district_dispatcher)
            service.act(
                case_id, "transfer", {"target_department_id": target.id}, district_dispatcher
            )
        else:
            service.act(case_id, "transfer", {"target_department_id": target.id}, dispatcher)
    if order >= 2:
        handler = _someone_at(target.id)
        service.act(case_id, "sign", {}, handler)
    if order >= 3:
        service.act(
            case_id,
            "reply",
            {"text": "已安排人员现场处理，问题已解决。", "result_code": "resolved"},
            _someone_at(target.id),
        )
    if order >= 4:
        # The citizen is asked both (满意度, 是否解决): the reports' 解决率 counts the second.
        answer = {"result": "satisfied", "resolved": True}
        service.act(case_id, "revisit", answer, user_named("revisit"))


def seed_demo_cases(count: int, seed: int = 12345, first: int = 1) -> int:
    """Demo cases `first` .. `first + count - 1`, each driven to a stage through the service."""
    rng = random.Random(seed + first - 1)
    agent = user_named("agent")
    departments = list(
        db.session.scalars(select(Department).filter_by(kind="department").order_by(Department.id))
    )
    start = clock.now()
    made = 0
    try:
        for i in range(first - 1, first - 1 + count):
            # Spread intake over the last weeks so that some deadlines have passed.
            clock.freeze(start - timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 8)))
            answered = i % 10 == 9
            case, _password, _created = service.accept(
                random_intake(rng, i + 1, answered, DEMO_EXTERNAL_ID.format(i + 1)),
                agent,
            )
            if not answered:
                clock.advance(hours=1)
                drive_to(case.id, STAGES[i % len(STAGES)], rng.choice(departments))
            made += 1
    finally:
        clock.unfreeze()
    return made
