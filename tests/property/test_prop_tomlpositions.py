"""The TOML position scanner finds every key tomllib reads, on its line."""

from __future__ import annotations

import json
import re
import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from guabao_rules.sources.positions import exact_mark
from guabao_rules.sources.tomlpositions import toml_positions

# Text TOML can hold in a basic string once escaped the JSON way (no controls, no surrogates).
TEXT = st.characters(exclude_categories=("Cs", "Cc"))


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.text(TEXT, min_size=1, max_size=8),
        st.one_of(
            st.integers(),
            st.text(TEXT, max_size=12),
            st.lists(st.text(TEXT, max_size=5), max_size=3),
            st.dictionaries(
                st.text(TEXT, min_size=1, max_size=5), st.text(TEXT, max_size=5), max_size=3
            ),
        ),
        max_size=5,
    )
)
def test_every_written_key_is_found_on_its_line(table: dict[str, object]) -> None:
    """Keys written one per line (quoted when not bare, tables for mappings) are found exactly."""
    lines: list[str] = []
    tables: list[tuple[str, dict[str, str]]] = []
    for key, value in table.items():
        if isinstance(value, dict):
            tables.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    expected = {
        (key,): number
        for number, key in enumerate([k for k, v in table.items() if not isinstance(v, dict)], 1)
    }
    for name, inner in tables:
        lines.append(f"[{_key(name)}]")
        for key, value in inner.items():
            lines.append(f"{_key(key)} = {_value(value)}")
            expected[(name, key)] = len(lines)
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)  # the scanner only ever sees valid TOML
    tree = toml_positions(text)
    for path, line in expected.items():
        mark = exact_mark(tree, path)
        assert mark is not None and mark.line == line, (path, text)


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _value(value: object) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, int) else str(value)
