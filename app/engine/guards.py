"""What a diagram's code may touch at run time: the builtins, the attributes of plain data, and
the guards RestrictedPython's compiled code calls for every attribute, item, iteration, write
and size-amplifying operator.

A script sees task data (str, int, float, bool, None, lists, dicts, tuples, sets) and the
builtins below, nothing else. Every attribute access goes through `guarded_getattr`, which
answers only the names in ATTRIBUTES for the exact type of the object; every other object (a
type, a function, a generator, a frame) has no attributes at all. Operators that can build a
huge value in one C call (`*`, `**`, `<<`, `+`; `%` on strings) and the builtins and methods
that can (`str()`, `join`, `replace`, `split`, `list(s)`, `range`, ...) check the size of
their result first and refuse before computing it. Values written into lists and dicts, and
the variables a script leaves behind, must be storable as task data (JSON).
"""

from __future__ import annotations

import builtins
import math
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol, SupportsIndex, TypeAlias, TypeGuard, TypeVar

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence

from app.engine import limits, watchdog
from app.engine.watchdog import ScriptLimitExceeded


class ScriptDenied(Exception):
    """The code used something the sandbox does not offer (an attribute, a write, an operator
    on a type). Raised at run time, for what the deploy check cannot see statically."""


# -- types -----------------------------------------------------------------------------------

# A script's values reach the guards as RestrictedPython's compiled code passes them: anything
# the script computed. They are `object` where the guards only pass them on or mypy follows
# the checks made on them (`type(x) is str`, isinstance), and `_Value` (Any) where a guard
# uses one after a check mypy cannot follow: a test of membership (`type(x) in (str, bytes)`)
# or a type held in a variable (`kind is str`). Not `object` and a cast there: `cast` is a
# Python call, and while a script runs every Python call is a trace event of the watchdog's
# (casts in the item, write and operator guards made a script's loop about 13% slower).
_Value: TypeAlias = Any

_T = TypeVar("_T")
_Sequence: TypeAlias = str | bytes | list[object] | tuple[object, ...]
_Check: TypeAlias = Callable[[object, object], None]  # refuses before an operator runs
_Operator: TypeAlias = Callable[[object, object], object]  # operator.add and the like


class _ListOrDict(Protocol):
    """What `_write_` writes into (a list or a dict), by whatever key the script gives: the
    list or dict itself refuses a key of the wrong type."""

    def __len__(self) -> int: ...

    def __setitem__(self, key: Any, value: Any, /) -> None: ...

    def __delitem__(self, key: Any, /) -> None: ...


# -- sizes ------------------------------------------------------------------------------------

_STRINGS = (str, bytes)
_SEQUENCES = (str, bytes, list, tuple)


def _size_of(value: _Sequence) -> int:
    """Bytes a str/bytes value takes, or items a list/tuple holds."""
    if type(value) is str and not value.isascii():
        return len(value) * 4
    return len(value)


def _refuse_size(what: str, size: int, cap: int, unit: str) -> None:
    raise ScriptLimitExceeded(
        "size", f"{what} would hold {size:,} {unit}, past the limit of {cap:,} {unit}"
    )


def _check_sequence(value: object, size: int) -> None:
    current = limits.current()
    if type(value) in _STRINGS:
        if size > current.max_value_bytes:
            _refuse_size(f"a {type(value).__name__}", size, current.max_value_bytes, "bytes")
    elif size > current.max_items:
        _refuse_size(f"a {type(value).__name__}", size, current.max_items, "items")


def _check_int_bits(bits: float) -> None:
    if bits > limits.MAX_INT_BITS:
        _refuse_size("an integer", int(bits), limits.MAX_INT_BITS, "bits")


def _int(value: object) -> TypeGuard[int]:
    return isinstance(value, int)


# -- operators (the compiler rewrites `a + b` into `_add_(a, b)` and so on) --------------------


def check_add(a: _Value, b: _Value) -> None:
    ta = type(a)
    if ta in _SEQUENCES and type(b) is ta:
        _check_sequence(a, _size_of(a) + _size_of(b))


def check_mul(a: _Value, b: _Value) -> None:
    if type(a) in _SEQUENCES and _int(b):
        seq, times = a, b
    elif type(b) in _SEQUENCES and _int(a):
        seq, times = b, a
    else:
        if _int(a) and _int(b) and a and b:
            _check_int_bits(abs(a).bit_length() + abs(b).bit_length())
        return
    if times > 1:
        _check_sequence(seq, _size_of(seq) * times)


def check_pow(a: object, b: object) -> None:
    if _int(a) and _int(b) and b > 1 and abs(a) > 1:
        _check_int_bits(b * math.log2(abs(a)))


def check_lshift(a: object, b: object) -> None:
    if _int(a) and _int(b) and a and b > 0:
        _check_int_bits(abs(a).bit_length() + b)


def check_mod(a: object, b: object) -> None:
    if type(a) in _STRINGS:
        raise ScriptDenied("%-formatting of strings is not allowed in scripts; use an f-string")


def _guarded(check: _Check, apply: _Operator) -> _Operator:
    def guard(a: object, b: object) -> object:
        check(a, b)
        return apply(a, b)

    return guard


guarded_add = _guarded(check_add, operator.add)
guarded_mul = _guarded(check_mul, operator.mul)
guarded_pow = _guarded(check_pow, operator.pow)
guarded_lshift = _guarded(check_lshift, operator.lshift)
guarded_mod = _guarded(check_mod, operator.mod)

BINOP_GUARDS = {
    "Add": "_add_",
    "Mult": "_mul_",
    "Pow": "_pow_",
    "LShift": "_lshift_",
    "Mod": "_mod_",
}
CHECKS: dict[str, _Check] = {
    "Add": check_add,
    "Mult": check_mul,
    "Pow": check_pow,
    "LShift": check_lshift,
}

_INPLACE: dict[str, tuple[_Check | None, _Operator]] = {
    "+=": (check_add, operator.iadd),
    "-=": (None, operator.isub),
    "*=": (check_mul, operator.imul),
    "/=": (None, operator.itruediv),
    "//=": (None, operator.ifloordiv),
    "%=": (check_mod, operator.imod),
    "**=": (check_pow, operator.ipow),
    "<<=": (check_lshift, operator.ilshift),
    ">>=": (None, operator.irshift),
    "|=": (None, operator.ior),
    "&=": (None, operator.iand),
    "^=": (None, operator.ixor),
}


def guarded_inplacevar(op: str, x: object, y: object) -> object:
    """`x += y` (names only: RestrictedPython refuses augmented assignment to items and
    attributes). In-place on a list or dict changes the object itself, maybe task data."""
    check, apply = _INPLACE[op]
    if check is not None:
        check(x, y)
    if type(x) in (list, dict) and op in ("+=", "|="):
        check_storable(y, into=x)
    return apply(x, y)


# -- storable values -------------------------------------------------------------------------

_SCALARS = (str, int, float, bool, type(None))
MAX_DEPTH = 64
_INT_RANGE = (-(2**63), 2**64)  # what the state's JSON encoder (orjson) stores


def storable_problem(value: object, into: object | None = None) -> str | None:
    """Why `value` cannot be stored in task data (the state is stored as JSON), or None.
    `into`: the list or dict it is being put in (a value that reaches it would make a cycle;
    every way a script can put a value into a list or dict checks this, so values are trees
    or DAGs, and a container met twice is checked once)."""
    stack: list[tuple[_Value, int]] = [(value, 0)]
    checked: set[int] = set()
    steps = 0
    while stack:
        item, depth = stack.pop()
        steps += 1
        if steps % 10_000 == 0:
            watchdog.check()
        kind = type(item)
        if kind is str:
            if not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    return "a string that is not valid Unicode"
        elif kind is int:
            if not _INT_RANGE[0] <= item < _INT_RANGE[1]:
                return "an integer outside the 64-bit range"
        elif kind in _SCALARS:
            pass
        elif kind in (list, tuple, dict):
            if item is into:
                return "a value that contains itself"
            if depth >= MAX_DEPTH:
                return f"values nested deeper than {MAX_DEPTH} levels"
            if id(item) in checked:
                continue
            checked.add(id(item))
            if kind is not dict and _plain_scalars(item):
                continue
            if kind is dict:
                for key, val in item.items():
                    if type(key) is not str:
                        return f"a dict key of type {type(key).__name__} (keys must be strings)"
                    stack.append((val, depth + 1))
            else:
                stack.extend((v, depth + 1) for v in item)
        else:
            return f"a value of type {kind.__name__}"
    return None


_PLAIN = frozenset([float, bool, type(None)])


def _plain_scalars(items: Sequence[_Value]) -> bool:
    """True when a list or tuple holds only storable scalars, checked with C-speed loops: a
    script that grows a list of a million numbers must not pay a Python step per number."""
    kinds = set(map(type, items))
    if kinds <= _PLAIN:
        return True
    if kinds == {int}:
        in_range: bool = _INT_RANGE[0] <= min(items) and max(items) < _INT_RANGE[1]
        return in_range
    if kinds == {str}:
        return all(map(str.isascii, items))
    return False


def check_storable(value: object, into: object | None = None) -> None:
    problem = storable_problem(value, into)
    if problem is not None:
        raise ScriptDenied(f"task data cannot hold {problem}")


# -- attributes ------------------------------------------------------------------------------

# Per exact type, the attributes a script may read. Left out on purpose: str.format/format_map
# (reach attributes of arguments), ljust/rjust/center/zfill/expandtabs/translate/encode (size
# amplifiers or a way to bytes), dict.fromkeys, and every dunder.
ATTRIBUTES: dict[type, frozenset[str]] = {
    str: frozenset(
        [
            "capitalize",
            "casefold",
            "count",
            "endswith",
            "find",
            "index",
            "isalnum",
            "isalpha",
            "isascii",
            "isdecimal",
            "isdigit",
            "isidentifier",
            "islower",
            "isnumeric",
            "isspace",
            "istitle",
            "isupper",
            "join",
            "lower",
            "lstrip",
            "partition",
            "removeprefix",
            "removesuffix",
            "replace",
            "rfind",
            "rindex",
            "rpartition",
            "rsplit",
            "rstrip",
            "split",
            "splitlines",
            "startswith",
            "strip",
            "swapcase",
            "title",
            "upper",
        ]
    ),
    list: frozenset(
        [
            "append",
            "clear",
            "copy",
            "count",
            "extend",
            "index",
            "insert",
            "pop",
            "remove",
            "reverse",
            "sort",
        ]
    ),
    dict: frozenset(
        [
            "clear",
            "copy",
            "get",
            "items",
            "keys",
            "pop",
            "popitem",
            "setdefault",
            "update",
            "values",
        ]
    ),
    tuple: frozenset(["count", "index"]),
    set: frozenset(
        [
            "add",
            "clear",
            "copy",
            "difference",
            "difference_update",
            "discard",
            "intersection",
            "intersection_update",
            "isdisjoint",
            "issubset",
            "issuperset",
            "pop",
            "remove",
            "symmetric_difference",
            "symmetric_difference_update",
            "union",
            "update",
        ]
    ),
    frozenset: frozenset(
        [
            "copy",
            "difference",
            "intersection",
            "isdisjoint",
            "issubset",
            "issuperset",
            "symmetric_difference",
            "union",
        ]
    ),
    int: frozenset(["bit_length"]),
    float: frozenset(["is_integer"]),
    bool: frozenset(),
}
ATTRIBUTE_NAMES = frozenset().union(*ATTRIBUTES.values())


def _join(sep: str, iterable: _Value) -> str:
    if hasattr(iterable, "__len__"):
        _check_items(len(iterable))
    items = list(iterable)
    _check_items(len(items))
    total = sum(len(s) for s in items if type(s) is str) + len(sep) * max(len(items) - 1, 0)
    _check_sequence(sep, total * (1 if sep.isascii() else 4))
    return sep.join(items)


def _replace(s: str, old: str, new: str, count: int = -1) -> str:
    if type(old) is str and type(new) is str and len(new) > len(old):
        n = s.count(old) if old else len(s) + 1
        if count >= 0:
            n = min(n, count)
        _check_sequence(s, _size_of(s) + n * (len(new) - len(old)) * (1 if new.isascii() else 4))
    return s.replace(old, new, count)


def _split_items(s: str, sep: str | None, maxsplit: int) -> int:
    n = len(s) // 2 + 1 if sep is None else s.count(sep) + 1 if sep else 1
    return min(n, maxsplit + 1) if maxsplit >= 0 else n


def _split(s: str, sep: str | None = None, maxsplit: int = -1) -> list[str]:
    _check_items(_split_items(s, sep, maxsplit))
    return s.split(sep, maxsplit)


def _rsplit(s: str, sep: str | None = None, maxsplit: int = -1) -> list[str]:
    _check_items(_split_items(s, sep, maxsplit))
    return s.rsplit(sep, maxsplit)


def _splitlines(s: str, keepends: bool = False) -> list[str]:
    _check_items(len(s) + 1)
    return s.splitlines(keepends)


def _append(lst: list[object], value: object) -> None:
    check_storable(value, into=lst)
    lst.append(value)


def _insert(lst: list[object], index: SupportsIndex, value: object) -> None:
    check_storable(value, into=lst)
    lst.insert(index, value)


def _extend(lst: list[object], iterable: Iterable[object]) -> None:
    items = list(iterable)
    _check_items(len(lst) + len(items))
    check_storable(items, into=lst)
    lst.extend(items)


def _update(dct: dict[object, object], *args: object, **kwargs: object) -> None:
    new = dict(*args, **kwargs)
    check_storable(new, into=dct)
    dct.update(new)


def _setdefault(dct: dict[object, object], key: object, default: object = None) -> object:
    check_storable({key: default}, into=dct)
    return dct.setdefault(key, default)


_METHOD_GUARDS: dict[tuple[type, str], Callable[..., Any]] = {
    (str, "join"): _join,
    (str, "replace"): _replace,
    (str, "split"): _split,
    (str, "rsplit"): _rsplit,
    (str, "splitlines"): _splitlines,
    (list, "append"): _append,
    (list, "insert"): _insert,
    (list, "extend"): _extend,
    (dict, "update"): _update,
    (dict, "setdefault"): _setdefault,
}


def guarded_getattr(obj: object, name: str, *default: object) -> object:
    kind = type(obj)
    allowed = ATTRIBUTES.get(kind)
    if allowed is None or name not in allowed:
        raise ScriptDenied(f"scripts may not use the attribute '{name}' of a {kind.__name__}")
    guard = _METHOD_GUARDS.get((kind, name))
    if guard is not None:
        return _Bound(guard, obj)
    return getattr(obj, name)


class _Bound:
    """A method of task data with its guard in front. Has no attributes a script can read."""

    __slots__ = ("_guard", "_obj")

    def __init__(self, guard: Callable[..., object], obj: object) -> None:
        self._guard, self._obj = guard, obj

    def __call__(self, *args: object, **kwargs: object) -> object:
        return self._guard(self._obj, *args, **kwargs)


def _check_items(n: int) -> None:
    cap = limits.current().max_items
    if n > cap:
        _refuse_size("the result", n, cap, "items")


# -- items, iteration, writes ----------------------------------------------------------------

_SUBSCRIPTABLE = (str, bytes, list, tuple, dict, range)


def guarded_getitem(obj: _Value, key: object) -> object:
    if type(obj) not in _SUBSCRIPTABLE:
        raise ScriptDenied(f"scripts may not index a {type(obj).__name__}")
    return obj[key]


def guarded_getiter(obj: Iterable[_T]) -> Iterator[_T]:
    # Iterating is harmless in itself: every object a script can reach is plain data or a
    # builtin iterator, and a Python-level generator's frames are traced by the watchdog.
    return iter(obj)


class _Writable:
    """What `_write_(x)` returns for `x[k] = v` and `del x[k]`: checks the value is storable."""

    __slots__ = ("_obj",)

    def __init__(self, obj: _ListOrDict) -> None:
        self._obj = obj

    def __setitem__(self, key: object, value: _Value) -> None:
        obj = self._obj
        if type(obj) is dict:
            check_storable({key: value}, into=obj)
        elif type(key) is slice:
            value = list(value)
            _check_items(len(obj) + len(value))
            check_storable(value, into=obj)
        else:
            check_storable(value, into=obj)
        self._obj[key] = value

    def __delitem__(self, key: object) -> None:
        del self._obj[key]


def guarded_write(obj: _Value) -> _Writable:
    if type(obj) not in (dict, list):
        raise ScriptDenied(f"scripts may change lists and dicts only, not a {type(obj).__name__}")
    return _Writable(obj)


def guarded_apply(function: Callable[..., _T], *args: object, **kwargs: object) -> _T:
    return function(*args, **kwargs)


# -- builtins --------------------------------------------------------------------------------

_REPR_SCALAR: dict[type, int] = {bool: 5, type(None): 4, float: 24}
_CONTAINERS = (list, tuple, set, frozenset, dict)


def _scalar_size(item: _Value) -> int:
    kind = type(item)
    if kind is str:
        return len(item) + 2 if item.isascii() and item.isprintable() else len(item) * 10 + 2
    if kind is bytes:
        return len(item) * 4 + 3
    if kind is int:
        digits: int = item.bit_length() * 302 // 1000 + 2
        return digits
    return _REPR_SCALAR.get(kind, 200)


def repr_size(value: object, cap: int) -> int:
    """An upper bound of len(str(value)), capped at cap + 1. Each container is sized once (a
    list holding the same list a thousand times costs a thousand additions, not a thousand
    walks of it)."""
    if type(value) not in _CONTAINERS:
        return min(_scalar_size(value), cap + 1)
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[_Value] = [value]
    steps = 0
    while stack:
        item = stack[-1]
        key = id(item)
        if key in sizes:
            stack.pop()
            continue
        children = list(item.keys()) + list(item.values()) if type(item) is dict else item
        if key not in open_:
            open_.add(key)
            pending = {
                id(c): c
                for c in children
                if type(c) in _CONTAINERS and id(c) not in sizes and id(c) not in open_
            }
            if pending:
                stack.extend(pending.values())
                continue
        stack.pop()
        total = 2 + (4 if type(item) is dict else 2) * len(item)
        for child in children:
            steps += 1
            if type(child) in _CONTAINERS:
                total += sizes.get(id(child), 5)  # 5: "[...]", a reference back up the tree
            else:
                total += _scalar_size(child)
            if total > cap:
                return cap + 1
        sizes[key] = total
        if steps > 100_000:
            steps = 0
            watchdog.check()
    return sizes[id(value)]


def check_formatted(value: _T) -> _T:
    """The guard the compiler puts around every f-string field and str() argument."""
    if type(value) is not str:
        cap = limits.current().max_value_bytes
        if repr_size(value, cap) > cap:
            raise ScriptLimitExceeded(
                "size", f"the text of a value would be longer than the limit of {cap:,} bytes"
            )
    return value


def _str(*args: object, **kwargs: object) -> str:
    if args:
        check_formatted(args[0])
    return str(*args, **kwargs)


def _from_iterable(kind: Callable[..., _T]) -> Callable[..., _T]:
    def build(*args: _Value, **kwargs: object) -> _T:
        if args and type(args[0]) in _STRINGS:
            _check_items(len(args[0]))
        return kind(*args, **kwargs)

    build.__name__ = kind.__name__
    return build


def _range(*args: SupportsIndex) -> range:
    result = range(*args)
    _check_items(len(result))
    return result


def _sum(iterable: Iterable[float], start: object = 0) -> float:
    if not isinstance(start, (int, float)):
        raise ScriptDenied("sum() adds numbers only in scripts")
    return sum(iterable, start)


def _round(number: float, ndigits: SupportsIndex | None = None) -> float:
    if ndigits is not None and _int(ndigits) and abs(ndigits) > 400:
        raise ScriptDenied("round() takes at most 400 digits in scripts")
    return round(number, ndigits)


_list, _tuple, _set, _sorted = (_from_iterable(k) for k in (list, tuple, set, sorted))
_REAL_TYPES: dict[object, type] = {_str: str, _list: list, _tuple: tuple, _set: set}


# `classes`: what the script names a type by (its `str`, `list`, `tuple` and `set` are the
# builders above), or a tuple of them.
def _isinstance(obj: object, classes: _Value) -> bool:
    if type(classes) is tuple:
        classes = tuple(_REAL_TYPES.get(c, c) for c in classes)
    else:
        classes = _REAL_TYPES.get(classes, classes)
    return isinstance(obj, classes)


# The names a script may call, as today's SAFE_BUILTINS: RestrictedPython's safe set narrowed
# to what routing needs, plus the iterating builtins (their C loops see only plain data).
ALLOWED_BUILTINS: dict[str, object] = {
    "abs": abs,
    "all": all,
    "any": any,
    "bool": bool,
    "dict": dict,
    "enumerate": enumerate,
    "filter": filter,
    "float": float,
    "int": int,
    "isinstance": _isinstance,
    "len": len,
    "list": _list,
    "max": max,
    "min": min,
    "range": _range,
    "reversed": reversed,
    "round": _round,
    "set": _set,
    "sorted": _sorted,
    "str": _str,
    "sum": _sum,
    "tuple": _tuple,
    "zip": zip,
    "True": True,
    "False": False,
    "None": None,
}
PYTHON_BUILTINS = frozenset(dir(builtins))
DENIED_BUILTINS = PYTHON_BUILTINS - ALLOWED_BUILTINS.keys()

# What the compiled code looks up as globals: the builtins and RestrictedPython's guard names
# (which scripts cannot spell themselves: names starting with "_" are refused at compile time).
SCRIPT_BUILTINS: dict[str, object] = {
    **ALLOWED_BUILTINS,
    "_getattr_": guarded_getattr,
    "_getitem_": guarded_getitem,
    "_getiter_": guarded_getiter,
    "_write_": guarded_write,
    "_inplacevar_": guarded_inplacevar,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_apply_": guarded_apply,
    "_add_": guarded_add,
    "_mul_": guarded_mul,
    "_pow_": guarded_pow,
    "_lshift_": guarded_lshift,
    "_mod_": guarded_mod,
    "_fmt_": check_formatted,
    "_tick_": watchdog.tick,  # every pass of a loop (compiler._Rewrite)
}
