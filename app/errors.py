"""Domain errors: a machine-readable code, an HTTP status and a Chinese/English message."""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, zh: str, en: str, status: int | None = None, **details) -> None:
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en
        if status is not None:
            self.status = status
        self.details = details

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": {"zh": self.zh, "en": self.en}}
        if self.details:
            body["details"] = self.details
        return body


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class Invalid(DomainError):
    status = 422


def case_not_found() -> NotFound:
    return NotFound("case_not_found", "工单不存在", "No such case")


def concurrent_update() -> Conflict:
    return Conflict(
        "concurrent_update",
        "该工单刚被其他人处理，请刷新后重试",
        "Someone else acted on this case at the same moment; reload it and try again",
    )


def diagram_failed(code: str, element_id: str, line: int | None, reason: str) -> Invalid:
    """The process diagram's code failed or was stopped; the action changed nothing."""
    if code == "script_limit_exceeded":
        zh = "流程脚本超出运行限制（时间或内存），操作未执行，工单未改变"
        en = "The process diagram's code went past its time or memory limit; nothing changed"
    else:
        zh = "流程脚本出错，操作未执行，工单未改变"
        en = "The process diagram's code failed; nothing changed"
    return Invalid(code, zh, en, element_id=element_id, line=line, reason=reason)
