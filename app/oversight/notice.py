"""The notice (催办通知书): a PDF of the case's facts in Chinese, for the department a notice
step of the ladder was taken for, rendered on request from the `notice` event (WeasyPrint,
with the Noto CJK fonts the system installs: fonts-noto-cjk)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from flask import Response, render_template
from sqlalchemy import select

from app.cases import masking
from app.deadlines import service as deadlines
from app.deadlines import standing
from app.errors import NotFound
from app.extensions import db
from app.models import Case, CaseEvent, CaseType, Department, User
from app.oversight import cases
from app.oversight.ladder import NOTICE_EVENT


def notices_of(case_id: int) -> list[CaseEvent]:
    return list(
        db.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.action == NOTICE_EVENT)
            .order_by(CaseEvent.id)
        )
    )


def _when(at: datetime) -> str:
    return f"{at.year}年{at.month}月{at.day}日 {at:%H:%M}"


def _late(deadline: datetime, at: datetime) -> str:
    cal = deadlines.work_calendar()
    seconds = standing.remaining(deadline, at, cal)
    day = standing.day_seconds(cal)
    days, rest = divmod(max(0.0, -seconds), day)
    hours = int(rest // 3600)
    return f"{int(days)} 个工作日 {hours} 小时" if days else f"{hours} 个工作小时"


def render(user: User, case_id: int, event_id: int) -> tuple[str, bytes]:
    """(file name, PDF bytes) of the case's notice `event_id`, for a user who may see the case
    (404 otherwise, and for an event that is not one of its notices)."""
    from weasyprint import HTML  # imported when used: it loads Pango and fonts

    case: Case = cases.visible(user, case_id)
    event = db.session.get(CaseEvent, event_id)
    if event is None or event.case_id != case.id or event.action != NOTICE_EVENT:
        raise NotFound("notice_not_found", "催办通知书不存在", "No such notice")
    deadline = datetime.fromisoformat(event.data["deadline_at"])
    dept = db.session.get(Department, event.to_department_id) if event.to_department_id else None
    kind = db.session.get(CaseType, case.case_type_id)
    name, phone = masking.citizen_of(user, case, case.citizen_name, case.citizen_phone)
    html = render_template(
        "oversight/notice.html",
        case=case,
        notice_no=f"督催〔{event.at.year}〕{event.id:05d}号",
        department=dept.name if dept else "承办单位",
        deadline=_when(deadline),
        late=_late(deadline, event.at),
        accepted=_when(case.created_at),
        case_type=kind.name if kind else "—",
        citizen_name=name,
        citizen_phone=phone,
        last_urged=_when(case.last_urged_at) if case.last_urged_at else "",
        rule=event.data.get("rule", ""),
        issued=f"{event.at.year}年{event.at.month}月{event.at.day}日",
    )
    return f"催办通知书-{case.number}-{event.id}.pdf", HTML(string=html).write_pdf()


def download(user: User, case_id: int, event_id: int) -> Response:
    """The notice as a file to save, for the case page and the API alike (see `render`)."""
    name, pdf = render(user, case_id, event_id)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response.headers["Cache-Control"] = "private, no-store"
    return response
