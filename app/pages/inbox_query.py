"""Reading a work list's query string: tab, filters, sort and page, each checked.

A value that cannot be used is not an error page: its field is marked (is-invalid, with why),
the value is left out of the query and the page says that some filters were not applied. What
reaches the database is only what passed here: bounded lengths, no control characters, known
codes, real dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from app.cases.worklists import SORTS, TABS, Filters, Sort, Tab
from app.models import CaseType
from app.models.catalog import CHANNELS

TAB_LABELS: dict[str, Any] = {
    "sign": _l("To sign for"),
    "handling": _l("Being handled"),
    "requests": _l("Requests pending"),
    "done": _l("Done"),
    "overdue": _l("Overdue"),
}
FILTER_NAMES = (
    "number",
    "phone",
    "name",
    "case_type",
    "channel",
    "created_from",
    "created_to",
    "q",
)
MAX_PAGE = 10_000
_LENGTHS = {"number": 20, "phone": 32, "name": 100, "q": 100}
_NUMBER = re.compile(r"[0-9-]+")
_PHONE = re.compile(r"[0-9+\- ]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class InboxQuery:
    tab: Tab = "sign"
    sort: Sort = "due"
    page: int = 1
    filters: Filters = field(default_factory=lambda: cast(Filters, {}))
    values: dict[str, str] = field(default_factory=dict)  # as typed, to show them again
    errors: dict[str, list[str]] = field(default_factory=dict)  # per field
    notices: list[str] = field(default_factory=list)  # what was ignored, said once

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query string of this list with `changes` (unused and refused values left out;
        a page of 1 and the default sort too)."""
        out: dict[str, Any] = {k: v for k, v in self.values.items() if k not in self.errors and v}
        out.update(tab=self.tab, sort=self.sort, page=self.page)
        out.update(changes)
        if out.get("page") == 1:
            del out["page"]
        if out.get("sort") == "due":
            del out["sort"]
        return out

    @property
    def filtered(self) -> bool:
        return bool(self.filters)


def read_inbox(args: MultiDict[str, str], case_types: list[CaseType]) -> InboxQuery:
    query = InboxQuery()
    tab = args.get("tab", "sign")
    if tab in TABS:
        query.tab = tab
    else:
        query.notices.append(_("Unknown tab: showing the first one."))
    sort = args.get("sort", "due")
    if sort in SORTS:
        query.sort = sort
    else:
        query.notices.append(_("Unknown sort order: sorted by due time."))
    query.page = read_page(args, "page", query.notices)
    codes = {t.code for t in case_types}
    for name in FILTER_NAMES:
        raw = args.get(name, "")
        value = raw.strip()
        query.values[name] = raw[:200]
        if not value:
            continue
        error = _check(name, value, codes)
        if error:
            query.errors[name] = [error]
            continue
        if name in ("created_from", "created_to"):
            query.filters[name] = date.fromisoformat(value)  # type: ignore[literal-required]
        else:
            query.filters[name] = value  # type: ignore[literal-required]
    start, end = query.filters.get("created_from"), query.filters.get("created_to")
    if start and end and end < start:
        query.errors["created_to"] = [_("The end is before the start.")]
        del query.filters["created_to"]
    if query.errors:
        query.notices.append(_("Some filters were not applied: see the marked fields."))
    return query


def read_page(args: MultiDict[str, str], name: str, notices: list[str]) -> int:
    """A page number from the query (1 when missing; 1 and a notice when not a page number)."""
    page = args.get(name, "1")
    if page.isascii() and page.isdigit() and 1 <= int(page) <= MAX_PAGE:
        return int(page)
    notice = _("Not a page number: showing the first page.")
    if notice not in notices:
        notices.append(notice)
    return 1


def _check(name: str, value: str, case_type_codes: set[str]) -> str | None:
    """Why a filter's value cannot be used, or None."""
    if _CONTROL.search(value):
        return _("Not a valid value.")
    limit = _LENGTHS.get(name)
    if limit is not None and len(value) > limit:
        return _("At most %(n)d characters.", n=limit)
    if name == "number" and not _NUMBER.fullmatch(value):
        return _("Case numbers have digits and '-' only.")
    if name == "phone" and not _PHONE.fullmatch(value):
        return _("Phone numbers have digits only.")
    if name == "case_type" and value not in case_type_codes:
        return _("Choose from the list.")
    if name == "channel" and value not in CHANNELS:
        return _("Choose from the list.")
    if name in ("created_from", "created_to"):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return _("Enter a date as YYYY-MM-DD.")
        if not 2000 <= day.year <= 2100 or len(value) != 10:
            return _("Enter a date as YYYY-MM-DD.")
    return None
