"""Expected output files for the bundled examples.

Regenerate after an intended change with::

    GUABAO_UPDATE_GOLDEN=1 python -m pytest tests/golden
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import EXAMPLES

from guabao_rules.cli import main

HERE = Path(__file__).resolve().parent

CASES = {
    "broken.en.txt": ["check", "broken", "--lang", "en"],
    "broken.zh.txt": ["check", "broken", "--lang", "zh"],
    "broken.json": ["check", "broken", "--format", "json", "--lang", "en"],
    "yunnan-sanqu-sanzhou.en.txt": ["check", "yunnan-sanqu-sanzhou", "--lang", "en"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EXAMPLES)
    main(CASES[name])
    out = capsys.readouterr().out
    expected = HERE / name
    if os.environ.get("GUABAO_UPDATE_GOLDEN"):
        expected.write_text(out, encoding="utf-8")
    assert out == expected.read_text(encoding="utf-8"), (
        f"{name} is stale: GUABAO_UPDATE_GOLDEN=1 python -m pytest tests/golden"
    )
