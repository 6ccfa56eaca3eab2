"""The IVR editor's form, read into the menu document and schedule the telephony service
keeps (the bridge's `GET /config` shape), and back.

The form is flat, so that a row or a menu added in the page (ivr-editor.js) is a few more
inputs: `menu-<i>-id`, `menu-<i>-prompt`, `menu-<i>-timeout` and, per option row,
`menu-<i>-opt-<j>-key|action|target|next`; `root`; the schedule's `working_days`, `rest_days`
("08:00-12:00, 13:00-20:00"; empty: closed all day), `closed_prompt`, `closed_action`.
Reading also remembers which input each part of the document came from, so that the
service's refusals (paths like `menus.main.options.1.group`) are marked on that input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

ACTIONS: dict[str, Any] = {
    "menu": _l("Go to submenu"),
    "queue": _l("Queue to a skill group"),
    "voicemail": _l("Voicemail (mayor's mailbox)"),
    "status": _l("Case status query"),
    "announcement": _l("Play an announcement"),
    "transfer": _l("Transfer to a number"),
}
# The option's one target, under the name the document gives it per action.
TARGET_OF = {"menu": "menu", "queue": "group", "announcement": "sound", "transfer": "number"}
CLOSED_ACTIONS: dict[str, Any] = {
    "voicemail": _l("Voicemail (mayor's mailbox)"),
    "hangup": _l("Hang up after the prompt"),
}
SCHEDULE_FIELDS = ("working_days", "rest_days", "closed_prompt", "closed_action")
MAX_MENUS = 50
MAX_OPTIONS = 12  # keys 0-9, * and #
_MENU = re.compile(r"^menu-(\d{1,3})-id$")
_OPTION = re.compile(r"^menu-(\d{1,3})-opt-(\d{1,3})-key$")
_RANGE = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–~至]\s*(\d{1,2}:\d{2})\s*$")


@dataclass
class OptionRow:
    name: str  # the inputs' prefix, "menu-0-opt-1"
    key: str = ""
    action: str = ""
    target: str = ""
    next: str = ""


@dataclass
class MenuBox:
    name: str  # "menu-0"
    id: str = ""
    prompt: str = ""
    timeout: str = ""
    options: list[OptionRow] = field(default_factory=list)
    depth: int = 0
    via: str = ""  # "main · 4": the menu and key that lead here ("" for the root, unreached)


@dataclass
class Editor:
    """What the editor draws: the menus in tree order, the schedule's inputs, the errors."""

    root: str
    menus: list[MenuBox]
    schedule: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def error(self, name: str, text: str) -> None:
        self.errors.setdefault(name, []).append(text)


# --- from the stored document to the editor --------------------------------------------------


def _ranges_text(ranges: Any) -> str:
    return ", ".join(f"{a}-{b}" for a, b in ranges or ())


def from_document(menu: Mapping[str, Any], schedule: Mapping[str, Any]) -> Editor:
    boxes = []
    for i, (menu_id, m) in enumerate((menu.get("menus") or {}).items()):
        box = MenuBox(
            f"menu-{i}",
            menu_id,
            str(m.get("prompt", "")),
            str(m.get("timeout_seconds", "")),
        )
        for j, (key, o) in enumerate((m.get("options") or {}).items()):
            action = str(o.get("action", ""))
            target = o.get(TARGET_OF.get(action, ""), "")
            box.options.append(
                OptionRow(
                    f"{box.name}-opt-{j}", key, action, str(target or ""), str(o.get("next") or "")
                )
            )
        boxes.append(box)
    editor = Editor(
        str(menu.get("root", "")),
        boxes,
        {
            "working_days": _ranges_text(schedule.get("working_days")),
            "rest_days": _ranges_text(schedule.get("rest_days")),
            "closed_prompt": str(schedule.get("closed_prompt", "")),
            "closed_action": str(schedule.get("closed_action", "voicemail")),
        },
    )
    return in_tree_order(editor)


def in_tree_order(editor: Editor) -> Editor:
    """The root first, each submenu after the menu whose key leads to it (depth, via); menus
    no key reaches last."""
    by_id = {b.id: b for b in editor.menus}
    ordered: list[MenuBox] = []
    seen: set[str] = set()

    def visit(box: MenuBox, depth: int, via: str) -> None:
        if box.id in seen:
            return
        seen.add(box.id)
        box.depth, box.via = depth, via
        ordered.append(box)
        for o in box.options:
            child = by_id.get(o.target) if o.action == "menu" else None
            if child is not None:
                visit(child, depth + 1, f"{box.id} · {o.key}")

    if editor.root in by_id:
        visit(by_id[editor.root], 0, "")
    for box in editor.menus:
        if box.id not in seen:
            seen.add(box.id)
            box.depth, box.via = 0, ""
            ordered.append(box)
    editor.menus = ordered
    return editor


# --- from the posted form to the document ----------------------------------------------------


@dataclass
class Read:
    editor: Editor  # the form as posted (drawn again when refused)
    menu: dict[str, Any]
    schedule: dict[str, Any]
    inputs: dict[str, str]  # a document path -> the input it came from


def _ranges(editor: Editor, name: str, text: str) -> list[list[str]]:
    out = []
    for part in filter(None, (p.strip() for p in re.split(r"[,，;；]", text))):
        match = _RANGE.match(part)
        if not match:
            editor.error(name, _("Write service hours as 08:00-12:00, 13:00-20:00."))
            return []
        a, b = (t.zfill(5) for t in match.groups())
        out.append([a, b])
    return out


def read(form: Mapping[str, str]) -> Read:
    """The posted form as the service's document; the form's own shape errors (a key given
    twice in one menu, a menu id given twice, hours not written as hours) are on the editor."""
    menu_indexes = sorted({int(m.group(1)) for k in form if (m := _MENU.match(k))})[:MAX_MENUS]
    boxes: list[MenuBox] = []
    for i in menu_indexes:
        p = f"menu-{i}"
        box = MenuBox(
            p,
            form.get(f"{p}-id", "").strip()[:40],
            form.get(f"{p}-prompt", "").strip()[:120],
            form.get(f"{p}-timeout", "").strip()[:6],
        )
        rows = sorted(
            {int(m.group(2)) for k in form if (m := _OPTION.match(k)) and int(m.group(1)) == i}
        )[:MAX_OPTIONS]
        for j in rows:
            q = f"{p}-opt-{j}"
            row = OptionRow(
                q,
                form.get(f"{q}-key", "").strip()[:4],
                form.get(f"{q}-action", "").strip()[:20],
                form.get(f"{q}-target", "").strip()[:120],
                form.get(f"{q}-next", "").strip()[:40],
            )
            if row.key or row.target or row.next:  # a row added and left blank: no key
                box.options.append(row)
        boxes.append(box)
    schedule_values = {n: form.get(n, "").strip()[:200] for n in SCHEDULE_FIELDS}
    editor = Editor(form.get("root", "").strip()[:40], boxes, schedule_values)

    inputs: dict[str, str] = {"root": "root"}
    menus: dict[str, Any] = {}
    for box in boxes:
        if box.id in menus:
            editor.error(f"{box.name}-id", _("Another menu has this name."))
            continue
        base = f"menus.{box.id}"
        inputs[base] = f"{box.name}-id"
        inputs[f"{base}.prompt"] = f"{box.name}-prompt"
        inputs[f"{base}.timeout_seconds"] = f"{box.name}-timeout"
        inputs[f"{base}.options"] = f"{box.name}-id"
        timeout: Any = int(box.timeout) if box.timeout.isdigit() else box.timeout
        options: dict[str, Any] = {}
        for o in box.options:
            if o.key in options:
                editor.error(f"{o.name}-key", _("This key is already used in this menu."))
                continue
            at = f"{base}.options.{o.key}"
            inputs[at] = f"{o.name}-key"
            inputs[f"{at}.action"] = f"{o.name}-action"
            option: dict[str, Any] = {"action": o.action}
            target = TARGET_OF.get(o.action)
            if target:
                option[target] = o.target
                inputs[f"{at}.{target}"] = f"{o.name}-target"
            if o.action == "announcement":
                option["next"] = o.next or None
                inputs[f"{at}.next"] = f"{o.name}-next"
            options[o.key] = option
        menus[box.id] = {"prompt": box.prompt, "timeout_seconds": timeout, "options": options}

    schedule = {
        "working_days": _ranges(editor, "working_days", schedule_values["working_days"]),
        "rest_days": _ranges(editor, "rest_days", schedule_values["rest_days"]),
        "closed_prompt": schedule_values["closed_prompt"],
        "closed_action": schedule_values["closed_action"],
    }
    for n in SCHEDULE_FIELDS:
        inputs[f"schedule.{n}"] = inputs[n] = n
    return Read(in_tree_order(editor), {"root": editor.root, "menus": menus}, schedule, inputs)


def input_of(inputs: Mapping[str, str], path: str) -> str:
    """The input a refusal's path names: the longest known prefix of it ("_form": none)."""
    parts = path.split(".")
    while parts:
        name = inputs.get(".".join(parts))
        if name:
            return name
        parts.pop()
    return "_form"
