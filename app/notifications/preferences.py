"""A user's delivery channels: the e-mail address and mobile number the message centre also
sends their notifications to, and whether it should. Checked here, for the page and the API."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.errors import Invalid
from app.extensions import db
from app.models import User

EMAIL_MAX = 254
# One address, no display name or list: what SMTP's RCPT TO takes from us.
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
# A mainland mobile number (11 digits from 1), or an international one with + and 8-15 digits.
_MOBILE = re.compile(r"1\d{10}|\+\d{8,15}")


@dataclass(frozen=True)
class Channels:
    email: str | None
    mobile: str | None
    by_email: bool
    by_sms: bool


def of(user: User) -> Channels:
    return Channels(user.email, user.mobile, user.notify_by_email, user.notify_by_sms)


def _bad(field: str, zh: str, en: str) -> Invalid:
    return Invalid("invalid_channels", zh, en, field=field)


def check(wanted: Channels) -> Channels:
    """The channels cleaned (blank is none), or the refusal naming its field."""
    email = (wanted.email or "").strip() or None
    mobile = (wanted.mobile or "").strip().replace(" ", "").replace("-", "") or None
    if email is not None and (len(email) > EMAIL_MAX or not _EMAIL.fullmatch(email)):
        raise _bad("email", "电子邮箱格式不正确", "Not an e-mail address")
    if mobile is not None and not _MOBILE.fullmatch(mobile):
        raise _bad(
            "mobile",
            "手机号码格式不正确（11位手机号，或+国家码开头）",
            "Not a mobile number (11 digits, or + and the country code)",
        )
    if wanted.by_email and email is None:
        raise _bad("email", "选择邮件通知须填写电子邮箱", "E-mail notices need an e-mail address")
    if wanted.by_sms and mobile is None:
        raise _bad("mobile", "选择短信通知须填写手机号码", "SMS notices need a mobile number")
    return Channels(email, mobile, wanted.by_email, wanted.by_sms)


def update(user: User, wanted: Channels) -> Channels:
    """Check and save the user's channels (nothing saved when refused)."""
    clean = check(wanted)
    user.email, user.mobile = clean.email, clean.mobile
    user.notify_by_email, user.notify_by_sms = clean.by_email, clean.by_sms
    db.session.commit()
    return clean
