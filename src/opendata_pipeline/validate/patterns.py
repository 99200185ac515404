"""The `pattern` constraint, as frictionless applies it, without hanging on hostile patterns.

frictionless compiles ``^{pattern}$`` with Python's ``re`` and calls ``match``.
A pattern in the syntactic subset where RE2 provably matches as Python's
``re`` does is run by RE2 (pyarrow's, vectorised, linear time) on the cells
where both agree (printable ASCII); every other pattern and cell is run by
Python's ``re`` in a child process under a time budget per dataset. When the
budget runs out, validation fails closed and names the field and the pattern.
"""

from __future__ import annotations

import multiprocessing
import re
import time
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..gather.tables import arrow_array
from .schema import SchemaError

BUDGET_SECONDS = 30.0
"""Python ``re`` time per dataset (all its non-RE2 pattern checks together)."""

# The RE2-safe subset: literals, escaped punctuation, ASCII classes and ranges, groups
# (plain and non-capturing), alternation, greedy or lazy quantifiers with explicit bounds.
_ESCAPES = set("dDwWsS.\\^$|?*+()[]{}-/ ")
_CLASS_ESCAPES = set("dDwWsS.\\^$|?*+()[]{}-/ ")


def _re2_safe(pattern: str) -> bool:
    """Tell whether RE2 matches ``^(?:pattern)$`` exactly as Python's ``re`` (ASCII cells)."""
    i, n, depth = 0, len(pattern), 0
    while i < n:
        c = pattern[i]
        if not c.isascii() or c in "\n\r\t\f\v":
            return False
        if c == "\\":
            if i + 1 >= n or pattern[i + 1] not in _ESCAPES:
                return False
            i += 2
        elif c == "[":
            end = _class_end(pattern, i)
            if end < 0:
                return False
            i = end + 1
        elif c == "(":
            if pattern.startswith("(?:", i):
                i += 3
            elif pattern.startswith("(?", i):
                return False  # flags, lookarounds, named groups, conditionals
            else:
                i += 1
            depth += 1
        elif c == ")":
            depth -= 1
            if depth < 0:
                return False
            i += 1
        elif c == "{":
            m = re.compile(r"\{(\d{1,3})(,(\d{1,3})?)?\}").match(pattern, i)
            if not m or i == 0 or pattern[i - 1] in "(|":
                return False
            if m.group(3) is not None and int(m.group(3)) < int(m.group(1)):
                return False
            i = m.end()
        elif c == "}":
            return False
        else:
            i += 1
    return depth == 0


def _class_end(pattern: str, start: int) -> int:
    """Index of the ``]`` closing a plain ASCII class at ``start``, or -1 if not plain."""
    i = start + 1
    if pattern.startswith("^", i):
        i += 1
    if pattern.startswith("]", i):
        return -1  # a literal ']' first: Python and RE2 read it alike, but keep it simple
    while i < len(pattern):
        c = pattern[i]
        if c == "]":
            return i if i > start + 1 else -1
        if c == "[" or not c.isascii() or c in "\n\r\t\f\v":
            return -1  # nested sets and POSIX classes ([:alpha:]) differ between the two
        if c == "\\":
            if i + 1 >= len(pattern) or pattern[i + 1] not in _CLASS_ESCAPES:
                return -1
            i += 2
            continue
        if pattern.startswith(("&&", "--", "~~", "||"), i):
            return -1  # Python warns about (future) set operations
        i += 1
    return -1


def check_pattern(pattern: str, where: str) -> re.Pattern[str]:
    """Compile a field's pattern as frictionless does.

    Raises:
        SchemaError: Python's ``re`` cannot compile it (frictionless would crash).
    """
    try:
        return re.compile(f"^{pattern}$")
    except re.error as exc:
        raise SchemaError(
            f"{where}: pattern {pattern!r} is not a valid regular expression: {exc}"
        ) from None
    except (OverflowError, RecursionError):
        raise SchemaError(f"{where}: pattern {pattern!r} is too large") from None


@dataclass
class Budget:
    """Python ``re`` time left for one dataset, and the child process that spends it."""

    seconds: float = BUDGET_SECONDS
    exhausted: list[tuple[str, str]] = field(default_factory=list)
    _pool: Any = None

    def spend(self, pattern: str, cells: list[str]) -> list[bool] | None:
        """Match cells in a child process; None when the budget ran out (pool ended)."""
        if self.seconds <= 0:
            return None
        if self._pool is None:
            self._pool = multiprocessing.get_context("fork").Pool(1)
        started = time.monotonic()
        job = self._pool.apply_async(_match_all, (pattern, cells))
        try:
            result: list[bool] = job.get(timeout=self.seconds)
        except multiprocessing.TimeoutError:
            self.close()
            self.seconds = 0
            return None
        self.seconds -= time.monotonic() - started
        return result

    def close(self) -> None:
        """End the child process."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


def _match_all(pattern: str, cells: list[str]) -> list[bool]:
    compiled = re.compile(f"^{pattern}$")
    return [compiled.match(c) is not None for c in cells]


class PatternCheck:
    """One field's pattern: which cells of a string column match it."""

    def __init__(self, name: str, pattern: str, budget: Budget) -> None:
        self.name, self.pattern, self.budget = name, pattern, budget
        self.compiled = check_pattern(pattern, f"field {name!r}")
        self.re2 = _re2_safe(pattern)
        # Searched with a leading anchor, RE2 tries only position 0, as re.match does.
        self._anchored = f"^(?:^{pattern}$)"

    def matches(self, arr: pa.Array) -> pa.Array | None:
        """Boolean array (True: matches), or None when the budget ran out."""
        if self.re2:
            # Printable ASCII: \s, \w, \d and $ mean the same to both engines there.
            safe = pc.match_substring_regex(arr, "^[\\x20-\\x7e]*$")
            try:
                fast = pc.match_substring_regex(arr, self._anchored)
            except pa.ArrowInvalid:
                fast, safe = None, arrow_array([False] * len(arr), pa.bool_())
            rest = pc.indices_nonzero(pc.invert(safe)).to_pylist()
            if not rest and fast is not None:
                return fast
        else:
            fast, rest = None, list(range(len(arr)))
        cells = [arr[i].as_py() for i in rest]
        found = self.budget.spend(self.pattern, cells) if len(cells) > 64 else None
        if found is None and len(cells) > 64:
            self.budget.exhausted.append((self.name, self.pattern))
            return None
        if found is None:
            found = self._small(cells)
            if found is None:
                self.budget.exhausted.append((self.name, self.pattern))
                return None
        out = fast.to_numpy(zero_copy_only=False).copy() if fast is not None else None
        if out is None:
            return arrow_array(found, pa.bool_())
        out[rest] = found
        return pa.array(out, pa.bool_())

    def _small(self, cells: list[str]) -> list[bool] | None:
        """Few cells: quick in-process for short ones, the budgeted child for the rest."""
        if all(len(c) <= 64 for c in cells) and _bounded(self.pattern):
            return [self.compiled.match(c) is not None for c in cells]
        return self.budget.spend(self.pattern, cells) if cells else []


def _bounded(pattern: str) -> bool:
    """No nested quantifiers nor backreferences: short cells cannot blow up."""
    return not re.search(r"[*+}]\)*[*+{?]|\)[*+{]|\\[1-9]|\(\?[=!<]", pattern)
