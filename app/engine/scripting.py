"""The sandbox every piece of a diagram's code runs in.

SpiffWorkflow evaluates everything a diagram carries — script tasks, pre- and post-scripts,
gateway conditions, multi-instance and loop expressions, event and message expressions —
through its script engine's `environment.evaluate` / `environment.execute` (a few places call
the environment directly). So the environment is the one place to hold the line:
`SandboxEnvironment` compiles with RestrictedPython under our rules (compiler.py, cached by
source text), runs with the guards and the allow-listed builtins of guards.py and under the
watchdog's time and memory limits (watchdog.py), and checks that the variables a script leaves
in task data can be stored.

Every failure is a ScriptError with a code, a reason and, where known, the line of the code;
the engine adds the element id (ScriptEngine below) and the runner turns it into an
EngineError.
"""

from __future__ import annotations

from collections.abc import Callable
from types import CodeType, TracebackType
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from app.engine.compiler import ScriptRefused, compile_code
from app.engine.guards import SCRIPT_BUILTINS, ScriptDenied, storable_problem
from app.engine.watchdog import SCRIPT_FILENAME, ScriptLimitExceeded, Watchdog

if TYPE_CHECKING:
    from SpiffWorkflow.task import Task  # untyped: Any to mypy, named for the reader

__all__ = ["ScriptError", "ScriptRefused", "SandboxEnvironment", "script_engine"]

SCRIPT_ERROR = "script_error"
SCRIPT_LIMIT_EXCEEDED = "script_limit_exceeded"


class ScriptError(Exception):
    """A diagram's code was refused, failed or was stopped while the engine ran it."""

    def __init__(self, code: str, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.code, self.reason, self.line = code, reason, line
        self.element_id = ""
        self.what = ""

    def __str__(self) -> str:
        where = " ".join(
            p
            for p in (
                f"[{self.element_id}]" if self.element_id else "",
                self.what,
                f"line {self.line}" if self.line else "",
            )
            if p
        )
        return f"{where}: {self.reason}" if where else self.reason


_T = TypeVar("_T")


def _line_of(tb: TracebackType | None) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == SCRIPT_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _run(call: Callable[[], _T]) -> _T:
    """Call `call` (which runs compiled diagram code) under the watchdog; every failure
    becomes a ScriptError."""
    try:
        with Watchdog():
            return call()
    except ScriptError:
        raise
    except ScriptLimitExceeded as exc:
        line = exc.line or _line_of(exc.__traceback__)
        raise ScriptError(SCRIPT_LIMIT_EXCEEDED, exc.reason, line) from None
    except ScriptDenied as exc:
        raise ScriptError(SCRIPT_ERROR, str(exc), _line_of(exc.__traceback__)) from None
    except (MemoryError, RecursionError) as exc:
        reason = "out of memory" if isinstance(exc, MemoryError) else "recursion too deep"
        raise ScriptError(SCRIPT_LIMIT_EXCEEDED, reason, _line_of(exc.__traceback__)) from None
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
        raise ScriptError(SCRIPT_ERROR, reason, _line_of(exc.__traceback__)) from None


def _compiled(source: str | None, mode: str) -> CodeType:
    try:
        return compile_code(source, mode)
    except ScriptRefused as exc:
        raise ScriptError(SCRIPT_ERROR, exc.reason, exc.line) from None


# SpiffWorkflow has no types: to mypy its classes are Any, which a class may not subclass
# unless told (disallow_subclassing_any).
class SandboxEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__({})

    def evaluate(
        self,
        expression: str | None,
        context: dict[str, Any],
        external_context: dict[str, Any] | None = None,
    ) -> object:
        code = _compiled(expression, "eval")
        scope = {**external_context, **context} if external_context else dict(context)
        scope["__builtins__"] = SCRIPT_BUILTINS
        return _run(lambda: eval(code, scope))

    def execute(
        self,
        script: str | None,
        context: dict[str, Any],
        external_context: dict[str, Any] | None = None,
    ) -> bool:
        """Runs with the task data as its globals, as SpiffWorkflow's TaskDataEnvironment does:
        what the script assigns is task data afterwards."""
        code = _compiled(script, "exec")
        before = {key: id(value) for key, value in context.items()}
        added = {k: v for k, v in (external_context or {}).items() if k not in context}

        def run() -> None:
            context.update(added)
            context["__builtins__"] = SCRIPT_BUILTINS
            try:
                exec(code, context)
            finally:
                context.pop("__builtins__", None)
                for key in added:
                    context.pop(key, None)
                # Functions a script defines (and builtins it assigned) are not data.
                for key in [k for k, v in context.items() if callable(v)]:
                    del context[key]
            _check_left(context, before)

        _run(run)
        return True

    def call_service(self, context: dict[str, Any], **kwargs: object) -> NoReturn:
        raise ScriptError(SCRIPT_ERROR, "service tasks are not supported")


def _check_left(context: dict[str, object], before: dict[str, int]) -> None:
    """The variables the script assigned must be storable (values it put into existing lists
    and dicts were checked when it put them there)."""
    for key, value in context.items():
        if before.get(key) != id(value):
            problem = storable_problem(value)
            if problem is not None:
                raise ScriptError(
                    SCRIPT_ERROR,
                    f"the variable '{key}' holds {problem}, which task data cannot store",
                )


class ScriptEngine(PythonScriptEngine):  # type: ignore[misc]  # SpiffWorkflow's: Any to mypy
    """SpiffWorkflow's engine with our environment; names the element in every error."""

    environment: SandboxEnvironment  # set by PythonScriptEngine.__init__

    def __init__(self) -> None:
        super().__init__(environment=SandboxEnvironment())

    def validate(self, expression: str | None) -> None:
        _compiled(expression, "eval")

    def evaluate(
        self, task: Task, expression: str | None, external_context: dict[str, Any] | None = None
    ) -> object:
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except ScriptError as exc:
            raise _located(exc, task, expression) from None

    def execute(
        self, task: Task, script: str | None, external_context: dict[str, Any] | None = None
    ) -> bool:
        try:
            return self.environment.execute(script, task.data, external_context or {})
        except ScriptError as exc:
            raise _located(exc, task, script) from None

    def call_service(self, task: Task, **kwargs: object) -> NoReturn:
        raise _located(ScriptError(SCRIPT_ERROR, "service tasks are not supported"), task, "")


def _located(exc: ScriptError, task: Task, source: str | None) -> ScriptError:
    spec = task.task_spec
    exc.element_id = getattr(spec, "bpmn_id", None) or spec.name
    for what in ("script", "prescript", "postscript", "cardinality", "condition"):
        if getattr(spec, what, None) is source:
            exc.what = {"prescript": "preScript", "postscript": "postScript"}.get(what, what)
            break
    else:
        exc.what = f"expression `{_short(source)}`"
    return exc


def _short(source: str | None, width: int = 60) -> str:
    text = " ".join((source or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


script_engine = ScriptEngine()
