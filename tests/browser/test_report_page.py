"""The report page in a real browser: Debian's headless Chromium under WebDriver.

Each test writes the page with the command line, opens it from disk (no
server: offices open it from a folder), and looks at it as a user would: the
DOM, the console, the links, the filter, the language switch, and a screenshot
kept under ``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import EXAMPLES
from pages import ARTIFACTS, chromium, have_browser, many_findings

from guabao_rules.cli import main

if not have_browser():
    if os.environ.get("CI"):  # .ci/run installs chromium: missing there is a failure
        pytest.fail("chromium and chromedriver are not installed", pytrace=False)
    pytest.skip("chromium and chromedriver are not installed", allow_module_level=True)

BROKEN = EXAMPLES / "broken"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


def findings_json(path: Path, *extra: str) -> list[dict[str, Any]]:
    out = subprocess.run(
        [sys.executable, "-m", "guabao_rules", "check", str(path), "--format", "json", *extra],
        capture_output=True,
        check=False,
        text=True,
    )
    data: list[dict[str, Any]] = json.loads(out.stdout)["diagnostics"]
    return data


def open_page(browser: Any, path: Path, out: Path, *extra: str) -> None:
    assert main(["check", str(path), "--format", "html", "-o", str(out), *extra]) in (0, 1)
    browser.get(out.as_uri())
    browser.get_log("browser")  # start each page with an empty console record


def console_problems(browser: Any) -> list[dict[str, Any]]:
    return [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]


def rendered(browser: Any) -> list[dict[str, Any]]:
    """Every finding the page shows, page by page."""
    out: list[dict[str, Any]] = []
    pages = browser.execute_script("return Math.max(1, window.guabao.pages());")
    for page in range(pages):
        browser.execute_script("window.guabao.goto(arguments[0]);", page)
        out += browser.execute_script(
            """return Array.from(document.querySelectorAll('#list .finding')).map(f => ({
                 id: f.id, rule: f.dataset.rule, text: f.textContent,
                 county: f.closest('.group').dataset.county,
                 caret: !!f.querySelector('pre.src .caret')}));"""
        )
    browser.execute_script("window.guabao.goto(0);")
    return out


def test_every_finding_is_on_the_page(browser: Any, tmp_path: Path) -> None:
    expected = findings_json(BROKEN, "--lang", "en")
    open_page(browser, BROKEN, tmp_path / "report.html", "--lang", "en")
    shown = rendered(browser)
    assert sorted(int(f["id"].removeprefix("finding-")) for f in shown) == list(
        range(len(expected))
    )
    by_id = {int(f["id"].removeprefix("finding-")): f for f in shown}
    for n, finding in enumerate(expected):
        on_page = by_id[n]
        assert on_page["rule"] == finding["rule"]
        assert finding["message"] in on_page["text"]
        if finding["line"] is not None and finding["file"] != "01-syntax-error.yaml":
            assert on_page["caret"], finding
    # grouped by county, then rule: the groups come in that order
    keys = [(f["county"] == "-", f["county"], f["rule"]) for f in shown]
    assert keys == sorted(keys)
    assert console_problems(browser) == []


def test_links_lead_somewhere(browser: Any, tmp_path: Path) -> None:
    open_page(browser, BROKEN, tmp_path / "report.html")
    missing = browser.execute_script(
        """return Array.from(document.querySelectorAll('a[href]'))
             .map(a => a.getAttribute('href'))
             .filter(h => !h.startsWith('#') || !document.getElementById(h.slice(1)));"""
    )
    assert missing == []  # every link is in-page, and its target exists
    link = browser.find_element("css selector", "#list a.rule-link")
    rule = link.text
    link.click()
    assert browser.execute_script(
        "return document.getElementById(arguments[0]).open;", f"rule-{rule}"
    )
    assert browser.execute_script("return location.hash;") == f"#rule-{rule}"
    explanation = browser.find_element("id", f"rule-{rule}").text
    assert rule in explanation
    browser.find_element("css selector", "nav.top a[href='#money']").click()
    assert browser.execute_script("return location.hash;") == "#money"
    assert console_problems(browser) == []


def test_filter_and_language(browser: Any, tmp_path: Path) -> None:
    expected = findings_json(BROKEN, "--lang", "zh")
    open_page(browser, BROKEN, tmp_path / "report.html", "--lang", "zh")
    box = browser.find_element("id", "q")
    box.send_keys("M004")
    count = browser.execute_script("return window.guabao.count();")
    assert count == sum(f["rule"] == "M004" for f in expected) > 0
    box.clear()
    browser.execute_script("window.guabao.filter();")
    severity = browser.find_element("id", "f-sev")
    severity.send_keys("警告")
    warnings = sum(f["severity"] == "warning" for f in expected)
    assert browser.execute_script("return window.guabao.count();") == warnings
    title = browser.find_element("css selector", "header h1")
    assert title.text == "挂包帮数据检查报告"
    browser.find_element("css selector", "button.lang[data-lang='en']").click()
    assert title.text == "guabao-rules report"
    assert "findings" in browser.find_element("id", "shown").text
    assert console_problems(browser) == []


def test_screenshot_of_the_overview(browser: Any, tmp_path: Path) -> None:
    open_page(browser, EXAMPLES / "yunnan-sanqu-sanzhou", tmp_path / "report.html", "--lang", "zh")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-overview.png"
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 20_000  # a page was drawn, not a blank window
    cells = browser.find_elements("css selector", "#scorecard tbody td")
    assert cells  # the 七化 scorecard of the example's counties
    flows = browser.find_elements("css selector", "figure.county-flow svg .band")
    assert flows  # the money is drawn
    open_page(browser, BROKEN, tmp_path / "broken.html", "--lang", "zh")
    browser.find_element("css selector", "nav.top a[href='#money']").click()
    assert browser.save_screenshot(str(ARTIFACTS / "report-money-broken.png"))
    broken = browser.find_elements("css selector", "svg .broken")
    assert broken  # the T rules' findings mark their links
    assert console_problems(browser) == []


def test_hostile_data_stays_text(
    browser: Any, write_dataset: Callable[[dict[str, str | bytes]], Path], tmp_path: Path
) -> None:
    root = write_dataset(
        {
            "guabao-rules.toml": 'as_of = 2019-12-31\nselect = ["D"]\n',
            "units.yaml": "units:\n  - {id: U-1, name: 单位, kind: provincial_unit}\n",
            "cadres.yaml": (
                "cadres:\n"
                '  - {id: "<img src=x onerror=alert(1)>", name: a, unit: "</script><b>x"}\n'
                '  - {id: "C-2", name: "\\u202e\\x1b[31m", unit: "<svg onload=alert(2)>"}\n'
            ),
        }
    )
    open_page(browser, root, tmp_path / "report.html")
    injected = "img, #list b:not(.subject), svg[onload], script:not([id=data])"
    count = "return document.querySelectorAll(arguments[0]).length;"
    assert browser.execute_script(count, injected) == 1  # the page's own script only
    text = browser.find_element("id", "list").text
    assert "<img src=x onerror=alert(1)>" in text
    assert "\\u202e" in text  # the bidi control is shown, not obeyed
    assert console_problems(browser) == []


def test_ten_thousand_findings_stay_usable(browser: Any, tmp_path: Path) -> None:
    root = many_findings(tmp_path / "many", 10_000)
    out = tmp_path / "many.html"
    open_page(browser, root, out)
    assert out.stat().st_size < 20_000_000
    assert browser.execute_script("return window.guabao.count();") == 10_000
    # paginated: the page holds one page of findings, not ten thousand
    assert len(browser.find_elements("css selector", "#list .finding")) == 100
    last = browser.execute_script("return window.guabao.pages();") - 1
    browser.execute_script("window.guabao.goto(arguments[0]);", last)
    assert browser.find_elements("css selector", "#list .finding")
    box = browser.find_element("id", "q")
    box.send_keys("HH-009999")
    assert browser.execute_script("return window.guabao.count();") == 1
    assert console_problems(browser) == []
