"""The outbox's worker: send the deliveries that are due, retry the failed ones with
exponential backoff, and give up after DELIVERY_MAX_ATTEMPTS (the administrator sees those,
with the last error, and can send one again).

`deliver_due(now)` is the scheduler's job (`run(app)` wraps it; idempotent: what it sent is no
longer due). Rows
are claimed in a short transaction of their own (on PostgreSQL with SKIP LOCKED, so two
workers never take the same row) by moving their next attempt a lease ahead; each is then sent
outside any transaction and its result committed alone. The action that wrote the row
committed long before: a channel that is down delays the message, never the action.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import func, select, update

from app.clock import clock
from app.errors import NotFound
from app.extensions import db
from app.models import Case, Delivery, User
from app.models.notification import FAILED, PENDING, SENT
from app.notifications.delivery.channels import DeliveryFailed, Message, channels
from app.notifications.kinds import KINDS

# A claimed row not answered within this (the worker died mid-send) is due again.
LEASE = timedelta(minutes=5)
ERROR_MAX = 1000


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: base, 2×base, 4×base, ... capped."""
    config = current_app.config
    seconds = config["DELIVERY_BACKOFF_SECONDS"] * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, config["DELIVERY_BACKOFF_MAX_SECONDS"]))


def deliver_due(now: datetime | None = None) -> int:
    """Send what is due at `now` (default: the clock's now); returns how many were sent."""
    now = now or clock.now()
    sent = 0
    for delivery_id in _claim(now, current_app.config["DELIVERY_BATCH"]):
        sent += _attempt(delivery_id, now)
    return sent


def run(app: Flask) -> int:
    """The scheduler's job: `deliver_due` at the clock's now, in the app's context."""
    with app.app_context():
        return deliver_due(clock.now())


def _claim(now: datetime, limit: int) -> list[int]:
    due = (
        select(Delivery.id)
        .where(Delivery.state == PENDING, Delivery.next_attempt_at <= now)
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(db.session.scalars(due))
    if ids:
        db.session.execute(
            update(Delivery).where(Delivery.id.in_(ids)).values(next_attempt_at=now + LEASE)
        )
    db.session.commit()
    return ids


def _attempt(delivery_id: int, now: datetime) -> int:
    row = db.session.get(Delivery, delivery_id)
    if row is None or row.state != PENDING:
        db.session.rollback()
        return 0
    message = render(row)
    db.session.commit()  # no transaction stays open while the channel works
    config = current_app.config
    channel = channels().get(row.channel)
    try:
        if channel is None:
            raise DeliveryFailed(f"unknown channel {row.channel!r}")
        channel.send(config, message)
    except DeliveryFailed as exc:
        row.attempts += 1
        row.last_error = str(exc)[:ERROR_MAX]
        if row.attempts >= config["DELIVERY_MAX_ATTEMPTS"]:
            row.state, row.next_attempt_at = FAILED, None
        else:
            row.next_attempt_at = now + backoff(row.attempts)
        db.session.commit()
        return 0
    row.attempts += 1
    row.state, row.sent_at, row.next_attempt_at = SENT, clock.now(), None
    db.session.commit()
    return 1


def render(row: Delivery) -> Message:
    """The message in the recipient's language: the kind, the case number, the text."""
    locale = db.session.scalar(select(User.locale).where(User.id == row.user_id)) or "zh_CN"
    number = (
        db.session.scalar(select(Case.number).where(Case.id == row.case_id))
        if row.case_id
        else None
    )
    zh, en = KINDS.get(row.kind, (row.kind, row.kind))
    words = en if locale == "en" else zh
    head = f"{words} {number}" if number else words
    prefix = "12345: " if locale == "en" else "【12345】"
    return Message(
        address=row.address,
        subject=f"{prefix}{head}",
        text=f"{prefix}{head}\n{row.body}".rstrip(),
    )


def unsent(limit: int = 200) -> list[tuple[Delivery, str]]:
    """What the administrator watches: the failed deliveries, then the pending ones that
    have failed at least once, newest first, with the recipient's username."""
    rows = db.session.execute(
        select(Delivery, User.username)
        .join(User, User.id == Delivery.user_id)
        .where((Delivery.state == FAILED) | ((Delivery.state == PENDING) & (Delivery.attempts > 0)))
        .order_by((Delivery.state == FAILED).desc(), Delivery.id.desc())
        .limit(limit)
    ).all()
    return [(d, name) for d, name in rows]


def pending_count() -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.state == PENDING)
        )
        or 0
    )


def retry_now(delivery_id: int, now: datetime | None = None) -> Delivery:
    """Send a pending or failed delivery again at once (a fresh set of attempts)."""
    row = db.session.get(Delivery, delivery_id)
    if row is None or row.state == SENT:
        db.session.rollback()
        raise NotFound(
            "delivery_not_found", "没有待发送的该条投递", "No unsent delivery with this id"
        )
    now = now or clock.now()
    row.state, row.attempts, row.next_attempt_at = PENDING, 0, now
    db.session.commit()
    _attempt(row.id, now)
    db.session.refresh(row)
    return row


def channel_problems() -> dict[str, str | None]:
    """Per channel, why the settings do not let it send (None: set up)."""
    config = current_app.config
    return {name: channel.problem(config) for name, channel in channels().items()}
