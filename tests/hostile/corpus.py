"""The hostile corpus: small datasets an attacker or a careless user would write.

Each case is a builder: a function that writes its dataset into a fresh folder
and returns what the check must find there. Register one with :func:`case`;
``test_hostile.py`` runs every registered case through every output format and
asserts the same guarantees for all of them (no traceback, no hang, no input
changed, every output parses, no raw control character, the findings located).

Adding a class of cases is adding a builder::

    @case("a value that paints the screen", classes={"control"})
    def _screen(root: Path) -> Expect:
        write(root, "r.yaml", REGIONS + '  - {id: "\\e[2J", name: x, level: county}\\n')
        return Expect(findings=[Finding("D003", "\\x1b[2J", "r.yaml", 3, 5)])

A builder may make anything a file system holds (symlinks, FIFOs, names that
are not UTF-8); the runner never opens a file of the case that is not a
regular file, and compares the whole tree, links and special files included,
before and after the run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ANY = object()
"""In a :class:`Finding`: any subject, or any line or column (but one there must be)."""


@dataclass(frozen=True)
class Finding:
    """A finding the check must report, located.

    ``file`` is the name as the JSON report shows it (a name's undecodable
    bytes as ``\\xff``); ``line`` and ``column`` are 1-based.
    """

    rule: str
    subject: object
    file: str | None
    line: object
    column: object


@dataclass(frozen=True)
class Expect:
    """What a case's check must give.

    Attributes:
        findings: Findings that must be among the report's (others may be too).
        status: The exit statuses allowed (any of 0, 1, 2 by default).
        args: Extra arguments for ``guabao-rules check``.
        records: When set, the number of records the report must count (the
            rows after a broken one still load).
        absent: Rules that must not be reported at all.
        messages: Texts that must each be in some finding's message.
    """

    findings: list[Finding] = field(default_factory=list)
    status: frozenset[int] = frozenset({0, 1, 2})
    args: tuple[str, ...] = ()
    records: int | None = None
    absent: frozenset[str] = frozenset()
    messages: tuple[str, ...] = ()


Builder = Callable[[Path], Expect]


@dataclass(frozen=True)
class Case:
    """A registered builder and how to run it.

    Attributes:
        name: What the case tries, in a few words (the test id).
        build: Writes the dataset into the folder it is given.
        classes: The hostile classes it covers (``control``, ``github``, ``xml``…).
        subprocess: Also run the real program in a child process, with a
            timeout: a traceback or a hang there is what the user would see.
    """

    name: str
    build: Builder
    classes: frozenset[str]
    subprocess: bool = False


CASES: list[Case] = []
"""Every registered case, in registration order."""


def case(name: str, *, classes: set[str], subprocess: bool = False) -> Callable[[Builder], Builder]:
    """Register a case builder under ``name``."""

    def register(build: Builder) -> Builder:
        if any(c.name == name for c in CASES):
            raise ValueError(f"two hostile cases named {name!r}")
        CASES.append(Case(name, build, frozenset(classes), subprocess))
        return build

    return register


def write(root: Path | bytes, name: str | bytes, content: str | bytes) -> None:
    """Write a file of the case (``name`` may be bytes: a name that is not UTF-8)."""
    base = os.fsencode(root)
    path = os.path.join(base, os.fsencode(name))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    with open(path, "wb") as handle:
        handle.write(data)


REGIONS = (
    "regions:\n"
    '  - {id: "530000", name: 云南省, level: province}\n'
    '  - {id: "533300", name: 怒江傈僳族自治州, level: prefecture, parent: "530000"}\n'
)
"""A valid start of a region file: records after it are on line 4."""

INJECTED_TAG = "x-injected"
"""A markup tag the cases put in values; no HTML or XML output may ever hold it as a tag."""
