"""The one interface of a delivery channel, and the channels by name.

A channel says whether the settings let it send at all (`problem`: the message for the
administrator, or None) and sends one message or raises DeliveryFailed with why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class DeliveryFailed(Exception):
    """This attempt did not send the message; the text is what the administrator sees."""


@dataclass(frozen=True)
class Message:
    address: str  # an e-mail address or a mobile number, as the user gave it
    subject: str
    text: str


class Channel(Protocol):
    name: str

    def problem(self, config: Mapping[str, Any]) -> str | None: ...

    def send(self, config: Mapping[str, Any], message: Message) -> None: ...


def channels() -> dict[str, Channel]:
    from app.notifications.delivery.email import EmailChannel
    from app.notifications.delivery.sms import SmsChannel

    return {EmailChannel.name: EmailChannel(), SmsChannel.name: SmsChannel()}
