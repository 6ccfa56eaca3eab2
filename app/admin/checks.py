"""Checks of administrative input, each refusal naming the field it is about (`field` in the
error's details), in Chinese and English."""

from __future__ import annotations

import math
import re
from typing import Any

from sqlalchemy import select

from app.errors import Invalid
from app.extensions import db

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def refuse(field: str, code: str, zh: str, en: str) -> Invalid:
    return Invalid(code, zh, en, field=field)


def line(value: str | None, field: str, max_length: int, *, required: bool = True) -> str:
    """One line of text, stripped: at most `max_length` characters, no control characters."""
    text = (value or "").strip()
    if required and not text:
        raise refuse(field, "required", "必填", "Required")
    if len(text) > max_length:
        raise refuse(
            field, "too_long", f"最多{max_length}个字符", f"At most {max_length} characters"
        )
    if _CONTROL.search(text):
        raise refuse(
            field,
            "control_characters",
            "不能含有控制字符或换行",
            "No control characters or line breaks",
        )
    return text


def name_free_among_siblings(
    model: Any, name: str, parent_id: int | None, own_id: int | None, noun_zh: str, noun_en: str
) -> None:
    """Refuse `name` when another row of the tree `model` (a department, a category) under
    the same parent has it; `own_id`: the row being renamed."""
    same_parent = model.parent_id.is_(None) if parent_id is None else model.parent_id == parent_id
    query = select(model.id).where(same_parent, model.name == name)
    if own_id is not None:
        query = query.where(model.id != own_id)
    if db.session.scalar(query) is not None:
        raise refuse(
            "name",
            "name_taken",
            f"同一上级下已有名为“{name}”的{noun_zh}",
            f"A {noun_en} named '{name}' already sits under the same parent",
        )


def code(value: str | None, field: str = "code", max_length: int = 40) -> str:
    """A code: lower-case ASCII letters, digits and underscores, starting with a letter."""
    text = (value or "").strip()
    if not re.fullmatch(rf"[a-z][a-z0-9_]{{0,{max_length - 1}}}", text):
        raise refuse(
            field,
            "bad_code",
            f"编码须以小写字母开头，只含小写字母、数字和下划线，最多{max_length}个字符",
            f"A code starts with a lower-case letter and holds only a-z, 0-9 and _ "
            f"(at most {max_length})",
        )
    return text


def number(
    value: float | int | None, field: str, low: float, high: float, *, whole: bool = False
) -> float:
    if value is None or isinstance(value, bool) or not math.isfinite(value):
        raise refuse(field, "required", "须填写数字", "Enter a number")
    if whole and value != int(value):
        raise refuse(field, "not_whole", "须为整数", "Enter a whole number")
    if not low <= value <= high:
        raise refuse(
            field, "out_of_range", f"须在{low:g}至{high:g}之间", f"Between {low:g} and {high:g}"
        )
    return value
