"""Configuration errors name file:line:column, found by the TOML position scanner."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from guabao_rules.config import Config, ConfigError, read_config_file
from guabao_rules.engine.core import plan
from guabao_rules.sources.positions import Mark
from guabao_rules.sources.tomlpositions import toml_positions

TOML = """# a comment
profile = "x"
select = [
  "Q",  # a bracket in a comment: [
  "M",
]
note = \"\"\"
lang = "not a key: inside a string"
[not-a-table]
\"\"\"
[params]
leaders_per_county = 2
"quoted.key" = 3
a.b = 4

[tool.guabao-rules.severity]
Q003 = "warning"

[[runs]]
x = 1
[[runs]]
x = 2
"""


def test_keys_tables_and_dotted_keys_have_their_lines() -> None:
    tree = toml_positions(TOML)
    assert tree.locate(("profile",)) == Mark(2, 1)
    assert tree.locate(("select",)) == Mark(3, 1)
    assert "lang" not in tree.keys and "not-a-table" not in tree.keys
    assert tree.locate(("params", "leaders_per_county")) == Mark(12, 1)
    assert tree.locate(("params", "quoted.key")) == Mark(13, 1)
    assert tree.locate(("params", "a", "b")) == Mark(14, 3)
    assert tree.locate(("tool", "guabao-rules", "severity", "Q003")) == Mark(17, 1)
    assert tree.locate(("runs", 1, "x")) == Mark(22, 1)


@pytest.mark.parametrize(
    ("name", "text", "where", "needle"),
    [
        ("guabao-rules.toml", "lang = 'zh'\ncolour = true\n", ":2:1:", "unknown key `colour`"),
        ("guabao-rules.toml", "profile = 3\n", ":1:1:", "`profile`"),
        ("guabao-rules.toml", "select = ['Q', 3]\n", ":1:1:", "`select[1]`"),
        ("guabao-rules.toml", "as_of = '2019-13-01'\n", ":1:1:", "YYYY-MM-DD"),
        ("guabao-rules.toml", "[severity]\nQ001 = 'info'\nQ003 = 'fatal'\n", ":3:1:", "Q003"),
        ("guabao-rules.toml", "[encoding]\n'a/*' = 'gbk'\n'b/*' = 'latin-1'\n", ":3:1:", "b/*"),
        ("guabao-rules.toml", "lang = 'fr'\n", ":1:1:", "'zh' or 'en'"),
        (
            "pyproject.toml",
            "[project]\nname = 'x'\n\n[tool.guabao-rules]\nas_of = 2019-12-31\nlang = 'de'\n",
            ":6:1:",
            "`lang`",
        ),
        (
            "pyproject.toml",
            "[tool.guabao-rules.params]\nx = 1\n[tool.guabao-rules]\ny = 2\n",
            ":4:1:",
            "`y`",
        ),
    ],
)
def test_a_bad_setting_names_its_line(
    tmp_path: Path, name: str, text: str, where: str, needle: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_config_file(path)
    (line,) = str(caught.value).splitlines()
    assert line.startswith(f"{path}{where} "), line
    assert needle in line


def test_good_settings_read_as_before(tmp_path: Path) -> None:
    path = tmp_path / "guabao-rules.toml"
    path.write_text(
        "as_of = 2019-12-31\nselect = 'Q'\nencoding = 'GB18030'\n[severity]\nQ003 = 'info'\n",
        encoding="utf-8",
    )
    config = read_config_file(path)
    assert str(config.as_of) == "2019-12-31"
    assert config.select == ["Q"]
    assert config.encoding == [("**", "gb18030")]
    assert config.severity == {"Q003": "info"}


@pytest.mark.parametrize(
    ("text", "where", "needle"),
    [
        ("select = ['Q', 'ZZ']\n", ":1:1:", "unknown rule id or prefix `ZZ`"),
        ("[params]\nleaders_per_county = 1\nno_such = 2\n", ":3:1:", "unknown parameter"),
        ("[params]\nleaders_per_county = 'two'\n", ":2:1:", "must be of type int"),
        ("[severity]\nQ001 = 'info'\nX999 = 'info'\n", ":3:1:", "unknown rule id `X999`"),
    ],
)
def test_a_setting_judged_against_the_catalogue_names_its_line(
    tmp_path: Path, text: str, where: str, needle: str
) -> None:
    path = tmp_path / "guabao-rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        plan(read_config_file(path))
    assert str(caught.value).startswith(f"{path}{where} ")
    assert needle in str(caught.value)


@pytest.mark.parametrize(
    ("text", "where", "needle"),
    [
        ("params:\n  leaders_per_county: 1\n  nope: 3\n", ":5:3:", "unknown parameter `nope`"),
        ("select: [Q, ZZ9]\n", ":3:13:", "unknown rule id or prefix `ZZ9`"),
        ("ignore: [M001, 'no-such-rule']\n", ":3:16:", "NO-SUCH-RULE"),
    ],
)
def test_a_profile_setting_judged_against_the_catalogue_names_its_place(
    tmp_path: Path, text: str, where: str, needle: str
) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\ndescription: {zh: 我的, en: mine}\n" + text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        plan(Config(profile=str(path)))
    assert str(caught.value).startswith(f"{path}{where} ")
    assert needle in str(caught.value)


def test_where_a_parameter_was_set_is_shown_from_the_positions(tmp_path: Path) -> None:
    path = tmp_path / "guabao-rules.toml"
    path.write_text("[params]\n# why\nleaders_per_county = 1\n", encoding="utf-8")
    the_plan = plan(read_config_file(path))
    assert the_plan.settings is not None
    assert the_plan.settings.origins["leaders_per_county"] == (path, 3)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_only_toml_newlines_end_a_line(newline: str, separator: str) -> None:
    """A comment or string holding a Unicode line separator stays one line, as TOML reads it."""
    text = newline.join(
        [f"# note{separator}lang = 'zh'", f"profile = 'a{separator}b'", "lang = 'en'", ""]
    )
    assert tomllib.loads(text)["lang"] == "en"
    tree = toml_positions(text)
    assert tree.locate(("profile",)) == Mark(2, 1)
    assert tree.locate(("lang",)) == Mark(3, 1)
