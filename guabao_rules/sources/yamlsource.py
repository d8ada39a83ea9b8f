"""The one place where YAML is read: bytes in, plain values and positions out.

PyYAML (its C parser when available) only parses and composes the file into
nodes. Turning nodes into values is done here, with YAML 1.2 **core schema**
meanings whatever PyYAML's YAML 1.1 defaults say:

* plain ``null`` ``Null`` ``NULL`` ``~`` and the empty value are ``None``;
* plain ``true``/``false`` (also ``True``, ``TRUE``, ...) are booleans, and
  ``yes``, ``no``, ``on``, ``off`` stay strings;
* plain decimal, ``0o`` octal and ``0x`` hexadecimal integers are ``int``;
* plain floats are :class:`decimal.Decimal` built from the text as written
  (``1.500`` keeps three fraction digits), ``.inf``/``.nan`` included;
* everything else, dates included, quoted and block scalars are ``str``;
* mapping keys are always the key's text as written;
* NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR (U+2029)
  are characters of the text, as in YAML 1.2, never line breaks (YAML 1.1):
  a value holding one reads as written and lines are counted as editors count
  them.

Only the standard tags ``!!str`` ``!!int`` ``!!float`` ``!!bool`` ``!!null``
``!!map`` ``!!seq`` are accepted; any other tag is a fatal D000 and nothing is
ever constructed from a tag. Aliases are expanded into a plain tree under a
node bound (billion laughs), recursive aliases and absurd nesting are fatal
D000 problems, and a duplicate key is a D007 problem (first value kept, except
that a collection named twice at the top of a file has its lists joined).

:func:`parse_yaml` never raises: every failure is a :class:`ReadProblem`.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Literal, Protocol

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from guabao_rules.diagnostics import Text
from guabao_rules.sources.positions import Key, Mark, PositionTree
from guabao_rules.sources.problems import ReadProblem, ReadRule
from guabao_rules.sources.yamlfast import parse_plain

__all__ = ["MAX_DEPTH", "ParsedYaml", "parse_yaml"]

MAX_DEPTH: Final = 256
"""Deepest nesting of mappings and sequences read (data files need about 6)."""

_PLAIN: Final = "!guabao-rules/plain"
"""Private tag given by the loader to an untagged plain scalar."""
_QUOTED: Final = "!guabao-rules/quoted"
"""Private tag given by the loader to an untagged quoted or block scalar."""

_STD: Final = "tag:yaml.org,2002:"
_STR: Final = _STD + "str"
_INT: Final = _STD + "int"
_FLOAT: Final = _STD + "float"
_BOOL: Final = _STD + "bool"
_NULL: Final = _STD + "null"
_MAP: Final = _STD + "map"
_SEQ: Final = _STD + "seq"
_SCALAR_TAGS: Final = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL})

_BOM: Final = b"\xef\xbb\xbf"

_YAML11_BREAKS: Final = "\x85\u2028\u2029"
"""Line breaks in YAML 1.1 (PyYAML) and ordinary characters in YAML 1.2."""
_STAND_INS: Final = "\ufdd0\ufdd1\ufdd2"
"""Noncharacters PyYAML reads as text: they stand in for those breaks while it parses."""
_TO_STAND_INS: Final = str.maketrans(_YAML11_BREAKS, _STAND_INS)
_FROM_STAND_INS: Final = str.maketrans(_STAND_INS, _YAML11_BREAKS)

_NULLS: Final[dict[str, None]] = dict.fromkeys(("", "~", "null", "Null", "NULL"))
_BOOLS: Final[dict[str, bool]] = {
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
}
_INF: Final = Decimal("Infinity")
_NEG_INF: Final = Decimal("-Infinity")
_NAN: Final = Decimal("NaN")
_SPECIAL_FLOATS: Final[dict[str, Decimal]] = {
    **{f"{sign}.{inf}": _INF for sign in ("", "+") for inf in ("inf", "Inf", "INF")},
    **{f"-.{inf}": _NEG_INF for inf in ("inf", "Inf", "INF")},
    **{f".{nan}": _NAN for nan in ("nan", "NaN", "NAN")},
}
_PLAIN_CONSTANTS: Final[dict[str, Any]] = {**_NULLS, **_BOOLS, **_SPECIAL_FLOATS}
"""Every plain scalar with a fixed core-schema meaning, for one dict lookup."""

_NUMBER_START: Final = frozenset("0123456789+-.")
_NUMBER: Final = re.compile(
    r"(?P<int>[-+]?[0-9]+)"
    r"|0o(?P<oct>[0-7]+)"
    r"|0x(?P<hex>[0-9a-fA-F]+)"
    r"|(?P<float>[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)"
)
_INVALID: Final = object()
"""Returned by the scalar readers for a value they cannot read."""

_ANCHOR: Final = re.compile(r"(?:^|\W)&", re.MULTILINE)
"""Where an anchor may stand: PyYAML scans one only where a token starts, and a
token never starts right after a letter or digit (``R&D`` is no anchor). No
match: no node is shared, and alias expansion needs no check."""

_ProblemCode = Literal[
    "encoding",
    "syntax",
    "multiple_documents",
    "tag",
    "alias_bound",
    "recursive_alias",
    "complex_key",
    "duplicate_key",
]


@dataclass(frozen=True, slots=True)
class ParsedYaml:
    """The result of reading one YAML file.

    Attributes:
        value: The document as plain data (``dict``, ``list``, ``str``, ``int``,
            ``Decimal``, ``bool``, ``None``); ``None`` for an empty document or
            when ``fatal``.
        positions: Positions of the root node when it is a mapping or a
            sequence, else ``None``.
        problems: Everything found while reading, in document order.
        fatal: True when the document could not be read at all.
        nodes: Nodes written in the file, each counted once (before alias
            expansion).
    """

    value: Any
    positions: PositionTree | None
    problems: tuple[ReadProblem, ...]
    fatal: bool
    nodes: int


class _Fatal(Exception):
    """Stops reading: the document cannot be read at all."""

    def __init__(self, problem: ReadProblem) -> None:
        super().__init__(problem.text.en)
        self.problem = problem


class _TooDeep(Exception):
    """Nesting deeper than :data:`MAX_DEPTH`."""


class _LoaderHooks:
    """Hooks into PyYAML's composer; mixed into the C and the Python loader.

    ``resolve`` replaces PyYAML's YAML 1.1 implicit resolvers: a scalar only
    learns whether it was plain; its meaning is decided by :func:`_plain`.
    ``descend_resolver``/``ascend_resolver`` are called by both composers
    around every node they compose (aliases excluded), which counts the nodes
    written and stops absurd nesting before the C composer's recursion can
    overflow the machine stack.
    """

    depth: int = 0
    nodes: int = 0
    deep_mark: yaml.Mark | None = None

    def descend_resolver(self, current_node: Node | None, current_index: object) -> None:
        """Enter a node: count it and check the nesting depth."""
        self.nodes += 1
        self.depth += 1
        if self.depth > MAX_DEPTH:
            if current_node is not None:
                self.deep_mark = current_node.start_mark
            raise _TooDeep

    def ascend_resolver(self) -> None:
        """Leave a node."""
        self.depth -= 1

    def resolve(self, kind: type[Node], value: str | None, implicit: tuple[bool, bool]) -> str:
        """Tag an untagged node: private plain/quoted tags for scalars."""
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else _QUOTED
        if kind is SequenceNode:
            return _SEQ
        return _MAP


class _Loader(Protocol):
    """What :func:`parse_yaml` uses of a loader."""

    nodes: int
    deep_mark: yaml.Mark | None

    def get_single_node(self) -> Node | None: ...

    def dispose(self) -> None: ...


class _PyLoader(_LoaderHooks, yaml.SafeLoader):
    """The pure-Python loader (fallback); its reader errors count characters."""


FAST_PATH = True
"""Read plain data files with :mod:`guabao_rules.sources.yamlfast` first (same results, faster)."""

_LOADER: Callable[[str], _Loader] = _PyLoader
"""The loader in use: libyaml's when PyYAML was built with it."""

if getattr(yaml, "__with_libyaml__", False):

    class _CLoader(_LoaderHooks, yaml.CSafeLoader):
        """The libyaml loader; its reader errors count UTF-8 bytes."""

    _LOADER = _CLoader


def _mark(mark: yaml.Mark | None) -> Mark:
    """A PyYAML mark (0-based) as a 1-based :class:`Mark`."""
    if mark is None:
        return Mark(1, 1)
    return Mark(mark.line + 1, mark.column + 1)


def _show_tag(tag: str) -> str:
    """A tag as written in YAML (``!!int`` rather than its full URI)."""
    return "!!" + tag[len(_STD) :] if tag.startswith(_STD) else tag


def _show_value(value: str) -> str:
    """A scalar's text, shortened for a message."""
    return value if len(value) <= 40 else value[:37] + "..."


def _problem(
    code: _ProblemCode,
    en: str,
    zh: str,
    mark: Mark,
    path: tuple[Key, ...] = (),
    *,
    key: str | None = None,
) -> ReadProblem:
    rule: ReadRule = (
        "D007" if code == "duplicate_key" else "D003" if code == "complex_key" else "D000"
    )
    return ReadProblem(rule=rule, code=code, text=Text(zh=zh, en=en), mark=mark, path=path, key=key)


def _number(match: re.Match[str], text: str) -> Any:
    """The value of a core-schema number matched by :data:`_NUMBER`, or ``_INVALID``."""
    group = match.lastgroup
    try:
        if group == "int":
            return int(text)
        if group == "float":
            return Decimal(text)
        if group == "oct":
            return int(match.group("oct"), 8)
        return int(match.group("hex"), 16)
    except (ValueError, ArithmeticError):
        # More digits than int() accepts, or an exponent Decimal cannot hold.
        return _INVALID


def _plain(text: str) -> Any:
    """The core-schema value of an untagged plain scalar."""
    value = _PLAIN_CONSTANTS.get(text, _INVALID)
    if value is not _INVALID:
        return value
    return _plain_number(text) if text[0] in _NUMBER_START else text


def _plain_number(text: str) -> Any:
    """The value of a plain scalar that may be a number (else the text itself)."""
    match = _NUMBER.fullmatch(text)
    if match is not None:
        value = _number(match, text)
        if value is not _INVALID:
            return value
    return text


def _tagged(tag: str, text: str) -> Any:
    """The value of a scalar under an explicit standard tag, or ``_INVALID``."""
    if tag == _STR:
        return text
    if tag == _NULL:
        return None if text in _NULLS else _INVALID
    if tag == _BOOL:
        return _BOOLS.get(text, _INVALID)
    if tag == _FLOAT and text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    match = _NUMBER.fullmatch(text)
    if match is None:
        return _INVALID
    if tag == _INT:
        return _INVALID if match.lastgroup == "float" else _number(match, text)
    value = _number(match, text)  # !!float
    return Decimal(value) if isinstance(value, int) else value


def _forbidden_tag(node: Node, path: tuple[Key, ...]) -> _Fatal:
    tag = _show_tag(node.tag)
    return _Fatal(
        _problem(
            "tag",
            f"The tag `{tag}` is not allowed: only plain YAML is read and nothing "
            "is constructed from tags.",
            f"不允许使用标签 `{tag}`:只读取普通 YAML,不会根据标签构造任何对象。",
            _mark(node.start_mark),
            path,
        )
    )


def _tagged_scalar(node: Node, path: tuple[Key, ...]) -> Any:
    """The value of a scalar node with an explicit tag; fatal when not allowed."""
    if node.tag not in _SCALAR_TAGS:
        raise _forbidden_tag(node, path)
    value = _tagged(node.tag, node.value)
    if value is _INVALID:
        tag = _show_tag(node.tag)
        text = _show_value(node.value)
        raise _Fatal(
            _problem(
                "tag",
                f"The value `{text}` cannot be read as `{tag}`.",
                f"值 `{text}` 不能按标签 `{tag}` 读取。",
                _mark(node.start_mark),
                path,
            )
        )
    return value


def _too_deep(mark: Mark, path: tuple[Key, ...] = ()) -> ReadProblem:
    return _problem(
        "syntax",
        f"The document is nested too deeply (more than {MAX_DEPTH} levels) to be read.",
        f"文档嵌套过深(超过 {MAX_DEPTH} 层),无法读取。",
        mark,
        path,
    )


class _Converter:
    """Turns composed nodes into plain values and position trees.

    One Python frame per mapping or sequence level (scalars are handled in
    the loop), and at most :data:`MAX_DEPTH` levels. Shared nodes (aliases)
    are converted again for every use, so the result is a plain tree; the
    caller has checked beforehand (:func:`_check_expansion`) that this is
    bounded and acyclic. As a safety net the nodes produced are counted per
    collection and checked against ``bound`` again.
    """

    __slots__ = ("bound", "count", "path", "problems")

    def __init__(self, bound: int) -> None:
        self.path: list[Key] = []
        self.problems: list[ReadProblem] = []
        self.bound = bound
        self.count = 1

    def node(self, node: Node) -> tuple[Any, PositionTree | None]:
        """Convert the root node."""
        if isinstance(node, MappingNode):
            return self.mapping(node, 0)
        if isinstance(node, SequenceNode):
            return self.sequence(node, 0)
        if node.tag is _PLAIN:
            return _plain(node.value), None
        if node.tag is _QUOTED:
            return node.value, None
        return _tagged_scalar(node, ()), None

    def mapping(self, node: MappingNode, depth: int) -> tuple[dict[str, Any], PositionTree]:
        """Convert a mapping; ``depth`` 0 is the document's root."""
        if node.tag != _MAP:
            raise _forbidden_tag(node, tuple(self.path))
        if depth > MAX_DEPTH:
            raise _Fatal(_too_deep(_mark(node.start_mark), tuple(self.path)))
        self.count += len(node.value) * 2
        if self.count > self.bound:
            raise _Fatal(_alias_bound(node, tuple(self.path), self.bound))
        keys: dict[Key, Mark] = {}
        children: dict[Key, PositionTree] = {}
        start = node.start_mark
        tree = PositionTree(Mark(start.line + 1, start.column + 1), keys, children)
        result: dict[str, Any] = {}
        path = self.path
        constants = _PLAIN_CONSTANTS.get
        invalid = _INVALID
        number_start = _NUMBER_START
        value: Any
        for key_node, value_node in node.value:
            if key_node.__class__ is not ScalarNode:
                self.complex_key(key_node, value_node)
                continue
            key: str = key_node.value
            tag = key_node.tag
            if tag is not _PLAIN and tag is not _QUOTED:
                _tagged_scalar(key_node, (*path, key))
            if key in keys:
                self.duplicate(key_node, value_node, result, children, depth)
                continue
            mark = key_node.start_mark
            keys[key] = Mark(mark.line + 1, mark.column + 1)
            cls = value_node.__class__
            if cls is ScalarNode:
                tag = value_node.tag
                if tag is _PLAIN:  # _plain(), inlined: most scalars are plain
                    text = value_node.value
                    value = constants(text, invalid)
                    if value is invalid:
                        value = _plain_number(text) if text[0] in number_start else text
                    result[key] = value
                elif tag is _QUOTED:
                    result[key] = value_node.value
                else:
                    result[key] = _tagged_scalar(value_node, (*path, key))
                continue
            path.append(key)
            if cls is MappingNode:
                result[key], children[key] = self.mapping(value_node, depth + 1)
            else:
                result[key], children[key] = self.sequence(value_node, depth + 1)
            path.pop()
        return result, tree

    def sequence(
        self, node: SequenceNode, depth: int, offset: int = 0
    ) -> tuple[list[Any], PositionTree]:
        """Convert a sequence whose first item has index ``offset``."""
        if node.tag != _SEQ:
            raise _forbidden_tag(node, tuple(self.path))
        if depth > MAX_DEPTH:
            raise _Fatal(_too_deep(_mark(node.start_mark), tuple(self.path)))
        self.count += len(node.value)
        if self.count > self.bound:
            raise _Fatal(_alias_bound(node, tuple(self.path), self.bound))
        keys: dict[Key, Mark] = {}
        children: dict[Key, PositionTree] = {}
        start = node.start_mark
        tree = PositionTree(Mark(start.line + 1, start.column + 1), keys, children)
        result: list[Any] = []
        append = result.append
        path = self.path
        constants = _PLAIN_CONSTANTS.get
        invalid = _INVALID
        number_start = _NUMBER_START
        value: Any
        for index, item in enumerate(node.value, offset):
            mark = item.start_mark
            keys[index] = Mark(mark.line + 1, mark.column + 1)
            cls = item.__class__
            if cls is ScalarNode:
                tag = item.tag
                if tag is _PLAIN:  # _plain(), inlined
                    text = item.value
                    value = constants(text, invalid)
                    if value is invalid:
                        value = _plain_number(text) if text[0] in number_start else text
                    append(value)
                elif tag is _QUOTED:
                    append(item.value)
                else:
                    append(_tagged_scalar(item, (*path, index)))
                continue
            path.append(index)
            if cls is MappingNode:
                value, children[index] = self.mapping(item, depth + 1)
            else:
                value, children[index] = self.sequence(item, depth + 1)
            path.pop()
            append(value)
        return result, tree

    def complex_key(self, key_node: Node, value_node: Node) -> None:
        """Report a mapping or sequence used as a key; the entry is skipped."""
        path = tuple(self.path)
        self.problems.append(
            _problem(
                "complex_key",
                "A mapping key must be a plain value, not a mapping or a list; "
                "this entry is skipped.",
                "映射的键必须是普通值,不能是映射或列表;此条目已跳过。",
                _mark(key_node.start_mark),
                path,
            )
        )
        _scan_tags(key_node, path)
        _scan_tags(value_node, path)

    def duplicate(
        self,
        key_node: ScalarNode,
        value_node: Node,
        result: dict[str, Any],
        children: dict[Key, PositionTree],
        depth: int,
    ) -> None:
        """Handle a key seen before in the same mapping (D007)."""
        key: str = key_node.value
        path = tuple(self.path)
        first = result[key]
        joined: SequenceNode | None = None
        if (
            depth == 0
            and isinstance(value_node, SequenceNode)
            and (first is None or isinstance(first, list))
        ):
            joined = value_node
        if joined is not None:
            en = (
                f"The collection `{key}` is named more than once at the top of the file; "
                "its lists are joined."
            )
            zh = f"集合 `{key}` 在文件顶层出现了多次;其列表已合并。"
        else:
            en = f"The key `{key}` appears more than once in this mapping; the first value is used."
            zh = f"键 `{key}` 在同一映射中出现了多次;使用第一个值。"
        self.problems.append(
            _problem("duplicate_key", en, zh, _mark(key_node.start_mark), path, key=key)
        )
        if joined is None:
            _scan_tags(value_node, (*path, key))
            return
        # A collection named twice at the top of a file (an empty one counts as
        # an empty list): join the lists, numbering the new items after the old
        # ones, in problem paths and in positions alike.
        offset = len(first) if first is not None else 0
        self.path.append(key)
        items, tree = self.sequence(joined, depth + 1, offset)
        self.path.pop()
        old = children.get(key)
        if old is not None:
            tree = PositionTree(
                old.start, {**old.keys, **tree.keys}, {**old.children, **tree.children}
            )
        result[key] = (first or []) + items
        children[key] = tree


def _scan_tags(root: Node, path: tuple[Key, ...]) -> None:
    """Reject a forbidden tag anywhere under a node that is skipped, not converted."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ScalarNode):
            if node.tag is not _PLAIN and node.tag is not _QUOTED:
                _tagged_scalar(node, path)
        elif isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                raise _forbidden_tag(node, path)
            stack.extend(node.value)
        else:
            if node.tag != _MAP:
                raise _forbidden_tag(node, path)
            for key_node, value_node in node.value:
                stack.append(key_node)
                stack.append(value_node)


def _entries(node: Node) -> list[tuple[Key, Node]]:
    """The children a conversion visits, labelled with their path keys."""
    if isinstance(node, SequenceNode):
        return list(enumerate(node.value))
    if isinstance(node, MappingNode):
        entries: list[tuple[Key, Node]] = []
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode):
                entries.append((key_node.value, key_node))
                entries.append((key_node.value, value_node))
        return entries
    return []


def _check_expansion(root: Node, bound: int) -> ReadProblem | None:
    """Check, without converting, that alias expansion is acyclic and bounded.

    Walks the node graph in document order as the conversion would, counting
    the nodes it would produce; the expanded size of every finished node is
    remembered, so a node met again (an alias) adds its size at once. The walk
    is therefore linear in the nodes written, and stops at the first alias
    that closes a cycle or takes the count over ``bound``.
    """
    sizes: dict[int, int] = {}
    active: set[int] = {id(root)}
    running = 1
    path: list[Key] = []
    stack: list[tuple[Node, list[tuple[Key, Node]], int, int]] = [(root, _entries(root), 0, 0)]
    while stack:
        node, entries, position, entry = stack[-1]
        if position == len(entries):
            stack.pop()
            active.discard(id(node))
            sizes[id(node)] = running - entry
            if path:
                path.pop()
            continue
        stack[-1] = (node, entries, position + 1, entry)
        key, child = entries[position]
        if isinstance(child, ScalarNode):
            running += 1
        elif id(child) in active:
            return _problem(
                "recursive_alias",
                "An alias refers to a node that contains it (a recursive alias), "
                "so the file is not read.",
                "别名引用了包含它自身的节点(递归别名),文件无法读取。",
                _mark(child.start_mark),
                (*path, key),
            )
        elif id(child) in sizes:
            running += sizes[id(child)]
        else:
            active.add(id(child))
            stack.append((child, _entries(child), 0, running))
            path.append(key)
            running += 1
            if running > bound:
                return _alias_bound(child, tuple(path), bound)
            continue
        if running > bound:
            return _alias_bound(child, (*path, key), bound)
    return None


def _alias_bound(node: Node, path: tuple[Key, ...], bound: int) -> ReadProblem:
    return _problem(
        "alias_bound",
        f"Expanding the aliases would produce more than {bound:,} nodes, so the file is not read.",
        f"展开别名将产生超过 {bound:,} 个节点,文件无法读取。",
        _mark(node.start_mark),
        path,
    )


def _char_mark(text: str, index: int) -> Mark:
    """The mark of character ``index`` of ``text``."""
    index = max(0, min(index, len(text)))
    line_start = text.rfind("\n", 0, index) + 1
    return Mark(text.count("\n", 0, index) + 1, index - line_start + 1)


def _encoding_problem(data: bytes, error: UnicodeDecodeError) -> ReadProblem:
    start = error.start
    line_start = data.rfind(b"\n", 0, start) + 1
    column = len(data[line_start:start].decode("utf-8", "replace")) + 1
    mark = Mark(data.count(b"\n", 0, start) + 1, column)
    byte = f"0x{data[start]:02X}"
    try:
        data.decode("gbk")
    except UnicodeDecodeError:
        return _problem(
            "encoding",
            f"The file is not valid UTF-8 (byte {byte} here); save it as UTF-8.",
            f"文件不是有效的 UTF-8 编码(此处有字节 {byte});请以 UTF-8 保存。",
            mark,
        )
    return _problem(
        "encoding",
        f"The file is not UTF-8 (byte {byte} here) but looks GBK-encoded; convert it to "
        "UTF-8, e.g. with `iconv -f GBK -t UTF-8`.",
        f"文件不是 UTF-8 编码(此处有字节 {byte}),看起来是 GBK 编码;请转换为 UTF-8,"
        "例如使用 `iconv -f GBK -t UTF-8`。",
        mark,
    )


def _syntax_problem(error: yaml.YAMLError, text: str, data: bytes) -> ReadProblem:
    from guabao_rules.hints import joined, yaml_detail_zh  # broken files only: off start-up

    if isinstance(error, yaml.MarkedYAMLError):
        mark = _mark(error.problem_mark or error.context_mark)
        problem = error.problem or "invalid YAML"
        if error.context == "expected a single document in the stream":
            return _problem(
                "multiple_documents",
                "The file holds more than one YAML document; a data file holds exactly one.",
                "文件包含多个 YAML 文档;一个数据文件只能包含一个文档。",
                mark,
            )
        detail = f"{error.context}: {problem}" if error.context else problem
        detail_zh = yaml_detail_zh(error.context, problem)
        first = error.context_mark.line if error.context_mark is not None else mark.line - 1
        hints = _trap_hints(text, first, mark.line - 1)
    elif isinstance(error, yaml.reader.ReaderError):
        position = int(error.position)
        if _LOADER is not _PyLoader:  # libyaml counts bytes of the UTF-8 text
            position = len(data[:position].decode("utf-8", "replace"))
        mark = _char_mark(text, position)
        detail = f"{error.reason} (character U+{int(error.character):04X})"
        detail_zh = yaml_detail_zh(None, detail)
        hints = []
    else:  # pragma: no cover - PyYAML raises only the errors above
        mark = Mark(1, 1)
        detail = detail_zh = str(error)
        hints = []
    message = joined(
        Text(zh=f"YAML 语法错误:{detail_zh}", en=f"YAML syntax error: {detail}"), hints
    )
    return _problem("syntax", f"{message.en}.", f"{message.zh}。", mark)


_TRAP_LINES = 3
"""Lines a syntax error's hints look at, back from the line it points to."""


def _trap_hints(text: str, first: int, last: int) -> list[Text]:
    """Typing-trap hints from the lines (0-based) a syntax error spans, nearest first."""
    from guabao_rules.hints import line_hints

    first = max(first, last - _TRAP_LINES + 1, 0)
    lines = text.splitlines()
    hints: list[Text] = []
    for number in range(min(last, len(lines) - 1), first - 1, -1):
        for hint in line_hints(lines[number]):
            if hint not in hints:
                hints.append(hint)
    return hints


def _fatal(problem: ReadProblem, nodes: int = 0) -> ParsedYaml:
    return ParsedYaml(None, None, (problem,), True, nodes)


def _parse(data: bytes, min_node_bound: int, node_factor: int, plain: bool) -> ParsedYaml:
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return _fatal(_encoding_problem(data, error))
    restore = False
    if any(char in text for char in _YAML11_BREAKS) and not any(
        char in text for char in _STAND_INS
    ):
        # YAML 1.2: hide them from PyYAML's YAML 1.1 scanner, then put them
        # back in every value, key and message (the fast reader never reads
        # them, so it is not asked).
        text = text.translate(_TO_STAND_INS)
        restore = True
    if restore:  # libyaml's error positions count bytes of the text it was given
        data = text.encode("utf-8")
    parsed = _parse_text(text, data, min_node_bound, node_factor, fast_path=plain and not restore)
    return _restored(parsed) if restore else parsed


def _restore(value: Any) -> Any:
    if isinstance(value, str):
        return value.translate(_FROM_STAND_INS)
    if isinstance(value, dict):
        return {_restore(key): _restore(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_restore(item) for item in value]
    return value


def _restore_tree(tree: PositionTree) -> PositionTree:
    return PositionTree(
        tree.start,
        {_restore(key): mark for key, mark in tree.keys.items()},
        {_restore(key): _restore_tree(child) for key, child in tree.children.items()},
    )


def _restored(parsed: ParsedYaml) -> ParsedYaml:
    """``parsed`` with the stand-ins of :data:`_YAML11_BREAKS` turned back."""
    problems = tuple(
        ReadProblem(
            rule=p.rule,
            code=p.code,
            text=Text(zh=_restore(p.text.zh), en=_restore(p.text.en)),
            mark=p.mark,
            path=tuple(_restore(k) for k in p.path),
            key=_restore(p.key),
        )
        for p in parsed.problems
    )
    positions = _restore_tree(parsed.positions) if parsed.positions is not None else None
    return ParsedYaml(_restore(parsed.value), positions, problems, parsed.fatal, parsed.nodes)


def _parse_text(
    text: str, data: bytes, min_node_bound: int, node_factor: int, *, fast_path: bool
) -> ParsedYaml:
    if FAST_PATH and fast_path:
        fast = parse_plain(text, _plain)
        if fast is not None:
            value, positions, nodes = fast
            return ParsedYaml(value, positions, (), False, nodes)
    loader: _Loader | None = None
    try:
        loader = _LOADER(text)  # the Python reader checks the characters here
        root = loader.get_single_node()
    except _TooDeep:
        return _fatal(_too_deep(_mark(loader.deep_mark if loader is not None else None)))
    except yaml.YAMLError as error:
        return _fatal(_syntax_problem(error, text, data))
    finally:
        if loader is not None:
            loader.dispose()
    nodes = loader.nodes
    if root is None:
        return ParsedYaml(None, None, (), False, nodes)
    bound = max(min_node_bound, node_factor * nodes)
    if nodes > bound or ("&" in text and _ANCHOR.search(text)):
        problem = _check_expansion(root, bound)
        if problem is not None:
            return _fatal(problem, nodes)
    converter = _Converter(bound)
    try:
        value, positions = converter.node(root)
    except _Fatal as stop:
        return _fatal(stop.problem, nodes)
    return ParsedYaml(value, positions, tuple(converter.problems), False, nodes)


def parse_yaml(
    data: bytes, *, min_node_bound: int = 1_000_000, node_factor: int = 10, plain: bool = True
) -> ParsedYaml:
    """Read one YAML document into plain values and positions.

    Never raises: an unreadable file gives ``fatal`` and a D000 problem.

    Args:
        data: The file's bytes (UTF-8, with or without a BOM).
        min_node_bound: Alias expansion may always produce this many nodes.
        node_factor: ... or this many times the nodes written, if more.
        plain: Try the fast reader first (False: the text is known not to be plain data).

    Returns:
        The value, its positions, the problems found and the node count.
    """
    enabled = gc.isenabled()
    gc.disable()  # millions of short-lived nodes: the cyclic GC would cost 5x the parse
    try:
        return _parse(data, min_node_bound, node_factor, plain)
    except RecursionError:
        return _fatal(_too_deep(Mark(1, 1)))
    except MemoryError:
        return _fatal(
            _problem(
                "syntax",
                "The document is too large or nested too deeply to be read.",
                "文档过大或嵌套过深,无法读取。",
                Mark(1, 1),
            )
        )
    except Exception as error:  # a bug here must not stop a whole run: report it
        return _fatal(
            _problem(
                "syntax",
                f"The file could not be read (internal error {type(error).__name__}: {error}).",
                f"文件无法读取(内部错误 {type(error).__name__}:{error})。",
                Mark(1, 1),
            )
        )
    finally:
        if enabled:
            gc.enable()
