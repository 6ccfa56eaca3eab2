"""E-mail over SMTP (smtplib), to the SMTP_* settings' server."""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from app.notifications.delivery.channels import DeliveryFailed, Message


class EmailChannel:
    name = "email"

    def problem(self, config: Mapping[str, Any]) -> str | None:
        host, port = str(config.get("SMTP_HOST") or ""), config.get("SMTP_PORT")
        if not host:
            return "e-mail is not set up: MINQING_SMTP_HOST is empty"
        if not isinstance(port, int) or not 0 < port < 65536:
            return f"MINQING_SMTP_PORT is not a port number: {port!r}"
        sender = str(config.get("SMTP_FROM") or "")
        if "@" not in sender:
            return f"MINQING_SMTP_FROM is not an e-mail address: {sender!r}"
        return None

    def send(self, config: Mapping[str, Any], message: Message) -> None:
        why = self.problem(config)
        if why:
            raise DeliveryFailed(why)
        mail = EmailMessage()
        mail["From"] = config["SMTP_FROM"]
        mail["To"] = message.address
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=True)
        mail["Message-ID"] = make_msgid(domain=str(config["SMTP_FROM"]).rpartition("@")[2])
        mail.set_content(message.text)
        host, port = config["SMTP_HOST"], config["SMTP_PORT"]
        try:
            with smtplib.SMTP(host, port, timeout=config["SMTP_TIMEOUT_SECONDS"]) as smtp:
                if config.get("SMTP_STARTTLS"):
                    smtp.starttls()
                if config.get("SMTP_USER"):
                    smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD", ""))
                refused = smtp.send_message(mail)
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"SMTP {host}:{port}: {type(exc).__name__}: {exc}") from exc
        if refused:
            raise DeliveryFailed(f"SMTP {host}:{port} refused {message.address}: {refused}")
