"""Findings: what rules yield, and what the engine turns them into.

Rules yield small :class:`Violation` objects (which subject, which field, the
message arguments). The engine stamps each with its rule id, severity, message
text and source location, giving a frozen :class:`Diagnostic`, as yamllint's
linter does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from guabao_rules.sources.positions import Key, Mark


class Severity(StrEnum):
    """How much a finding matters; only errors fail a check."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Order for comparisons: error 2, warning 1, info 0."""
        return {"error": 2, "warning": 1, "info": 0}[self.value]


@dataclass(frozen=True, slots=True, kw_only=True)
class Text:
    """A piece of text in both languages: ``Text(zh=…, en=…)``.

    The one bilingual type: messages, and the pack schema's titles, messages
    and labels (a pack writes ``{zh: …, en: …}``; pydantic validates it as a
    dataclass, unknown keys refused).
    """

    zh: str
    en: str

    # pydantic's config for this dataclass (a plain dict: diagnostics needs no pydantic import).
    __pydantic_config__ = {"extra": "forbid", "strict": True}  # noqa: RUF012

    def get(self, lang: str) -> str:
        """Return the text in ``lang`` (``zh`` or ``en``)."""
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a record (or a whole file) stands: file relative to the dataset root.

    ``cell`` names the workbook sheet and cell (``households!C12``) when the
    file is a workbook; the mark is then its row and column number.
    """

    file: str
    mark: Mark | None = None
    cell: str | None = None


@dataclass(frozen=True, slots=True)
class Violation:
    """One problem a rule found on one subject, before the engine stamps it.

    Attributes:
        subject: The id of the record the finding is about (None: a file or the dataset).
        args: Values for the rule's message template; :class:`Text` values and
            lists are rendered in the output language.
        field: A field path inside the subject record when one field is at fault.
        at: An explicit location, for findings about a file or about a record
            that is not the one its id resolves to (a duplicate id).
        related: Other records involved: ids, or explicit locations with a label.
    """

    subject: str | None
    args: Mapping[str, Any] = field(default_factory=dict)
    field: tuple[Key, ...] | None = None
    at: SourceRef | None = None
    related: tuple[str | tuple[str | None, SourceRef], ...] = ()


@dataclass(frozen=True, slots=True)
class Location:
    """A resolved place in the dataset, for output."""

    file: str | None
    line: int | None
    column: int | None
    cell: str | None = None
    """In a workbook, the sheet and cell (``households!C12``)."""

    def __str__(self) -> str:
        if self.file is None:
            return "<dataset>"
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Related:
    """A record involved in a finding besides its subject."""

    subject: str | None
    location: Location


@dataclass(frozen=True, slots=True)
class Cause:
    """The finding another one follows from (``caused_by``): fix it first.

    Attributes:
        rule: The cause's rule id (D000, D003).
        subject: The cause's subject (None for a file).
        location: Where the cause points.
    """

    rule: str
    subject: str | None
    location: Location


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A finding as reported: rule, severity, message, subject and location.

    Attributes:
        rule: The rule id, e.g. ``Q003``.
        severity: Its severity (the rule's, or as configured).
        message: The message, rendered in the report's language.
        subject: The id of the record the rule is about (``rules.md`` names it
            for each rule); None for a finding about a whole file (D000).
        location: Where it points: the subject record, or the field at fault.
        related: The other records involved, each with its location.
        caused_by: The finding this one follows from (an unreadable file, a
            record that breaks the format), when there is one; see
            ``docs/output.md``, "Root cause first".
    """

    rule: str
    severity: Severity
    message: str
    subject: str | None
    location: Location
    related: tuple[Related, ...] = ()
    caused_by: Cause | None = None

    @property
    def file(self) -> str | None:
        """The file, relative to the dataset root with ``/`` separators."""
        return self.location.file

    @property
    def line(self) -> int | None:
        """The 1-based line, or None."""
        return self.location.line

    @property
    def column(self) -> int | None:
        """The 1-based column, or None."""
        return self.location.column

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Sort by file, line, column, rule (then subject): output is deterministic."""
        return (
            self.location.file or "",
            self.location.line or 0,
            self.location.column or 0,
            self.rule,
            self.subject or "",
        )


class BilingualError(Exception):
    """An error that ends a command with one line and exit status 2, in zh and en.

    Raised with two templates and their values, ``ConfigError(zh="找不到 {path}",
    en="{path} not found", path=p)`` (both templates name the same placeholders,
    which a test checks at every raise), or with a ready ``text=`` from a reader
    or another such error. ``str()`` is the English line, as for any exception;
    the command line prints :attr:`text` in the message language. A value that
    is a :class:`Text` is put in each template in that template's language.

    Attributes:
        text: The line, in both languages.
    """

    def __init__(
        self,
        *,
        zh: str | None = None,
        en: str | None = None,
        text: Text | None = None,
        **values: object,
    ) -> None:
        if text is None:
            if zh is None or en is None:
                raise TypeError("BilingualError needs zh= and en=, or text=")
            # A value that is itself a Text (a word such as "an integer") is shown in each language.
            text = Text(
                zh=zh.format(**{k: v.zh if isinstance(v, Text) else v for k, v in values.items()}),
                en=en.format(**{k: v.en if isinstance(v, Text) else v for k, v in values.items()}),
            )
        self.text = text
        super().__init__(text.en)

    def __str__(self) -> str:
        return self.text.en
