"""SMS through an HTTP gateway: a JSON POST {"to", "text"} to SMS_GATEWAY_URL with
`Authorization: Bearer SMS_GATEWAY_TOKEN`; any 2xx answer means sent."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from app.notifications.delivery.channels import DeliveryFailed, Message

TEXT_MAX = 500  # characters: a few SMS segments; the full text is in the message centre


class SmsChannel:
    name = "sms"

    def problem(self, config: Mapping[str, Any]) -> str | None:
        url = str(config.get("SMS_GATEWAY_URL") or "")
        if not url:
            return "SMS is not set up: MINQING_SMS_GATEWAY_URL is empty"
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return f"MINQING_SMS_GATEWAY_URL is not an http(s) URL: {url!r}"
        if not config.get("SMS_GATEWAY_TOKEN"):
            return "MINQING_SMS_GATEWAY_TOKEN is empty"
        return None

    def send(self, config: Mapping[str, Any], message: Message) -> None:
        why = self.problem(config)
        if why:
            raise DeliveryFailed(why)
        text = message.text if len(message.text) <= TEXT_MAX else message.text[: TEXT_MAX - 1] + "…"
        request = urllib.request.Request(
            config["SMS_GATEWAY_URL"],
            data=json.dumps({"to": message.address, "text": text}, ensure_ascii=False).encode(),
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {config['SMS_GATEWAY_TOKEN']}",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=config["SMS_TIMEOUT_SECONDS"]) as answer:
                status = answer.status
        except urllib.error.HTTPError as exc:
            detail = exc.read(200).decode("utf-8", "replace")
            raise DeliveryFailed(f"SMS gateway answered {exc.code}: {detail}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryFailed(f"SMS gateway unreachable: {exc}") from exc
        if not 200 <= status < 300:
            raise DeliveryFailed(f"SMS gateway answered {status}")
