"""Where each key of a TOML file stands, for errors naming ``file:line:column``.

:mod:`tomllib` parses but keeps no positions, and no TOML library at hand
reports them per key (tomlkit keeps formatting, not line numbers). The
configuration is small and written by hand, so a line scanner is enough: it
follows table headers (``[params]``, ``[tool.guabao-rules.severity]``,
``[[x]]``), bare, quoted and dotted keys, and steps over multi-line strings,
arrays and inline tables, whose inner keys it does not break down (an error
inside one points at the key that holds it). The file is parsed by
:mod:`tomllib` first, so the scanner only ever sees valid TOML.
"""

from __future__ import annotations

import re
import tomllib

from guabao_rules.sources.positions import Key, Mark, PositionTree

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_BASIC = re.compile(r'"(?:[^"\\]|\\.)*"')
_LITERAL = re.compile(r"'[^']*'")


def _keys(text: str, at: int) -> tuple[list[tuple[str, int]], int]:
    """The dotted key starting at ``at``: each part with its 0-based column, and where it ends."""
    parts: list[tuple[str, int]] = []
    i = at
    while True:
        while i < len(text) and text[i] in " \t":
            i += 1
        for pattern in (_BASIC, _LITERAL, _BARE):
            found = pattern.match(text, i)
            if found:
                raw = found.group()
                part = raw
                if raw[0] in "\"'":  # a quoted key: let tomllib undo its escapes
                    part = str(tomllib.loads(f"k = {raw}")["k"])
                parts.append((part, i))
                i = found.end()
                break
        else:
            return parts, i
        while i < len(text) and text[i] in " \t":
            i += 1
        if i < len(text) and text[i] == ".":
            i += 1
            continue
        return parts, i


def _open_brackets(value: str) -> tuple[int, str | None]:
    """How many ``[``/``{`` stay open in ``value``, and a multi-line string left open."""
    depth = 0
    i = 0
    while i < len(value):
        for quote in ('"""', "'''"):
            if value.startswith(quote, i):
                end = value.find(quote, i + 3)
                if end < 0:
                    return depth, quote
                i = end + 3
                break
        else:
            char = value[i]
            if char == "#":
                break
            if char == '"':
                found = _BASIC.match(value, i)
                i = found.end() if found else len(value)
                continue
            if char == "'":
                end = value.find("'", i + 1)
                i = end + 1 if end >= 0 else len(value)
                continue
            if char in "[{":
                depth += 1
            elif char in "]}":
                depth -= 1
            i += 1
    return depth, None


def _node(root: PositionTree, path: list[Key], mark: Mark) -> PositionTree:
    node = root
    for key in path:
        child = node.children.get(key)
        if child is None:
            node.keys.setdefault(key, mark)
            child = node.children[key] = PositionTree(mark)
        node = child
    return node


def toml_positions(text: str) -> PositionTree:
    """The positions of every table and key of a (valid) TOML document."""
    root = PositionTree(Mark(1, 1))
    table: list[Key] = []
    arrays: dict[tuple[Key, ...], int] = {}
    # TOML ends a line at LF (or CRLF) only; str.splitlines() would also split at
    # U+2028, U+0085 and other characters a comment or string may hold.
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    number = 0
    while number < len(lines):
        line = lines[number]
        number += 1
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("["):
            double = stripped.startswith("[[")
            parts, _ = _keys(line, indent + (2 if double else 1))
            names: list[Key] = [name for name, _ in parts]
            mark = Mark(number, indent + 1)
            if double:
                index = arrays.get(tuple(names), -1) + 1
                arrays[tuple(names)] = index
                _node(root, names, mark)
                names = [*names, index]
            _node(root, names, mark)
            table = names
            continue
        parts, end = _keys(line, indent)
        if not parts or not line[end:].startswith("="):
            continue
        *parents, (last, column) = parts
        node = _node(root, table + [name for name, _ in parents], Mark(number, parts[0][1] + 1))
        node.keys.setdefault(last, Mark(number, column + 1))
        depth, open_string = _open_brackets(line[end + 1 :])
        # Step over the lines a multi-line value spans: they hold no keys of tables.
        while (depth > 0 or open_string) and number < len(lines):
            rest = lines[number]
            number += 1
            if open_string:
                close = rest.find(open_string)
                if close < 0:
                    continue
                rest = rest[close + 3 :]
                open_string = None
            more, open_string = _open_brackets(rest)
            depth += more
    return root
