"""Personal data in values: PRC resident identity numbers and mobile numbers (D006)."""

from __future__ import annotations

import re
from typing import Any

from guabao_rules.sources.positions import Key

# Not inside a longer run of digits: look-arounds on both sides.
_ID_NUMBER = re.compile(r"(?<![0-9])([0-9]{17}[0-9Xx])(?![0-9Xx])")
_MOBILE = re.compile(r"(?<![0-9])(1[3-9][0-9]{9})(?![0-9])")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_number_valid(text: str) -> bool:
    """Whether an 18-character number has a valid ISO 7064 MOD 11-2 check character."""
    total = sum(int(d) * w for d, w in zip(text[:17], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == text[17].upper()


def personal_kind(text: str) -> str | None:
    """``id_number`` or ``mobile`` when ``text`` holds such a number, else None."""
    if len(text) < 11:
        return None
    for match in _ID_NUMBER.finditer(text):
        if id_number_valid(match.group(1)):
            return "id_number"
    if _MOBILE.search(text):
        return "mobile"
    return None


def scan_personal_data(value: Any, path: tuple[Key, ...] = ()) -> list[tuple[tuple[Key, ...], str]]:
    """Every field path under ``value`` that holds personal data, with its kind."""
    found: list[tuple[tuple[Key, ...], str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(scan_personal_data(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(scan_personal_data(item, (*path, index)))
    elif isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        kind = personal_kind(str(value))
        if kind:
            found.append((path, kind))
    return found
