"""Helpers for the browser tests: Debian's headless Chromium and datasets that fail a lot.

Also imported by ``bench/report_page.py``, which measures the page at scale.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
"""Screenshots land here (git-ignored): kept after the run for a person to look at."""

REGIONS = """\
regions:
  - {id: "530000", name: 云南省, level: province}
  - {id: "533300", name: 怒江傈僳族自治州, level: prefecture, parent: "530000"}
  - {id: "533323", name: 福贡县, level: county, parent: "533300", tags: [deep_poverty]}
  - {id: "533323001", name: 上帕镇, level: township, parent: "533323"}
  - {id: "533323001001", name: 腊竹底村, level: village, parent: "533323001"}
"""


def have_browser() -> bool:
    """Whether Debian's chromium and its driver are installed."""
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


def many_findings(root: Path, count: int) -> Path:
    """A dataset with ``count`` poor households that nobody helps: ``count`` Q011 findings."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "guabao-rules.toml").write_text(
        'as_of = 2019-12-31\nselect = ["D", "Q011"]\n', encoding="utf-8"
    )
    (root / "regions.yaml").write_text(REGIONS, encoding="utf-8")
    rows = "".join(f"HH-{n:06d},533323001001,poor\n" for n in range(count))
    (root / "households.csv").write_text("id,village,status\n" + rows, encoding="utf-8")
    return root


@contextmanager
def chromium(width: int = 1280, height: int = 1600) -> Iterator[Any]:
    """A headless Chromium under WebDriver, with the browser console recorded."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM  # never let Selenium look for (or fetch) a browser
    for arg in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
        "--lang=zh-CN",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    os.environ.setdefault("SE_AVOID_STATS", "true")
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
