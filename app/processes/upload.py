"""Checking uploaded .bpmn files as `flask processes validate` checks a folder, deploying
nothing: the designers' page (app/pages/processes.py) shows the refusal reasons.

The upload is the folder: its files are validated together, against the deployed forms. An
upload is untrusted bytes, so before the validator sees it each file must be named *.bpmn,
fit the process-file limit, be UTF-8 text and carry no DOCTYPE (no DTD, no entity: nothing a
parser could expand or fetch). The validator then parses with entities and the network off
and compiles, never runs, the diagram's code. Whatever else goes wrong while reading a hostile
file is a refusal too, never a server error.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from flask import current_app
from lxml import etree
from sqlalchemy import select

from app.engine import ProcessError
from app.extensions import db
from app.models import ProcessVersion
from app.processes import service

MAX_FILES = 10
_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,100}\.bpmn")
# Parses only the prolog's facts; the validator parses again with its own, equally safe parser.
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False
)
log = logging.getLogger(__name__)


@dataclass
class Verdict:
    files: list[str]
    reasons: list[str] = field(default_factory=list)  # "file:line [element]: reason"
    user_tasks: int = 0
    content_hash: str = ""
    same_as: ProcessVersion | None = None  # a deployed version with exactly these files

    @property
    def ok(self) -> bool:
        return not self.reasons


def max_bytes() -> int:
    return int(current_app.config["PROCESS_FILE_MAX_BYTES"])


def check(uploads: list[tuple[str, bytes]]) -> Verdict:
    """`uploads`: (file name, content) pairs; content may be cut at max_bytes() + 1."""
    names = [name for name, _data in uploads]
    verdict = Verdict(files=names)
    if not uploads:
        verdict.reasons.append("no file chosen: upload one or more .bpmn files")
        return verdict
    if len(uploads) > MAX_FILES:
        verdict.reasons.append(f"{len(uploads)} files uploaded; at most {MAX_FILES} at once")
        return verdict
    files: dict[str, str] = {}
    for name, data in uploads:
        reason = _refuse_file(name, data, files)
        if reason:
            verdict.reasons.append(reason)
        else:
            files[name] = data.decode("utf-8")
    if verdict.reasons:
        return verdict
    try:
        compiled = service.validate(files)
    except ProcessError as exc:
        verdict.reasons.append(str(exc))
        return verdict
    except Exception as exc:  # a hostile file may upset the parsers in ways of their own
        log.warning("uploaded diagram not readable", exc_info=exc)
        verdict.reasons.append(
            f"{', '.join(names)}: the diagram could not be read ({type(exc).__name__})"
        )
        return verdict
    verdict.user_tasks = len(compiled.user_tasks)
    verdict.content_hash = service.content_hash(files)
    verdict.same_as = db.session.scalar(
        select(ProcessVersion)
        .where(ProcessVersion.content_hash == verdict.content_hash)
        .order_by(ProcessVersion.version.desc())
        .limit(1)
    )
    return verdict


def _refuse_file(name: str, data: bytes, seen: dict[str, str]) -> str | None:
    """Why this file is refused before it is validated, or None."""
    shown = name if _NAME.fullmatch(name) else repr(name[:100])
    if not _NAME.fullmatch(name):
        return (
            f"{shown}: a diagram's file name ends in .bpmn and holds only letters, digits, "
            "'.', '_' and '-'"
        )
    if name in seen:
        return f"{name}: uploaded twice"
    cap = max_bytes()
    if len(data) > cap:
        return f"{name}: the file is larger than the limit of {cap:,} bytes"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"{name}: not UTF-8 text (byte {exc.start:,} cannot be read)"
    if "\x00" in text:
        return f"{name}: not a text file (it holds NUL characters)"
    try:
        tree = etree.fromstring(data, _PARSER).getroottree()
    except etree.XMLSyntaxError:
        # The validator says where it is not well-formed, unless a DTD is what broke it.
        return _NO_DTD.format(name=name) if _DTD_TEXT.search(text) else None
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        return _NO_DTD.format(name=name)
    return None


_DTD_TEXT = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_NO_DTD = "{name}: a DOCTYPE (DTD, entities) is not allowed in a diagram"
