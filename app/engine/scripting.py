"""A restricted script engine for BPMN script tasks and gateway conditions.

Scripts in our diagrams only move routing values between task-data variables. So they run
with a short list of harmless builtins (no `__import__`, `open`, `eval`, `exec`, `getattr`,
`compile`, ...), and a static check at deploy time refuses imports, dunder names and
attribute access to private names before any script can run.
"""

from __future__ import annotations

import ast
import builtins

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

SAFE_BUILTINS = {
    name: getattr(builtins, name)
    for name in [
        "abs",
        "all",
        "any",
        "bool",
        "dict",
        "enumerate",
        "filter",
        "float",
        "int",
        "isinstance",
        "len",
        "list",
        "max",
        "min",
        "range",
        "reversed",
        "round",
        "set",
        "sorted",
        "str",
        "sum",
        "tuple",
        "zip",
        "True",
        "False",
        "None",
    ]
}


class ScriptRefused(ValueError):
    """A script uses something the restricted engine does not allow."""


def check_script(source: str) -> None:
    """Refuse scripts that could reach outside task data."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ScriptRefused(f"syntax error: {exc.msg} (line {exc.lineno})") from exc
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            raise ScriptRefused("imports are not allowed in scripts")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise ScriptRefused(f"access to '{node.attr}' is not allowed in scripts")
        if isinstance(node, ast.Name) and node.id.startswith("__"):
            raise ScriptRefused(f"the name '{node.id}' is not allowed in scripts")
        if isinstance(
            node, (ast.Global, ast.Nonlocal, ast.Lambda, ast.ClassDef, ast.AsyncFunctionDef)
        ):
            raise ScriptRefused(f"{type(node).__name__} is not allowed in scripts")


class RestrictedEnvironment(TaskDataEnvironment):
    def __init__(self) -> None:
        super().__init__({"__builtins__": SAFE_BUILTINS})


script_engine = PythonScriptEngine(environment=RestrictedEnvironment())
