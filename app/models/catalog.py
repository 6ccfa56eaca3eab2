"""Reference data: case types, categories, time limits and the holiday calendar."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model

PRIORITIES = ("normal", "urgent", "critical")  # 一般 / 紧急 / 特急
CASE_TYPES = {
    "enquiry": ("咨询", "Enquiry"),
    "help": ("求助", "Help"),
    "complaint": ("投诉", "Complaint"),
    "report": ("举报", "Report"),
    "suggestion": ("建议", "Suggestion"),
    "praise": ("表扬", "Praise"),
}
# The ways a person brings a demand, and the voicemail the telephony bridge registers.
PEOPLE_CHANNELS = ("phone", "web", "open311", "walk_in", "letter")
VOICEMAIL = "voicemail"
CHANNELS = (*PEOPLE_CHANNELS, VOICEMAIL)
# The words pages, forms and exports show for the codes above (case types have theirs in the
# case_type table, which administration renames).
CHANNEL_WORDS = {
    "phone": {"zh": "电话", "en": "Phone"},
    "web": {"zh": "网站", "en": "Web"},
    "open311": {"zh": "Open311", "en": "Open311"},
    "walk_in": {"zh": "来访", "en": "Walk-in"},
    "letter": {"zh": "来信", "en": "Letter"},
    # A message left on the hotline's voicemail / mayor's mailbox (市长信箱), registered by
    # the telephony bridge with the recording attached.
    "voicemail": {"zh": "语音信箱", "en": "Voicemail"},
}
PRIORITY_WORDS = {
    "normal": {"zh": "一般", "en": "Normal"},
    "urgent": {"zh": "紧急", "en": "Urgent"},
    "critical": {"zh": "特急", "en": "Critical"},
}


class CaseType(Model):
    __tablename__ = "case_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))


class Category(Model):
    """Subject classification (城市管理 › 市容环境 ...), a tree."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))


class TimeLimit(Model):
    """Limits per case type and priority; sign-for in working hours, the rest in working days."""

    __tablename__ = "time_limit"
    __table_args__ = (UniqueConstraint("case_type_id", "priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_type_id: Mapped[int] = mapped_column(ForeignKey("case_type.id"))
    priority: Mapped[str] = mapped_column(String(16))
    sign_hours: Mapped[float] = mapped_column()
    handle_days: Mapped[int] = mapped_column()
    revisit_days: Mapped[int] = mapped_column()
    decision_hours: Mapped[float] = mapped_column(default=8)
    warn_hours: Mapped[float] = mapped_column(default=4)


HOLIDAY = "holiday"
MAKEUP_WORKDAY = "workday"


class Holiday(Model):
    """One calendar day that departs from the Monday-Friday rule: a day off or a make-up workday."""

    __tablename__ = "holiday"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64), default="")


class SettingsVersion(Model):
    """One row: a number raised, in the writer's transaction, by every change of the reference
    data that processes keep in memory (time limits, the calendar); see
    app/deadlines/reference_cache.py."""

    __tablename__ = "settings_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
