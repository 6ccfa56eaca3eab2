"""The escalation ladder's rules as the oversight office writes them, one a line, parsed and
checked together (a ladder that contradicts itself is refused whole, nothing saved).

A rule says a step and how far from the handling deadline, in working days or hours:

    urge 1 working day before due          到期前1个工作日催办
    notice 1 working day after due         逾期后1个工作日发催办通知书
    list 3 working days after due          逾期超过3个工作日通报

Steps: `urge` (催办, automatic, before the deadline), `notice` (催办通知书, a PDF, after it),
`list` (通报, the notice list, after it and later than the notice). Refused, each with the
line it is on: a rule that does not parse; an amount that is zero, negative or too large; a
step on the wrong side of the deadline (an urge after it, a notice or list before it); two
rules for one step; a list not later than the notice (the ladder would go backwards).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Step = Literal["urge", "notice", "notice_list"]
STEPS: tuple[Step, ...] = ("urge", "notice", "notice_list")
STEP_WORDS = {
    "urge": ("催办", "Urge"),
    "notice": ("催办通知书", "Notice"),
    "notice_list": ("通报", "Notice list"),
}
UNIT_HOURS = {"working_days": None, "working_hours": 1}  # a day's length comes from the calendar
MAX_LINES = 10
MAX_AMOUNT = {"working_days": 60, "working_hours": 480}
LINE_MAX = 200

_EN = re.compile(
    r"(?P<step>urge|notice|list)\s+(?P<amount>[+-]?\d{1,6})\s+working\s+"
    r"(?P<unit>days?|hours?)\s+(?P<direction>before|after)\s+(?:the\s+)?(?:due|deadline)",
    re.IGNORECASE,
)
_ZH = re.compile(
    r"(?P<direction>到期前|逾期后|逾期超过|到期后)(?P<amount>[+-]?\d{1,6})个?"
    r"(?P<unit>工作日|工作小时)(?:后|时)?(?:发|发出|列入)?(?P<step>催办通知书|通知书|催办|通报)"
)
_EN_STEPS: dict[str, Step] = {"urge": "urge", "notice": "notice", "list": "notice_list"}
_ZH_STEPS: dict[str, Step] = {
    "催办": "urge",
    "催办通知书": "notice",
    "通知书": "notice",
    "通报": "notice_list",
}


@dataclass(frozen=True)
class Rule:
    step: Step
    amount: int
    unit: str  # working_days, working_hours
    direction: str  # before, after
    text: str

    def seconds(self, day_seconds: float) -> float:
        """The offset in working seconds (a working day is the calendar's day length)."""
        return self.amount * (day_seconds if self.unit == "working_days" else 3600.0)


@dataclass(frozen=True)
class RuleError:
    line: int  # 0-based index of the rule
    code: str
    zh: str
    en: str


def parse_line(text: str) -> Rule | None:
    line = " ".join(text.split())
    if m := _EN.fullmatch(line):
        unit = "working_days" if m["unit"].lower().startswith("day") else "working_hours"
        return Rule(
            _EN_STEPS[m["step"].lower()], int(m["amount"]), unit, m["direction"].lower(), line
        )
    if m := _ZH.fullmatch(line.replace(" ", "")):
        unit = "working_days" if m["unit"] == "工作日" else "working_hours"
        direction = "before" if m["direction"] == "到期前" else "after"
        return Rule(_ZH_STEPS[m["step"]], int(m["amount"]), unit, direction, line)
    return None


def parse(lines: list[str], day_seconds: float) -> tuple[list[Rule], list[RuleError]]:
    """The ladder's rules, or every refusal (with its line) when any line is refused."""
    errors: list[RuleError] = []
    rules: list[tuple[int, Rule]] = []
    if len(lines) > MAX_LINES:
        errors.append(
            RuleError(
                MAX_LINES, "rule_too_many", f"最多 {MAX_LINES} 条规则", f"At most {MAX_LINES} rules"
            )
        )
    for n, text in enumerate(lines[:MAX_LINES]):
        if not text.strip():
            continue
        if len(text) > LINE_MAX:
            errors.append(
                RuleError(
                    n,
                    "rule_too_long",
                    f"规则不能超过 {LINE_MAX} 字",
                    f"A rule has at most {LINE_MAX} characters",
                )
            )
            continue
        rule = parse_line(text)
        if rule is None:
            errors.append(
                RuleError(
                    n,
                    "rule_unparsable",
                    "无法识别的规则，例如：到期前1个工作日催办",
                    "Not a rule; write e.g. 'urge 1 working day before due'",
                )
            )
            continue
        error = _check_one(n, rule)
        if error is not None:
            errors.append(error)
            continue
        rules.append((n, rule))
    seen: dict[str, int] = {}
    for n, rule in rules:
        if rule.step in seen:
            errors.append(
                RuleError(
                    n,
                    "rule_duplicate_step",
                    f"“{STEP_WORDS[rule.step][0]}”已有规则（第 {seen[rule.step] + 1} 条）",
                    f"Another rule (line {seen[rule.step] + 1}) is for the same step",
                )
            )
        else:
            seen[rule.step] = n
    by_step = {rule.step: (n, rule) for n, rule in rules}
    if "notice" in by_step and "notice_list" in by_step:
        _, notice = by_step["notice"]
        n, listed = by_step["notice_list"]
        if listed.seconds(day_seconds) <= notice.seconds(day_seconds):
            errors.append(
                RuleError(
                    n,
                    "rule_order",
                    "通报应晚于催办通知书，否则阶梯颠倒",
                    "The notice list must come later than the notice: the ladder goes backwards",
                )
            )
    if errors:
        return [], sorted(errors, key=lambda e: e.line)
    return [rule for _, rule in sorted(rules, key=lambda r: STEPS.index(r[1].step))], []


def _check_one(n: int, rule: Rule) -> RuleError | None:
    if rule.amount <= 0:
        return RuleError(
            n, "rule_negative_offset", "时间应为正整数", "The amount must be a whole number above 0"
        )
    if rule.amount > MAX_AMOUNT[rule.unit]:
        return RuleError(
            n,
            "rule_offset_too_large",
            f"时间不能超过 {MAX_AMOUNT[rule.unit]}",
            f"The amount may be at most {MAX_AMOUNT[rule.unit]}",
        )
    wanted = "before" if rule.step == "urge" else "after"
    if rule.direction != wanted:
        zh, en = (
            ("自动催办应在到期前", "An automatic urge comes before the deadline")
            if rule.step == "urge"
            else ("催办通知书和通报应在逾期后", "A notice or notice list comes after the deadline")
        )
        return RuleError(n, "rule_wrong_side", zh, en)
    return None
