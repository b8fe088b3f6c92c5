"""A small but real JQL parser and evaluator for the fake Jira.

Covers what opsbot sends: ``field op value`` clauses joined by AND/OR/NOT and parentheses,
``IN``/``NOT IN`` lists, ``IS [NOT] EMPTY``, ``~`` text search (Lucene's ``*``/``?`` wildcards
and ``\\`` escapes), quoted strings with ``\\"`` and ``\\\\`` escapes and ``ORDER BY``.
Anything else fails to parse, so a JQL injection shows up as Jira's 400 error rather than as
a surprising match.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Issue = dict[str, Any]
Predicate = Callable[[Issue], bool]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>!=|!~|>=|<=|=|~|>|<)
      | (?P<punct>[(),])
      | (?P<word>[A-Za-z0-9_.\-@+\[\]/:]+)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "is", "empty", "null", "order", "by", "asc", "desc"}
_MULTI = {"labels", "component", "components"}


class JqlError(ValueError):
    """The query does not parse or names an unknown field."""


@dataclass(frozen=True)
class _Tok:
    kind: str  # "str", "op", "punct", "word", "end"
    text: str
    pos: int

    def is_kw(self, *words: str) -> bool:
        return self.kind == "word" and self.text.lower() in words


def _tokenize(jql: str) -> list[_Tok]:
    tokens, pos = [], 0
    while pos < len(jql):
        if jql[pos:].strip() == "":
            break
        m = _TOKEN.match(jql, pos)
        if m is None or m.end() == pos:
            raise JqlError(
                f"Error in the JQL Query: The character '{jql[pos]}' is a reserved"
                f" JQL character. (line 1, character {pos + 1})"
            )
        kind = m.lastgroup or "word"
        text = m.group(kind)
        if kind == "str":
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        tokens.append(_Tok(kind, text, m.start(kind)))
        pos = m.end()
    tokens.append(_Tok("end", "", len(jql)))
    return tokens


class Query:
    """A parsed JQL query: `matches(issue)` and `sort(issues)`."""

    def __init__(self, jql: str, field_value: Callable[[Issue, str], Any], fields: set[str]):
        self._toks = _tokenize(jql)
        self._i = 0
        self._value = field_value
        self._fields = fields
        self.order: list[tuple[str, bool]] = []
        self._pred: Predicate = (
            (lambda _: True)
            if self._peek().kind == "end" or self._peek().is_kw("order")
            else self._or()
        )
        if self._peek().is_kw("order"):
            self._next()
            self._expect_kw("by")
            self._order_by()
        if self._peek().kind != "end":
            self._fail("Expecting either 'OR' or 'AND' but got")

    def matches(self, issue: Issue) -> bool:
        """Return whether the issue satisfies the query."""
        return self._pred(issue)

    def sort(self, issues: list[Issue]) -> list[Issue]:
        """Return the issues in ORDER BY order (key ascending when none given)."""
        result = sorted(issues, key=lambda i: _key_number(i["key"]))
        for name, desc in reversed(self.order):
            if name in ("key", "issuekey", "id"):
                result.sort(key=lambda i: _key_number(i["key"]), reverse=desc)
            else:
                result.sort(key=functools.partial(self._sort_key, name), reverse=desc)
        return result

    def _sort_key(self, name: str, issue: Issue) -> tuple[int, str]:
        return _sortable(self._value(issue, name))

    # recursive descent
    def _peek(self) -> _Tok:
        return self._toks[self._i]

    def _next(self) -> _Tok:
        tok = self._toks[self._i]
        self._i = min(self._i + 1, len(self._toks) - 1)
        return tok

    def _fail(self, expecting: str) -> None:
        tok = self._peek()
        got = f"'{tok.text}'" if tok.kind != "end" else "the end of the query"
        raise JqlError(
            f"Error in the JQL Query: {expecting} {got}. (line 1, character {tok.pos + 1})"
        )

    def _expect_kw(self, word: str) -> None:
        if not self._peek().is_kw(word):
            self._fail(f"Expecting '{word.upper()}' but got")
        self._next()

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._peek().is_kw("or"):
            self._next()
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda i: any(p(i) for p in parts))

    def _and(self) -> Predicate:
        parts = [self._not()]
        while self._peek().is_kw("and"):
            self._next()
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else (lambda i: all(p(i) for p in parts))

    def _not(self) -> Predicate:
        if self._peek().is_kw("not"):
            self._next()
            inner = self._not()
            return lambda i: not inner(i)
        if self._peek().text == "(" and self._peek().kind == "punct":
            self._next()
            inner = self._or()
            if self._peek().text != ")":
                self._fail("Expecting ')' but got")
            self._next()
            return inner
        return self._clause()

    def _field(self) -> str:
        tok = self._next()
        if tok.kind not in ("word", "str") or (
            tok.kind == "word" and tok.text.lower() in _KEYWORDS
        ):
            self._i -= 1
            self._fail("Expecting a field name but got")
        name = tok.text if tok.text.startswith("cf[") else tok.text.lower()
        if name not in self._fields:
            raise JqlError(
                f"Field '{tok.text}' does not exist or you do not have permission to view it."
            )
        return name

    def _clause(self) -> Predicate:
        name = self._field()
        tok = self._next()
        if tok.is_kw("is"):
            negate = self._peek().is_kw("not")
            if negate:
                self._next()
            if not self._peek().is_kw("empty", "null"):
                self._fail("Expecting 'EMPTY' but got")
            self._next()
            return lambda i: _is_empty(self._value(i, name)) != negate
        if tok.is_kw("not") and self._peek().is_kw("in"):
            self._next()
            values = self._list()
            return lambda i: not _any_equal(self._value(i, name), values)
        if tok.is_kw("in"):
            values = self._list()
            return lambda i: _any_equal(self._value(i, name), values)
        if tok.kind != "op":
            self._i -= 1
            self._fail("Expecting operator but got")
        value = self._operand()
        return _compare(tok.text, name, value, self._value)

    def _operand(self) -> str | None:
        tok = self._next()
        if tok.kind == "str":
            return tok.text
        if tok.kind == "word" and tok.text.lower() in ("empty", "null"):
            return None
        if tok.kind == "word" and tok.text.lower() not in _KEYWORDS:
            if self._peek().text == "(":  # a function such as currentUser()
                self._next()
                if self._next().text != ")":
                    self._fail("Expecting ')' but got")
                return f"{tok.text.lower()}()"
            return tok.text
        self._i -= 1
        self._fail("Expecting either a value, list or function but got")
        return None

    def _list(self) -> list[str | None]:
        if self._next().text != "(":
            self._i -= 1
            self._fail("Expecting '(' but got")
        values = [self._operand()]
        while self._peek().text == ",":
            self._next()
            values.append(self._operand())
        if self._next().text != ")":
            self._i -= 1
            self._fail("Expecting ')' but got")
        return values

    def _order_by(self) -> None:
        while True:
            name = self._field()
            desc = False
            if self._peek().is_kw("asc", "desc"):
                desc = self._next().text.lower() == "desc"
            self.order.append((name, desc))
            if self._peek().text != ",":
                return
            self._next()


def _norm(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [str(v).lower() for v in values if v is not None]


def _is_empty(value: Any) -> bool:
    return value is None or value == [] or value == ""


def _any_equal(actual: Any, wanted: list[str | None]) -> bool:
    have = _norm(actual)
    return any((w is None and not have) or (w is not None and w.lower() in have) for w in wanted)


def _compare(op: str, name: str, value: str | None, get: Callable[[Issue, str], Any]) -> Predicate:
    if op == "=":
        return lambda i: _any_equal(get(i, name), [value])
    if op == "!=":
        return lambda i: not _is_empty(get(i, name)) and not _any_equal(get(i, name), [value])
    if op in ("~", "!~"):
        pattern = _lucene_pattern(value or "")
        hit: Predicate = lambda i: any(pattern.search(v) for v in _norm(get(i, name)))  # noqa: E731
        return hit if op == "~" else (lambda i: not hit(i))
    ops: dict[str, Callable[[str, str], bool]] = {
        ">": str.__gt__,
        ">=": str.__ge__,
        "<": str.__lt__,
        "<=": str.__le__,
    }
    return lambda i: any(ops[op](v, (value or "").lower()) for v in _norm(get(i, name)))


def _lucene_pattern(text: str) -> re.Pattern[str]:
    """Read a text search as Lucene does: `*` and `?` are wildcards unless `\\`-escaped."""
    parts, chars = [], iter(text.lower())
    for char in chars:
        if char == "\\":
            parts.append(re.escape(next(chars, "\\")))
        elif char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts))


def _key_number(key: str) -> tuple[str, int]:
    project, _, number = key.rpartition("-")
    return project, int(number) if number.isdigit() else 0


def _sortable(value: Any) -> tuple[int, str]:
    if isinstance(value, list):
        value = ",".join(map(str, value))
    return (1, "") if value is None else (0, str(value).lower())
