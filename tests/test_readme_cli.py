"""The README's CLI walkthrough works as written: each `flask ...` line of the ```sh block under
"## CLI" runs through Flask's CLI runner against the test city (the demo city's organisation,
the same ids), with the case number `cases create` printed in place of the README's example."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
CASE_NUMBER = re.compile(r"\b[0-9]{8}-[0-9]{6}\b")


def cli_block() -> list[list[str]]:
    """The commands of the first ```sh block after "## CLI", comments and blank lines left out."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("\n## CLI\n") :]
    block = section[section.index("```sh\n") + len("```sh\n") :]
    block = block[: block.index("```")]
    commands = []
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            assert words[0] == "flask", f"not a flask command: {line}"
            commands.append(words[1:])
    return commands


def test_the_readme_cli_block_runs_top_to_bottom(app):
    commands = cli_block()
    assert any(words[:2] == ["cases", "create"] for words in commands)
    runner = app.test_cli_runner()
    number = None
    outputs = []
    for words in commands:
        if number:
            words = [CASE_NUMBER.sub(number, word) for word in words]
        result = runner.invoke(args=words)
        assert result.exit_code == 0, f"flask {shlex.join(words)}\n{result.output}"
        outputs.append(result.output)
        if words[:2] == ["cases", "create"]:
            number = CASE_NUMBER.match(result.output).group()
    assert '"status": "closed"' in outputs[-1]  # the walkthrough ends with the case closed


def test_departments_lists_ids_and_codes(app, dept):
    result = app.test_cli_runner().invoke(args=["cases", "departments"])
    assert result.exit_code == 0, result.output
    rows = {line.split()[1]: int(line.split()[0]) for line in result.output.splitlines()[1:]}
    assert rows["urban"] == dept("urban")
    assert rows["east_urban"] == dept("east_urban")
