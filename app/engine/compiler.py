"""Compile a diagram's code with RestrictedPython under Minqing's rules; cache by source text.

Two passes over the parsed code. `_Checks` refuses, with the line and a reason a designer can
act on, what a script may never do: imports, try/with (a script must not catch the engine
stopping it), lambdas, classes, global/nonlocal, names starting with "_", Python builtins
that are not offered (open, eval, getattr, type, vars, ...), attributes no data type offers
(format, mro, gi_frame, ...), %-formatting of strings, f-string format specs that are not
small constants, and constant expressions whose value would be too large ('x' * 10**10,
10**10**8). Then RestrictedPython's transformer (with its own checks) rewrites attribute,
item, iteration and write access into guard calls, and `_Rewrite` adds ours: `+ * ** << %`
through size guards, f-string fields through `_fmt_`. The guards themselves live in
guards.py.

The same compiler runs at deploy (parsing.py checks every piece of code a diagram carries) and
at run time (scripting.py), so a diagram that deployed compiles the same way when it runs.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Iterator
from types import CodeType
from typing import TypeVar

from RestrictedPython import (
    RestrictingNodeTransformer,
    compile_restricted_eval,
    compile_restricted_exec,
)
from RestrictedPython.transformer import copy_locations

from app.engine.guards import (
    ATTRIBUTE_NAMES,
    BINOP_GUARDS,
    CHECKS,
    DENIED_BUILTINS,
    ScriptDenied,
)
from app.engine.watchdog import SCRIPT_FILENAME, ScriptLimitExceeded

CACHE_SIZE = 4096
MAX_FORMAT_NUMBER = 1000  # the largest width or precision an f-string format spec may ask for


class ScriptRefused(ValueError):
    """The code cannot run in the sandbox; refused before it runs."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason + (f" (line {line})" if line else ""))
        self.reason, self.line = reason, line


_REFUSED_STATEMENTS = {
    ast.Import: "imports are not allowed in scripts",
    ast.ImportFrom: "imports are not allowed in scripts",
    ast.Try: "try statements are not allowed in scripts",
    ast.With: "with statements are not allowed in scripts",
    ast.AsyncWith: "with statements are not allowed in scripts",
    ast.Lambda: "Lambda is not allowed in scripts",
    ast.ClassDef: "ClassDef is not allowed in scripts",
    ast.Global: "Global is not allowed in scripts",
    ast.Nonlocal: "Nonlocal is not allowed in scripts",
    ast.AsyncFunctionDef: "AsyncFunctionDef is not allowed in scripts",
    ast.Await: "Await is not allowed in scripts",
    ast.AsyncFor: "AsyncFor is not allowed in scripts",
}
if hasattr(ast, "TryStar"):  # Python 3.11+
    _REFUSED_STATEMENTS[ast.TryStar] = "try statements are not allowed in scripts"

_NOT_CONSTANT = object()
FOLD_MAX_BYTES = 4096  # constants larger than this are not built at deploy (as CPython's own)
_UNARY = {ast.USub: lambda v: -v, ast.UAdd: lambda v: +v, ast.Invert: lambda v: ~v}


class _Checks(ast.NodeVisitor):
    def __init__(self, tree: ast.AST) -> None:
        self.problems: list[tuple[int, int, int, str]] = []
        # Names the code assigns itself may shadow a builtin; only a load of a builtin that is
        # never assigned means the builtin.
        self.assigned = (
            {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not _loads(n)}
            | {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
            | {a.arg for n in ast.walk(tree) if isinstance(n, ast.arguments) for a in _args(n)}
        )
        self.folded: set[int] = set()

    def problem(self, node: ast.AST, reason: str) -> None:
        # Reported in reading order: of `__import__('os').system`, the name comes first.
        end = (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)
        self.problems.append((getattr(node, "lineno", 0), *end, reason))

    def generic_visit(self, node: ast.AST) -> None:
        reason = _REFUSED_STATEMENTS.get(type(node))
        if reason is not None:
            self.problem(node, reason)
        super().generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id.startswith("_"):
            self.problem(node, f"the name '{node.id}' is not allowed in scripts")
        elif _loads(node) and node.id in DENIED_BUILTINS and node.id not in self.assigned:
            self.problem(node, f"'{node.id}' is not available in scripts")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr.startswith("_"):
            self.problem(node, f"access to '{node.attr}' is not allowed in scripts")
        elif node.attr not in ATTRIBUTE_NAMES:
            self.problem(node, f"the attribute '{node.attr}' is not available in scripts")
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        left = node.left
        if (
            isinstance(node.op, ast.Mod)
            and isinstance(left, ast.Constant)
            and isinstance(left.value, (str, bytes))
        ):
            self.problem(node, "%-formatting of strings is not allowed in scripts; use an f-string")
        if id(node) not in self.folded:  # an operand of an expression already folded
            try:
                self._fold(node)
            except ScriptLimitExceeded as exc:
                self.problem(node, exc.reason)
        self.generic_visit(node)

    def _fold(self, node: ast.AST) -> object:
        """The value of a constant expression, computed through the size guards (which refuse
        before computing), or _NOT_CONSTANT. Values past FOLD_MAX_BYTES are not computed (a
        deploy must not build them), so only small constants combine: '1' * 10**10 is refused
        here, a larger constant that grows too large is stopped when it runs."""
        if isinstance(node, ast.Constant):
            return node.value if _fold_size(node.value) <= FOLD_MAX_BYTES else _NOT_CONSTANT
        self.folded.add(id(node))
        if isinstance(node, (ast.List, ast.Tuple)):
            items, total = [], 0
            for element in node.elts:
                item = self._fold(element)
                total += _fold_size(item) if item is not _NOT_CONSTANT else FOLD_MAX_BYTES + 1
                if total > FOLD_MAX_BYTES:
                    return _NOT_CONSTANT
                items.append(item)
            return items if isinstance(node, ast.List) else tuple(items)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            operand = self._fold(node.operand)
            if operand is _NOT_CONSTANT:
                return _NOT_CONSTANT
            return _quietly(_UNARY[type(node.op)], operand)
        if isinstance(node, ast.BinOp):
            left, right = self._fold(node.left), self._fold(node.right)
            if left is _NOT_CONSTANT or right is _NOT_CONSTANT:
                return _NOT_CONSTANT
            check = CHECKS.get(type(node.op).__name__)
            if check is not None:
                check(left, right)
            if _result_size(type(node.op), left, right) > FOLD_MAX_BYTES:
                return _NOT_CONSTANT
            return _quietly(_BINARY.get(type(node.op)), left, right)
        return _NOT_CONSTANT

    def visit_FormattedValue(self, node: ast.FormattedValue) -> None:
        spec = node.format_spec
        if spec is not None:
            parts = spec.values if isinstance(spec, ast.JoinedStr) else [spec]
            if not all(isinstance(p, ast.Constant) for p in parts):
                self.problem(node, "f-string format specs must be constants in scripts")
            else:
                text = "".join(str(p.value) for p in parts if isinstance(p, ast.Constant))
                if any(int(n) > MAX_FORMAT_NUMBER for n in re.findall(r"\d+", text)):
                    self.problem(
                        node,
                        f"f-string format specs may ask for at most {MAX_FORMAT_NUMBER} "
                        "characters in scripts",
                    )
        self.visit(node.value)


def _quietly(function: Callable[..., object] | None, *args: object) -> object:
    # An error in a constant expression (1 / 0, 'a' - 1) is the script's run-time error.
    if function is None:
        return _NOT_CONSTANT
    try:
        return function(*args)
    except Exception:
        return _NOT_CONSTANT


_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Pow: lambda a, b: a**b,
    ast.LShift: lambda a, b: a << b,
    ast.FloorDiv: lambda a, b: a // b,
}


def _fold_size(value: object) -> int:
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, int):
        return abs(value).bit_length() // 8
    if isinstance(value, (list, tuple)):
        return len(value) + sum(_fold_size(v) for v in value)
    return 8


def _result_size(op: type, left: object, right: object) -> int:
    """About the size of `left op right`, before computing it (the guard passed it)."""
    if op is ast.Mult and isinstance(right, int) and not isinstance(left, int):
        return _fold_size(left) * max(right, 0)
    if op is ast.Mult and isinstance(left, int) and not isinstance(right, int):
        return _fold_size(right) * max(left, 0)
    if op is ast.Pow and isinstance(left, int) and isinstance(right, int) and right > 0:
        return int(right * math.log2(abs(left) or 1)) // 8
    if op is ast.LShift and isinstance(left, int) and isinstance(right, int):
        return (abs(left).bit_length() + max(right, 0)) // 8
    return _fold_size(left) + _fold_size(right)


def _loads(node: ast.Name) -> bool:
    return isinstance(node.ctx, ast.Load)


def _args(arguments: ast.arguments) -> Iterator[ast.arg]:
    yield from arguments.posonlyargs
    yield from arguments.args
    yield from arguments.kwonlyargs
    if arguments.vararg:
        yield arguments.vararg
    if arguments.kwarg:
        yield arguments.kwarg


_Loop = TypeVar("_Loop", ast.While, ast.For)


class _Rewrite(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus: size-amplifying operators and f-string fields go
    through guards."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        node = self.node_contents_visit(node)
        guard = BINOP_GUARDS.get(type(node.op).__name__)
        if guard is None:
            return node
        call = ast.Call(func=ast.Name(guard, ast.Load()), args=[node.left, node.right], keywords=[])
        copy_locations(call, node)
        copy_locations(call.func, node)
        return call

    def visit_While(self, node: ast.While) -> ast.While:
        visited = super().visit_While(node)
        assert isinstance(visited, ast.While)
        return self._ticking(visited)

    def visit_For(self, node: ast.For) -> ast.For:
        visited = super().visit_For(node)  # keeps RestrictedPython's _getiter_
        assert isinstance(visited, ast.For)
        return self._ticking(visited)

    @staticmethod
    def _ticking(loop: _Loop) -> _Loop:
        """Start each pass of a loop with `_tick_()`: a loop whose body compiles to nothing
        (`while True: pass`, `while 1: 0`) jumps to its own line and fires no line event, so
        the watchdog's tracer alone would never see it again."""
        name = ast.Name("_tick_", ast.Load())
        call = ast.Call(func=name, args=[], keywords=[])
        tick = ast.Expr(call)
        for node in (tick, call, name):
            copy_locations(node, loop.body[0])
        loop.body.insert(0, tick)
        return loop

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.FormattedValue:
        node = self.node_contents_visit(node)
        call = ast.Call(func=ast.Name("_fmt_", ast.Load()), args=[node.value], keywords=[])
        copy_locations(call, node.value)
        copy_locations(call.func, node.value)
        node.value = call
        return node


_LINE = re.compile(r"^Line (\d+): (.*)$", re.S)
_cache: dict[tuple[str, str], CodeType] = {}


def compile_code(source: str | None, mode: str) -> CodeType:
    """The compiled code of a script (mode "exec") or an expression ("eval"). Raises
    ScriptRefused with the line and the reason."""
    source = source or ""
    key = (mode, source)
    code = _cache.get(key)
    if code is None:
        code = _compile(source, mode)
        if len(_cache) >= CACHE_SIZE:
            del _cache[next(iter(_cache))]
        _cache[key] = code
    return code


def _compile(source: str, mode: str) -> CodeType:
    if mode == "eval":
        source = source.lstrip(" \t")  # as eval() does with a string
    try:
        tree = ast.parse(source, SCRIPT_FILENAME, mode)
    except SyntaxError as exc:
        raise ScriptRefused(f"syntax error: {exc.msg}", exc.lineno) from None
    except (ValueError, MemoryError, RecursionError) as exc:
        raise ScriptRefused(f"the code cannot be parsed: {exc}") from None
    checks = _Checks(tree)
    try:
        checks.visit(tree)
    except RecursionError:
        raise ScriptRefused("the code is nested too deeply") from None
    except ScriptDenied as exc:  # pragma: no cover - the checks raise none today
        raise ScriptRefused(str(exc)) from None
    if checks.problems:
        line, *_, reason = min(checks.problems, key=lambda p: p[:3])
        raise ScriptRefused(reason, line)
    assert isinstance(tree, ast.Module | ast.Expression)  # what "exec" and "eval" parse to
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(tree, SCRIPT_FILENAME, policy=_Rewrite)
    if result.errors:
        match = _LINE.match(result.errors[0])
        if match:
            raise ScriptRefused(match.group(2), int(match.group(1)))
        raise ScriptRefused(result.errors[0])
    code: CodeType | None = result.code
    if code is None:  # RestrictedPython reports every failure in `errors`, handled above
        raise ScriptRefused("the script did not compile")
    return code
