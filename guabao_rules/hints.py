"""Help in both languages: YAML parser messages in Chinese, and hints for typing traps.

PyYAML and libyaml explain a syntax error in English phrases built from a small
set of pieces ("while parsing a block mapping", "expected <block end>, but
found '<block mapping start>'"). :func:`yaml_detail_zh` says the same in
Chinese, keeping every token, quoted character and name as written, so the
two texts carry the same facts. The typing traps (a full-width ``：`` or ``，``,
a tab in the indentation, a comma inside a number, digits that lose their
leading zeros) are recognised from the text at fault and named with their fix.
"""

from __future__ import annotations

import re

from guabao_rules.diagnostics import Text

_NOUNS: dict[str, str] = {
    "block mapping": "块映射",
    "block collection": "块集合",
    "block sequence": "块序列",
    "indentless sequence": "无缩进序列",
    "flow mapping": "流式映射({…})",
    "flow sequence": "流式序列([…])",
    "flow": "流式",
    "block": "块",
    "flow collection": "流式集合",
    "node": "节点",
    "mapping": "映射",
    "sequence": "序列",
    "simple key": "简单键",
    "quoted scalar": "带引号的标量",
    "double-quoted scalar": "双引号标量",
    "single-quoted scalar": "单引号标量",
    "plain scalar": "普通标量",
    "block scalar": "块标量",
    "directive": "指令",
    "%YAML directive": "%YAML 指令",
    "%TAG directive": "%TAG 指令",
    "tag": "标签",
    "anchor": "锚点",
    "alias": "别名",
    "document": "文档",
    "document content": "文档内容",
    "next token": "下一个记号",
    "for the next token": "下一个记号",
}
"""What the parser was reading, in Chinese."""

_VERBS = {"parsing": "解析", "scanning": "扫描", "composing": "组合", "reading": "读取"}

_CONTEXT = re.compile(r"while (parsing|scanning|composing|reading) (?:an? |the )?(.+)")

_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), zh)
    for pattern, zh in (
        (r"expected (.+), but (?:found|got) (.+)", "应为 {0},却遇到 {1}"),
        (r"(?:did not|could not) find expected (.+)", "未找到应有的 {0}"),
        (r"found unexpected end of stream", "文件意外结束"),
        (r"found unexpected document separator", "遇到意外的文档分隔符"),
        (r"found unexpected ':'", "遇到意外的 ':'"),
        (r"found character (.+) that cannot start any token", "字符 {0} 不能开始任何记号"),
        (r"found character that cannot start any token", "遇到不能开始任何记号的字符"),
        (
            r"found a tab character that violates? indentation",
            "遇到违反缩进规则的制表符",
        ),
        (
            r"found a tab character where an indentation space is expected",
            "在应为缩进空格处遇到制表符",
        ),
        (r"found undefined alias (.+)", "遇到未定义的别名 {0}"),
        (r"found undefined alias", "遇到未定义的别名"),
        (r"found duplicate anchor (.+); first occurrence", "遇到重复的锚点 {0};首次出现处"),
        (r"found duplicate anchor; first occurrence", "遇到重复的锚点;首次出现处"),
        (r"second occurrence", "第二次出现处"),
        (r"found duplicate anchor(.*)", "遇到重复的锚点{0}"),
        (r"found undefined tag handle (.+)", "遇到未定义的标签句柄 {0}"),
        (r"found undefined tag handle", "遇到未定义的标签句柄"),
        (r"found unknown escape character (.+)", "遇到未知的转义字符 {0}"),
        (r"found unknown escape character", "遇到未知的转义字符"),
        (r"found non-specific tag '!'", "遇到非特定标签 '!'"),
        (r"found duplicate (%\w+) directive", "遇到重复的 {0} 指令"),
        (r"found incompatible YAML document(.*)", "遇到不兼容的 YAML 文档{0}"),
        (r"found unexpected end of stream", "文件意外结束"),
        (r"found incorrect leading UTF-8 octet", "遇到错误的 UTF-8 首字节"),
        (r"found incomplete UTF-8 octet sequence", "遇到不完整的 UTF-8 字节序列"),
        (r"found invalid Unicode character escape code", "遇到无效的 Unicode 转义码"),
        (r"found extra tokens at the end of the directive", "指令末尾有多余的记号"),
        (r"found (.+)", "遇到 {0}"),
        (
            r"mapping values are not allowed (?:here|in this context)",
            "此处不允许映射值(冒号加空格)",
        ),
        (r"mapping keys are not allowed (?:here|in this context)", "此处不允许映射键(问号加空格)"),
        (
            r"block sequence entries are not allowed (?:here|in this context)",
            "此处不允许块序列项(短横加空格)",
        ),
        (r"unacceptable character (.+?): (.+)", "不可接受的字符 {0}:{1}"),
        (r"control characters are not allowed", "不允许控制字符"),
        (r"invalid leading UTF-8 octet", "无效的 UTF-8 首字节"),
        (r"invalid trailing UTF-8 octet", "无效的 UTF-8 后续字节"),
        (r"incomplete UTF-8 octet sequence", "不完整的 UTF-8 字节序列"),
        (r"invalid Unicode character", "无效的 Unicode 字符"),
        (r"invalid YAML", "无效的 YAML"),
        (r"special characters are not allowed", "不允许特殊字符"),
        (r"(.+) \(character (U\+[0-9A-F]+)\)", "{0}(字符 {1})"),
    )
)
"""Parser problems, most specific first: each English form and its Chinese."""

_PHRASES = {
    "<block end>": "<block end>(块结束)",
    "<block mapping start>": "<block mapping start>(块映射开始)",
    "<block sequence start>": "<block sequence start>(块序列开始)",
    "<document start>": "<document start>(文档开始)",
    "<document end>": "<document end>(文档结束)",
    "<stream end>": "<stream end>(文件结束)",
    "<scalar>": "<scalar>(标量)",
    "<flow mapping start>": "<flow mapping start>(流式映射开始)",
    "<flow sequence start>": "<flow sequence start>(流式序列开始)",
    "<block entry>": "<block entry>(块序列项)",
    "the node content": "节点内容",
    "node content": "节点内容",
    "a comment or a line break": "注释或换行",
    "comment or line break": "注释或换行",
    "'-' indicator": "'-' 指示符",
    "key": "键",
    "alphabetic or numeric character": "字母或数字",
    "a digit": "数字",
    "URI": "URI",
}
"""Tokens and things expected, as the Chinese text names them (the token kept as written)."""

_OR = re.compile(r"\s+or\s+")


def _phrase_zh(phrase: str) -> str:
    phrase = phrase.strip()
    if phrase in _PHRASES:
        return _PHRASES[phrase]
    stripped = phrase.strip("'\"")
    if phrase != stripped and stripped in _PHRASES:
        return _PHRASES[stripped]
    if " or " in phrase:  # "',' or '}'": each alternative, joined by 或
        return " 或 ".join(_phrase_zh(part) for part in _OR.split(phrase))
    return phrase


def _problem_zh(problem: str) -> str:
    for pattern, zh in _PROBLEMS:
        match = pattern.fullmatch(problem.strip())
        if match:
            return zh.format(*(_phrase_zh(group) for group in match.groups()))
    return f"{problem}(解析器原文)"


def _context_zh(context: str) -> str:
    match = _CONTEXT.fullmatch(context.strip())
    if not match:  # libyaml names some contexts as findings: "found duplicate anchor; ..."
        return _problem_zh(context)
    verb, noun = match.groups()
    noun = noun.strip()
    if noun.endswith(" node"):  # "while parsing a block node"
        noun_zh = _NOUNS.get(noun[: -len(" node")], noun[: -len(" node")]) + "节点"
    else:
        noun_zh = _NOUNS.get(noun, noun)
    return f"{_VERBS[verb]}{noun_zh}时"


def yaml_detail_zh(context: str | None, problem: str) -> str:
    """A parser's ``context: problem`` in Chinese, with its tokens kept as written.

    A phrase outside the known set is kept in English and marked as the parser's
    own words, so no fact is dropped.
    """
    zh = _problem_zh(problem)
    if context:
        zh = f"{_context_zh(context)},{zh}"
    return _CJK_SPACE.sub("", zh)


_CJK_SPACE = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef]) +(?=[\u3000-\u9fff\uff00-\uffef])")
"""A space between two Chinese characters, left by joining phrases."""


# --- typing traps -----------------------------------------------------------------

FULLWIDTH_COLON = "\uff1a"
FULLWIDTH_COMMA = "\uff0c"

_COMMA_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_THOUSANDS = re.compile(r"\d{3}")


def line_hints(line: str) -> list[Text]:
    """Hints for the typing traps seen in one source line (may be none)."""
    hints: list[Text] = []
    content = line.split("#", 1)[0]
    if FULLWIDTH_COLON in content:
        hints.append(
            Text(
                zh="此行有全角冒号 `：`;YAML 的键值之间要用半角 `:` 加一个空格",
                en="this line has a full-width colon `：`; YAML needs an ASCII `:` and a space "
                "between key and value",
            )
        )
    if FULLWIDTH_COMMA in content:
        hints.append(
            Text(
                zh="此行有全角逗号 `，`;列表和 {…} 中的各项要用半角 `,` 分隔",
                en="this line has a full-width comma `，`; items of a list or of {…} are "
                "separated by an ASCII `,`",
            )
        )
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    if "\t" in indent:
        hints.append(
            Text(
                zh="此行用制表符(Tab)缩进;YAML 只能用空格缩进",
                en="this line is indented with a tab; YAML indentation must be spaces",
            )
        )
    return hints


def value_hints(value: object) -> list[Text]:
    """Hints for a value the user wrote that a field could not take (may be none)."""
    if not isinstance(value, str):
        return []
    hints: list[Text] = []
    if _COMMA_NUMBER.fullmatch(value.strip()):
        plain = value.strip().replace(",", "")
        hints.append(
            Text(
                zh=f"数字中不能有千位分隔符:写作 {plain}",
                en=f"a number has no thousands separators: write {plain}",
            )
        )
    if FULLWIDTH_COLON in value or FULLWIDTH_COMMA in value:
        hints.append(
            Text(
                zh="值中有全角 `：` 或 `，`;YAML 的分隔符要用半角 `:`、`,`",
                en="the value holds a full-width `：` or `，`; YAML separators are the ASCII "
                "`:` and `,`",
            )
        )
    return hints


def number_hint(value: object) -> Text | None:
    """The hint for a number where text is expected: unquoted digits lose leading zeros."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return Text(
        zh=f"YAML 把未加引号的数字读作数 {value},前导零会丢失(0012 读作 12);"
        '请按原样加引号,如 "0012"',
        en=f"YAML reads unquoted digits as the number {value} and leading zeros are lost "
        '(0012 is read as 12); quote it as written, e.g. "0012"',
    )


def split_number_hint(key: str) -> Text | None:
    """The hint for an unknown field named by digits: a comma split a number in ``{…}``."""
    if not _THOUSANDS.fullmatch(key):
        return None
    return Text(
        zh=f"字段名 `{key}` 多半来自数字中的逗号:在 {{…}} 中 `1,500,000` 被拆成 `1`、`500`、`000`;"
        "请去掉千位分隔符,写作 1500000",
        en=f"a field named `{key}` most likely comes from a comma inside a number: in {{…}}, "
        "`1,500,000` splits into `1`, `500` and `000`; write 1500000 without separators",
    )


def joined(base: Text, hints: list[Text]) -> Text:
    """``base`` followed by its hints in brackets, in both languages."""
    if not hints:
        return base
    return Text(
        zh=base.zh + "".join(f"(提示:{h.zh})" for h in hints),
        en=base.en + "".join(f" (hint: {h.en})" for h in hints),
    )
