"""How a hidden citizen reads (保密): 张伟 as 张*, 13800001111 as 138****1111.

Who sees what is app/auth/policy.py's `sees_citizen`; this module only draws the mask. The
summaries and details every list, page, export and search result is built from
(app/cases/queries.py) and the contacts (app/cases/contacts.py) apply it.
"""

from __future__ import annotations

from app.auth import policy
from app.models import Case, User

MASK = "*"


def mask_name(name: str) -> str:
    """The first character, then a star for each of the others (a one-character name: a star)."""
    if len(name) <= 1:
        return MASK * len(name)
    return name[0] + MASK * (len(name) - 1)


def mask_phone(phone: str) -> str:
    """A mobile number keeps its first 3 and last 4 digits (138****1111), a shorter number its
    first and last 2; one of 5 characters or fewer is all stars."""
    if len(phone) >= 11:
        keep_front, keep_back = 3, 4
    elif len(phone) > 5:
        keep_front, keep_back = 2, 2
    else:
        return MASK * len(phone)
    hidden = len(phone) - keep_front - keep_back
    return phone[:keep_front] + MASK * hidden + phone[-keep_back:]


def citizen_of(viewer: User, case: Case, name: str, phone: str) -> tuple[str, str]:
    """A name and phone of the case's citizen side (the case's own, or a caller's on it) as
    `viewer` may read them."""
    if policy.sees_citizen(viewer, case):
        return name, phone
    return mask_name(name), mask_phone(phone)
