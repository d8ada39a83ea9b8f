"""Workbooks (.xlsx, .xlsm, .xlsb, .xls, .ods) as tables: sheets in, records and positions out.

A workbook stands wherever a CSV table may (``docs/data-format.md``,
"Workbooks"): each sheet named after a table collection is that table, and
in a workbook named (or foldered) after one, as ``households.xlsx``, every
other visible sheet is that collection's table. The first non-blank row
names the fields, exactly as a CSV header does, by field name or Chinese
column name. Each cell is read as the text the user sees, as CSV cells are:
a number as its decimal digits (no ``.0``, 15 significant digits as Excel
shows), a date cell as ``YYYY-MM-DD``, a boolean as ``true``/``false``.

The cells come from python-calamine (the ``excel`` extra, imported here
only): chosen by ``bench/workbook.py``, it reads a sheet several times faster
than openpyxl. What calamine does not say is read from the OOXML parts with
:mod:`zipfile` before it opens the file: the unpacked size (a zip bomb is
never opened) and cells whose formula has no cached value.

A finding's position is line = the row, column = the column number; the
sheet and cell (``households!C12``) travel in :attr:`SheetTable.sheet`.
:func:`read_workbook` never raises: every failure is a problem.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Final

from guabao_rules.diagnostics import Text
from guabao_rules.models import COLLECTIONS, TABLE_COLLECTIONS
from guabao_rules.sources.csvsource import (
    ParsedTable,
    TableRow,
    converters,
    read_header,
    table_collection,
)
from guabao_rules.sources.positions import GridRowPositions, Mark, cell_name
from guabao_rules.sources.problems import ReadProblem

if TYPE_CHECKING:
    import zipfile

__all__ = [
    "MAX_UNPACKED",
    "WORKBOOK_SUFFIXES",
    "ParsedWorkbook",
    "SheetTable",
    "cell_name",
    "cell_text",
    "read_workbook",
]

WORKBOOK_SUFFIXES: Final = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})

MAX_UNPACKED: Final = 1 << 30
"""Bytes a workbook may unpack to (Excel's largest sheet is about 1e6 rows by 16e3 columns)."""
MAX_RATIO: Final = 100
"""Unpacked bytes per packed byte above :data:`RATIO_FROM` (real workbooks pack 5-20 to 1)."""
RATIO_FROM: Final = 32 << 20

_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_INFO: Final = "EncryptionInfo".encode("utf-16-le")
_MIDNIGHT: Final = dt.time()


def _column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - ord("A") + 1
    return number


def cell_text(value: Any) -> str:
    """A cell's value as the text the user sees, as a CSV cell would hold it."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if kind is float:
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))  # 533323.0 is the code 533323
        return format(value, ".15g")  # Excel shows 15 significant digits, never 0.1+0.2's tail
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is dt.date:
        return value.isoformat()  # type: ignore[no-any-return]
    if kind is dt.datetime:
        if value.time() == _MIDNIGHT:
            return value.date().isoformat()  # type: ignore[no-any-return]
        return value.isoformat(sep=" ")  # type: ignore[no-any-return]
    return "" if value is None else str(value)


@dataclass(slots=True)
class SheetTable:
    """One sheet read as a table of ``collection``."""

    sheet: str
    collection: str
    table: ParsedTable


@dataclass(slots=True)
class ParsedWorkbook:
    """The result of reading a workbook.

    Attributes:
        sheets: The sheets read as tables, in workbook order.
        problems: Problems about the workbook or a sheet as a whole, with the
            sheet's name when one is at fault (the tables' own are in them).
    """

    sheets: list[SheetTable] = field(default_factory=list)
    problems: list[tuple[str | None, ReadProblem]] = field(default_factory=list)


def _problem(en: str, zh: str, mark: Mark | None = None) -> ReadProblem:
    return ReadProblem(rule="D000", text=Text(zh=zh, en=en), mark=mark or Mark(1, 1))


def _zip_problem(data: bytes) -> ReadProblem | None:
    """Why a zipped workbook must not be opened (damaged, or a zip bomb), if it must not."""
    import zipfile  # here, not at the top: YAML-only checks never pay for it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        return _problem(
            f"The workbook is damaged and cannot be opened ({error}).",
            f"工作簿已损坏,无法打开({error})。",
        )
    if unpacked > MAX_UNPACKED or (unpacked > RATIO_FROM and unpacked > MAX_RATIO * len(data)):
        return _problem(
            f"The workbook would unpack to {unpacked} bytes from {len(data)} "
            "(a zip bomb?); it is not opened.",
            f"工作簿将从 {len(data)} 字节解压为 {unpacked} 字节(疑为压缩炸弹);不予打开。",
        )
    return None


_REL_NS: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CELL: Final = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
_CELL_REF: Final = re.compile(rb'\br="([A-Z]+)([0-9]+)"')
_VALUE: Final = re.compile(rb"<(?:\w+:)?v>(.+?)</(?:\w+:)?v>", re.DOTALL)
_STRING_TYPE: Final = re.compile(rb'\bt="(?:str|inlineStr)"')


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """The zip part of each worksheet of an OOXML workbook, by sheet name."""
    from xml.etree import ElementTree as ET

    workbook = ET.fromstring(archive.read("xl/workbook.xml"))
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    parts: dict[str, str] = {}
    for sheet in workbook.iter():
        if sheet.tag.endswith("}sheet"):
            target = targets.get(sheet.get(f"{{{_REL_NS}}}id"), "")
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            parts[sheet.get("name", "")] = part
    return parts


def _uncached_formulas(data: bytes, sheets: set[str]) -> dict[str, list[Mark]]:
    """Cells of ``sheets`` holding a formula without a cached value, by sheet (xlsx only).

    Programs that write workbooks without computing them (scripts, some
    exporters) leave the value out; such a cell would read as empty.
    """
    import zipfile
    from xml.etree import ElementTree as ET

    found: dict[str, list[Mark]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = _sheet_parts(archive)
            for name in sorted(sheets):
                part = parts.get(name)
                if part is None or part not in archive.namelist():
                    continue
                xml = archive.read(part)
                if b"<f" not in xml and b":f" not in xml:
                    continue  # no formula at all: the common case, one scan
                for match in _CELL.finditer(xml):
                    body = match.group(2) or b""
                    if b"f>" not in body and b"<f " not in body and b":f " not in body:
                        continue
                    if _VALUE.search(body) or _STRING_TYPE.search(match.group(1)):
                        continue
                    ref = _CELL_REF.search(match.group(1))
                    if ref is not None:
                        mark = Mark(int(ref.group(2)), _column_number(ref.group(1).decode()))
                        found.setdefault(name, []).append(mark)
    except (KeyError, ET.ParseError, zipfile.BadZipFile, ValueError, OSError):
        return found  # calamine reports a damaged workbook itself
    return found


def read_workbook(data: bytes, rel: PurePosixPath) -> ParsedWorkbook:
    """Read a workbook's table sheets into plain records and lazy positions.

    Never raises: an unreadable workbook, sheet or row is a problem, the rest loads.
    """
    result = ParsedWorkbook()
    if data.startswith(_OLE_MAGIC) and (
        _ENCRYPTION_INFO in data or rel.suffix.lower() in {".xlsx", ".xlsm", ".xlsb"}
    ):
        result.problems.append(
            (
                None,
                _problem(
                    "The workbook is encrypted (password-protected); save a copy "
                    "without a password to check it.",
                    "工作簿已加密(设有打开密码);请另存一份不设密码的副本再检查。",
                ),
            )
        )
        return result
    is_zip = data.startswith(b"PK")
    if is_zip:
        problem = _zip_problem(data)
        if problem is not None:
            result.problems.append((None, problem))
            return result
    try:
        from python_calamine import CalamineWorkbook, PasswordError, SheetVisibleEnum
    except ImportError:
        result.problems.append(
            (
                None,
                _problem(
                    "Reading workbooks needs the `excel` extra: pip install 'guabao-rules[excel]'.",
                    "读取工作簿需要 `excel` 扩展:pip install 'guabao-rules[excel]'。",
                ),
            )
        )
        return result
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        metadata = list(workbook.sheets_metadata)
    except PasswordError:
        result.problems.append(
            (
                None,
                _problem(
                    "The workbook is encrypted (password-protected); save a copy "
                    "without a password to check it.",
                    "工作簿已加密(设有打开密码);请另存一份不设密码的副本再检查。",
                ),
            )
        )
        return result
    except Exception as error:  # calamine's errors for every damaged format; never raise
        result.problems.append(
            (
                None,
                _problem(
                    f"The workbook is damaged or not a workbook and cannot be read ({error}).",
                    f"工作簿已损坏或不是工作簿,无法读取({error})。",
                ),
            )
        )
        return result
    default = table_collection(rel)
    chosen: list[tuple[str, str]] = []
    for sheet in metadata:
        name = sheet.name
        collection = name.strip() if name.strip() in TABLE_COLLECTIONS else default
        if name.strip() in COLLECTIONS and name.strip() not in TABLE_COLLECTIONS:
            tables = ", ".join(sorted(TABLE_COLLECTIONS))
            result.problems.append(
                (
                    name,
                    _problem(
                        f"The sheet `{name}`: the collection `{name.strip()}` cannot be a "
                        f"table (only {tables} can); it is not read.",
                        f"工作表 `{name}`:集合 `{name.strip()}` 不能以表格给出"
                        f"(只有 {tables} 可以);该表不读取。",
                    ),
                )
            )
            continue
        if collection is None:
            continue  # not a table: notes, instructions, pivots
        if sheet.visible != SheetVisibleEnum.Visible:
            result.problems.append(
                (
                    name,
                    _problem(
                        f"The sheet `{name}` is hidden; it is not read. Unhide it to "
                        "check it, or delete it.",
                        f"工作表 `{name}` 已隐藏,不予读取。如需检查请取消隐藏,否则请删除。",
                    ),
                )
            )
            continue
        chosen.append((name, collection))
    if not chosen and not result.problems:
        tables = ", ".join(sorted(TABLE_COLLECTIONS))
        result.problems.append(
            (
                None,
                _problem(
                    f"No sheet of this workbook is named after a table collection ({tables}), "
                    "nor is the workbook; nothing is read.",
                    f"此工作簿及其工作表均未以表格集合({tables})命名;未读取任何内容。",
                ),
            )
        )
        return result
    uncached = _uncached_formulas(data, {n for n, _ in chosen}) if is_zip else {}
    for name, collection in chosen:
        try:
            sheet_data = workbook.get_sheet_by_name(name)
            cells = sheet_data.to_python(skip_empty_area=False)
            merged = sheet_data.merged_cell_ranges or []
        except Exception as error:  # a damaged sheet part; never raise
            result.problems.append(
                (
                    name,
                    _problem(
                        f"The sheet `{name}` cannot be read ({error}).",
                        f"工作表 `{name}` 无法读取({error})。",
                    ),
                )
            )
            continue
        table = _read_sheet(cells, collection)
        for (top, left), (bottom, right) in merged:
            first = cell_name(top + 1, left + 1)
            span = f"{first}:{cell_name(bottom + 1, right + 1)}"
            table.problems.append(
                _problem(
                    f"The cells {span} are merged: only {first} holds the value, the "
                    "others read as empty. Unmerge them and fill in each cell.",
                    f"单元格 {span} 已合并:只有 {first} 有值,其余读作空。请取消合并并逐格填写。",
                    Mark(top + 1, left + 1),
                )
            )
        for mark in uncached.get(name, []):
            table.problems.append(
                _problem(
                    "This cell's formula has no computed value saved (the file was "
                    "written by a program that does not calculate); it reads as empty. "
                    "Open and save it in a spreadsheet program, or type the value.",
                    "此单元格的公式没有保存计算结果(文件由不计算公式的程序写出),读作空。"
                    "请用表格软件打开并保存,或直接填写数值。",
                    mark,
                )
            )
        table.problems.sort(key=lambda p: (p.mark.line, p.mark.column))
        result.sheets.append(SheetTable(name, collection, table))
    return result


def _nonblank(cells: list[list[Any]]) -> Iterator[tuple[int, list[str]]]:
    """Rows that hold any text, as text, with their 1-based row number."""
    text = cell_text
    for number, row in enumerate(cells, start=1):
        values = [text(value) for value in row]
        if any(value.strip() for value in values):
            yield number, values


def _read_sheet(cells: list[list[Any]], collection: str) -> ParsedTable:
    """One sheet's rows (from A1, blanks included) as a table of ``collection``."""
    result = ParsedTable()
    model = COLLECTIONS[collection]
    rows = _nonblank(cells)
    try:
        header_row, header = next(rows)
    except StopIteration:
        return result  # an empty sheet, like an empty CSV table
    while header and not header[-1].strip():
        header.pop()  # the sheet's width, not named columns
    columns, problems = read_header(header, model, lambda index: Mark(header_row, index + 1))
    result.problems.extend(problems)
    convert = converters(model)
    plan = [(index, name, convert[name]) for index, name in enumerate(columns) if name]
    width = len(columns)
    append = result.rows.append
    for number, values in rows:
        extra = next((i for i in range(width, len(values)) if values[i].strip()), None)
        if extra is not None:
            result.problems.append(
                _problem(
                    f"The cell {cell_name(number, extra + 1)} is outside the header's "
                    f"{width} columns; it is not read.",
                    f"单元格 {cell_name(number, extra + 1)} 在表头的 {width} 列之外;不予读取。",
                    Mark(number, extra + 1),
                )
            )
        raw: dict[str, Any] = {}
        for index, name, conversion in plan:
            value = values[index]
            if value:
                raw[name] = conversion(value) if conversion is not None else value
        append(TableRow(raw, GridRowPositions(number, columns)))
    return result
