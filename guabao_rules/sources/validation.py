"""Positioned validation: a parsed document against a pydantic model, errors at file:line:column.

Records, packs, profiles, waivers and the configuration are all plain data
read with positions kept beside them (a :class:`PositionTree`). This module
is the one place where a pydantic error becomes a position and a bilingual
text:

* :func:`data_path` turns an error's ``loc`` into a path in the data (pydantic
  adds the tags of unions and validators, which the file does not contain);
* :func:`error_text` words the error in both languages, naming its field;
* :func:`validate` checks a whole document and raises one
  :class:`PositionedError` naming ``file:line:column`` of the first problem.

Records do not go through :func:`validate`: the loader's loop over hundreds of
thousands of records validates each with its model directly and only on a
failure calls :meth:`PositionTree.locate` and
:func:`~guabao_rules.i18n.describe_error` (which :func:`error_text` words
its pydantic errors with), so the scale path pays nothing for sharing. Their
text is left as it was (no pydantic context in it) so reports stay
byte-identical.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from guabao_rules.diagnostics import Text
from guabao_rules.i18n import describe_error, field_name
from guabao_rules.sources.positions import Key, Mark, PositionTree

M = TypeVar("M", bound=BaseModel)


def bilingual_error(kind: str, *, zh: str, en: str) -> PydanticCustomError:
    """A validator's error carrying its Chinese text too (raise it in a validator).

    Args:
        kind: The error type, e.g. ``rule_name``.
        zh: The message in Chinese.
        en: The message in English.
    """
    return PydanticCustomError(kind, en, {"zh": zh})


def data_path(loc: tuple[Key, ...], value: Any, kind: str = "") -> tuple[Key, ...]:
    """The path in ``value`` an error's ``loc`` points to.

    Parts that name no key of the data are pydantic's own: the tag of a
    tagged union (``count``), a union member (``str``, ``ParamRef``) or a
    validator (``function-after[...]``). They are dropped; a missing key
    (``kind == "missing"``) is kept, for its name, though the data lacks it.

    Args:
        loc: The error's ``loc``.
        value: The document the error is about.
        kind: The error's type.
    """
    out: list[Key] = []
    current = value
    for i, part in enumerate(loc):
        if isinstance(current, dict):
            if part in current:
                out.append(part)
                current = current[part]
            elif kind == "missing" and i == len(loc) - 1:
                out.append(part)
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            out.append(part)
            current = current[part]
        # A scalar has no parts: what follows names union members.
    if kind == "union_tag_invalid" and isinstance(current, dict) and "kind" in current:
        out.append("kind")  # point at the tag written, not at the whole mapping
    return tuple(out)


def error_text(detail: ErrorDetails, path: tuple[Key, ...] | None = None) -> Text:
    """One pydantic error in both languages, naming the field at ``path`` (default its ``loc``)."""
    loc = tuple(detail["loc"]) if path is None else path
    ctx: Mapping[str, Any] = detail.get("ctx") or {}
    kind = detail["type"]
    if "zh" in ctx:  # raised with bilingual_error()
        name = field_name(loc) or "(top)"
        return Text(zh=f"`{name}`:{ctx['zh']}", en=f"`{name}`: {detail['msg']}")
    if kind in ("extra_forbidden", "unexpected_keyword_argument") and loc:
        where = field_name(loc[:-1])
        inside = (f"`{where}` 中", f" in `{where}`") if where else ("", "")
        return Text(zh=f"{inside[0]}未知的键 `{loc[-1]}`", en=f"unknown key `{loc[-1]}`{inside[1]}")
    if kind == "union_tag_invalid":
        name = field_name(loc) or "(top)"
        tag, expected = ctx.get("tag"), ctx.get("expected_tags")
        return Text(
            zh=f"`{name}`:未知的取值 {tag!r}(应为 {expected} 之一)",
            en=f"`{name}`: unknown value {tag!r} (expected one of {expected})",
        )
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        name = field_name(loc)
        if not name:
            return Text(zh="整个文件应为映射", en="the file must be a mapping")
        return Text(zh=f"`{name}`:应为映射", en=f"`{name}` must be a mapping")
    message = detail["msg"]
    if kind == "value_error" and message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return describe_error(loc, kind, message, ctx)


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One problem in a document: where, and what, in both languages."""

    path: tuple[Key, ...]
    mark: Mark
    text: Text


class PositionedError(ValueError):
    """A document that breaks its schema; ``str()`` is one ``file:line:column: …`` line.

    Attributes:
        file: The file, as the user names it.
        problems: Every problem, in pydantic's order (the first is reported).
    """

    def __init__(self, file: str, problems: list[FieldProblem]) -> None:
        self.file = file
        self.problems = problems
        super().__init__(self.line("en"))

    @property
    def text(self) -> Text:
        """The one line reported, in both languages."""
        return Text(zh=self.line("zh"), en=self.line("en"))

    def line(self, lang: str) -> str:
        """The one line reported, in ``lang``."""
        first = self.problems[0]
        more = len(self.problems) - 1
        tail = ""
        if more:
            tail = f"(另有 {more} 处)" if lang == "zh" else f" (and {more} more)"
        where = f"{self.file}:{first.mark.line}:{first.mark.column}"
        return f"{where}: {first.text.get(lang)}{tail}"


def position(tree: PositionTree | None, path: tuple[Key, ...]) -> Mark:
    """The mark of ``path`` in ``tree`` (line 1, column 1 for a document with no tree)."""
    if tree is None:
        return Mark(1, 1)
    return tree.locate(path) if path else tree.start


def located(file: str, tree: PositionTree | None, path: tuple[Key, ...]) -> str:
    """``file:line:column`` of ``path``: for errors found after the schema (unknown ids)."""
    mark = position(tree, path)
    return f"{file}:{mark.line}:{mark.column}"


def problems_of(
    error: ValidationError, value: Any, tree: PositionTree | None
) -> list[FieldProblem]:
    """Every error of ``error`` with its place in ``value`` and its text."""
    out = []
    for detail in error.errors(include_url=False, include_context=True):
        path = data_path(tuple(detail["loc"]), value, detail["type"])
        out.append(FieldProblem(path, position(tree, path), error_text(detail, path)))
    return out


def validate(model: type[M], value: Any, tree: PositionTree | None, file: str) -> M:
    """``value`` as a ``model``, or a :class:`PositionedError` naming the first problem's place.

    Args:
        model: The pydantic model of the document.
        value: The parsed document (plain data).
        tree: Its positions (None: positions unknown, every problem is at 1:1).
        file: The file's name as the user knows it, for the message.

    Raises:
        PositionedError: ``value`` breaks the model.
    """
    try:
        return model.model_validate(value, strict=False)
    except ValidationError as error:
        raise PositionedError(file, problems_of(error, value, tree)) from None
