"""The IVR menu tree and the service hours: what they may hold, their versions.

A menu document:

    {"root": "main",
     "menus": {"main": {"prompt": "minqing/welcome", "timeout_seconds": 6,
                        "options": {"1": {"action": "queue", "group": "general"}, ...}}}}

Keys "0"-"9", "*", "#". Actions: `menu` (menu: a menu of the document), `queue` (group: an
active skill group's code), `voicemail`, `status` (case status by keypad), `announcement`
(sound, next: a menu or null = hang up after it), `transfer` (number: 1-20 digits).

A schedule: {"working_days": [["08:00", "20:00"]], "rest_days": [...], "closed_prompt":
"minqing/closed", "closed_action": "voicemail"|"hangup"}: the hours the hotline answers on a
working day and on a rest day (the day's kind from the working-day calendar); "24:00" ends a
day; an empty list is closed all day.

`validate` names every error by its path (`menus.main.options.1.group`) with a code and
Chinese/English words; `save` refuses an invalid pair whole. Every save or restore is a new
version (audited), never an edit, so any earlier one can come back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app import audit_log
from app.auth import policy
from app.clock import clock
from app.errors import Invalid, NotFound
from app.extensions import db
from app.models import IvrMenuVersion, SkillGroup, User
from app.telephony import versioning
from app.telephony.transaction import atomic

KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#")
ACTIONS = ("menu", "queue", "voicemail", "status", "announcement", "transfer")
# The fields each action takes besides `action` (required ones first; `next` may be null).
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "menu": ("menu",),
    "queue": ("group",),
    "voicemail": (),
    "status": (),
    "announcement": ("sound", "next"),
    "transfer": ("number",),
}
CLOSED_ACTIONS = ("voicemail", "hangup")
MENU_ID = re.compile(r"^[a-z0-9_]{1,40}$")
SOUND = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+){0,4}$")
NUMBER = re.compile(r"^[0-9]{1,20}$")
HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")
MAX_MENUS = 50
MAX_INTERVALS = 6
TIMEOUT_RANGE = (1, 60)

DEFAULT_MENU: dict[str, Any] = {
    "root": "main",
    "menus": {
        "main": {
            "prompt": "minqing/welcome",
            "timeout_seconds": 6,
            "options": {
                "1": {"action": "queue", "group": "general"},
                "2": {"action": "status"},
                "3": {"action": "voicemail"},
                "4": {"action": "menu", "menu": "groups"},
                "0": {"action": "queue", "group": "general"},
            },
        },
        "groups": {
            "prompt": "minqing/groups",
            "timeout_seconds": 6,
            "options": {
                "1": {"action": "queue", "group": "social"},
                "2": {"action": "queue", "group": "urban"},
                "3": {"action": "queue", "group": "complaint"},
                "4": {"action": "queue", "group": "foreign"},
                "*": {"action": "menu", "menu": "main"},
                "0": {"action": "queue", "group": "general"},
            },
        },
    },
}
# 12345 answers around the clock, every day.
DEFAULT_SCHEDULE: dict[str, Any] = {
    "working_days": [["00:00", "24:00"]],
    "rest_days": [["00:00", "24:00"]],
    "closed_prompt": "minqing/closed",
    "closed_action": "voicemail",
}


@dataclass(frozen=True)
class FieldError:
    path: str  # e.g. menus.main.options.1.group; "schedule.working_days.0"
    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class MenuVersion:
    id: int  # 0: the default, never saved
    document: dict
    schedule: dict
    created_at: datetime | None
    created_by: str | None  # username
    note: str


class _Errors:
    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, path: str, code: str, zh: str, en: str) -> None:
        self.items.append(FieldError(path, code, zh, en))


def _text(value: Any, pattern: re.Pattern[str]) -> bool:
    return isinstance(value, str) and bool(pattern.fullmatch(value))


def _int_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def validate(document: Any, schedule: Any = None) -> list[FieldError]:
    """Every error of the menu document (and the schedule, when given); [] when valid."""
    errors = _Errors()
    _menu_document(document, errors)
    if schedule is not None:
        _schedule(schedule, errors)
    return errors.items


def _menu_document(document: Any, errors: _Errors) -> None:
    if not isinstance(document, dict):
        errors.add("", "not_an_object", "菜单须为对象", "The menu must be an object")
        return
    for name in sorted(set(document) - {"root", "menus"}):
        errors.add(str(name), "unknown_field", "未知字段", f"Unknown field '{name}'")
    menus = document.get("menus")
    if not isinstance(menus, dict) or not menus:
        errors.add("menus", "required", "至少需要一个菜单", "At least one menu is needed")
        menus = {}
    elif len(menus) > MAX_MENUS:
        errors.add("menus", "too_many", f"最多 {MAX_MENUS} 个菜单", f"At most {MAX_MENUS} menus")
    root = document.get("root")
    if not isinstance(root, str) or root not in menus:
        errors.add("root", "unknown_menu", "起始菜单不存在", "The root names no menu")
    groups = set(db.session.scalars(select(SkillGroup.code).where(SkillGroup.active.is_(True))))
    for menu_id, menu in menus.items():
        _menu(f"menus.{menu_id}", menu_id, menu, menus, groups, errors)


def _menu(
    path: str, menu_id: Any, menu: Any, menus: dict, groups: set[str], errors: _Errors
) -> None:
    if not _text(menu_id, MENU_ID):
        errors.add(
            path,
            "invalid_menu_id",
            "菜单编号须为1至40个小写字母、数字或下划线",
            "A menu id is 1 to 40 lowercase letters, digits or underscores",
        )
    if not isinstance(menu, dict):
        errors.add(path, "not_an_object", "菜单须为对象", "A menu must be an object")
        return
    for name in sorted(set(menu) - {"prompt", "timeout_seconds", "options"}):
        errors.add(f"{path}.{name}", "unknown_field", "未知字段", f"Unknown field '{name}'")
    if not _text(menu.get("prompt"), SOUND):
        errors.add(
            f"{path}.prompt",
            "invalid_sound",
            "提示音须为声音文件名（如 minqing/welcome）",
            "The prompt must be a sound name (e.g. minqing/welcome)",
        )
    if not _int_in(menu.get("timeout_seconds"), *TIMEOUT_RANGE):
        errors.add(
            f"{path}.timeout_seconds",
            "out_of_range",
            "等待按键时间须为1至60秒",
            "The key timeout must be 1 to 60 seconds",
        )
    options = menu.get("options")
    if not isinstance(options, dict) or not options:
        errors.add(f"{path}.options", "required", "至少需要一个按键", "At least one key is needed")
        return
    for key, option in options.items():
        _option(f"{path}.options.{key}", key, option, menus, groups, errors)


def _option(
    path: str, key: Any, option: Any, menus: dict, groups: set[str], errors: _Errors
) -> None:
    if key not in KEYS:
        errors.add(path, "invalid_key", "按键须为0-9、*或#", "A key is 0-9, * or #")
    if not isinstance(option, dict):
        errors.add(path, "not_an_object", "按键动作须为对象", "A key's action must be an object")
        return
    action = option.get("action")
    if action not in ACTIONS:
        errors.add(
            f"{path}.action",
            "unknown_action",
            "未知的动作",
            f"The action must be one of {', '.join(ACTIONS)}",
        )
        return
    for name in sorted(set(option) - {"action", *ACTION_FIELDS[action]}):
        errors.add(f"{path}.{name}", "unknown_field", "未知字段", f"Unknown field '{name}'")
    if action == "menu" and (
        not isinstance(option.get("menu"), str) or option["menu"] not in menus
    ):
        errors.add(f"{path}.menu", "unknown_menu", "子菜单不存在", "No such menu")
    elif action == "queue" and option.get("group") not in groups:
        errors.add(
            f"{path}.group",
            "unknown_skill_group",
            "技能组不存在或已停用",
            "No active skill group with this code",
        )
    elif action == "announcement":
        if not _text(option.get("sound"), SOUND):
            errors.add(f"{path}.sound", "invalid_sound", "须为声音文件名", "Must be a sound name")
        following = option.get("next")
        if following is not None and (not isinstance(following, str) or following not in menus):
            errors.add(f"{path}.next", "unknown_menu", "后续菜单不存在", "No such menu")
    elif action == "transfer" and not _text(option.get("number"), NUMBER):
        errors.add(
            f"{path}.number",
            "invalid_number",
            "转接号码须为1至20位数字",
            "The number must be 1 to 20 digits",
        )


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _schedule(schedule: Any, errors: _Errors) -> None:
    if not isinstance(schedule, dict):
        errors.add(
            "schedule", "not_an_object", "服务时间须为对象", "The schedule must be an object"
        )
        return
    known = {"working_days", "rest_days", "closed_prompt", "closed_action"}
    for name in sorted(set(schedule) - known):
        errors.add(f"schedule.{name}", "unknown_field", "未知字段", f"Unknown field '{name}'")
    for kind in ("working_days", "rest_days"):
        _hours(f"schedule.{kind}", schedule.get(kind), errors)
    if not _text(schedule.get("closed_prompt"), SOUND):
        errors.add(
            "schedule.closed_prompt", "invalid_sound", "须为声音文件名", "Must be a sound name"
        )
    if schedule.get("closed_action") not in CLOSED_ACTIONS:
        errors.add(
            "schedule.closed_action",
            "unknown_action",
            "非服务时间的动作须为 voicemail 或 hangup",
            "Outside service hours the action is voicemail or hangup",
        )


def _hours(path: str, hours: Any, errors: _Errors) -> None:
    if not isinstance(hours, list):
        errors.add(path, "required", "须为时段列表", "Must be a list of [start, end] hours")
        return
    if len(hours) > MAX_INTERVALS:
        errors.add(path, "too_many", f"最多 {MAX_INTERVALS} 个时段", f"At most {MAX_INTERVALS}")
        return
    spans = []
    for i, span in enumerate(hours):
        where = f"{path}.{i}"
        if (
            not isinstance(span, list)
            or len(span) != 2
            or not all(isinstance(t, str) and HHMM.fullmatch(t) for t in span)
        ):
            errors.add(
                where,
                "invalid_hours",
                '时段须为 ["HH:MM", "HH:MM"]',
                'A span is ["HH:MM", "HH:MM"]',
            )
            continue
        start, end = _minutes(span[0]), _minutes(span[1])
        if start >= end or span[0] == "24:00":
            errors.add(
                where,
                "end_before_start",
                "结束时间须晚于开始时间",
                "The end is not after the start",
            )
            continue
        spans.append((start, end, where))
    spans.sort()
    for (_s1, e1, _w1), (s2, _e2, w2) in zip(spans, spans[1:], strict=False):
        if s2 < e1:
            errors.add(w2, "overlapping_hours", "时段重叠", "The span overlaps another")


def invalid(errors: list[FieldError]) -> Invalid:
    return Invalid(
        "ivr_invalid",
        "语音菜单或服务时间有误，未保存",
        "The IVR menu or the schedule has errors; nothing was saved",
        errors=[{"path": e.path, "code": e.code, "zh": e.zh, "en": e.en} for e in errors],
    )


# --- versions --------------------------------------------------------------------------------


def _view(row: IvrMenuVersion, username: str | None) -> MenuVersion:
    return MenuVersion(row.id, row.document, row.schedule, row.created_at, username, row.note)


def current() -> MenuVersion:
    """The version in force: the newest saved, else the default (id 0)."""
    found = db.session.execute(
        select(IvrMenuVersion, User.username)
        .outerjoin(User, User.id == IvrMenuVersion.created_by_id)
        .order_by(IvrMenuVersion.id.desc())
        .limit(1)
    ).first()
    if found is None:
        return MenuVersion(0, DEFAULT_MENU, DEFAULT_SCHEDULE, None, None, "")
    return _view(*found)


def versions(limit: int = 50) -> list[MenuVersion]:
    """The saved versions, newest first."""
    rows = db.session.execute(
        select(IvrMenuVersion, User.username)
        .outerjoin(User, User.id == IvrMenuVersion.created_by_id)
        .order_by(IvrMenuVersion.id.desc())
        .limit(limit)
    ).all()
    return [_view(row, username) for row, username in rows]


def _add(document: dict, schedule: dict, by: User | None, note: str) -> IvrMenuVersion:
    row = IvrMenuVersion(
        document=document,
        schedule=schedule,
        created_by_id=by.id if by else None,
        created_at=clock.now(),
        note=note[:200],
    )
    db.session.add(row)
    db.session.flush()
    versioning.changed()
    return row


@atomic
def save(
    document: Any, schedule: Any, by: User, note: str = "", client_ip: str = ""
) -> MenuVersion:
    """A new version of the menu and schedule, committed and audited; 422 `ivr_invalid`
    with every field's error (`details.errors`) and nothing saved when either is invalid."""
    policy.check_manage_telephony(by)
    errors = validate(document, schedule)
    if errors:
        raise invalid(errors)
    row = _add(document, schedule, by, note)
    audit_log.record(by, client_ip, "telephony.ivr_save", "ivr_menu_version", row.id, note=note)
    db.session.commit()
    return _view(row, by.username)


@atomic
def restore(version_id: int, by: User, client_ip: str = "") -> MenuVersion:
    """A new version copying an earlier one (committed, audited). It must still be valid
    (a skill group it names may have gone since): 422 `ivr_invalid` otherwise."""
    policy.check_manage_telephony(by)
    old = db.session.get(IvrMenuVersion, version_id)
    if old is None:
        raise NotFound("ivr_version_not_found", "该菜单版本不存在", "No such menu version")
    errors = validate(old.document, old.schedule)
    if errors:
        raise invalid(errors)
    row = _add(old.document, old.schedule, by, f"恢复版本 {old.id} / restored version {old.id}")
    audit_log.record(
        by, client_ip, "telephony.ivr_restore", "ivr_menu_version", row.id, restored=old.id
    )
    db.session.commit()
    return _view(row, by.username)


def seed_default(by: User | None = None) -> bool:
    """Save the default menu when none is saved (the demo seed); True when it did."""
    if db.session.scalar(select(IvrMenuVersion.id).limit(1)) is not None:
        return False
    _add(DEFAULT_MENU, DEFAULT_SCHEDULE, by, "默认菜单 / default menu")
    return True
