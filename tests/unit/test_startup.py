"""What importing the package does to the process beyond defining it (start-up cuts)."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys

import pytest


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_import_leaves_the_garbage_collector_as_it_found_it() -> None:
    report = "print(gc.isenabled(), gc.get_freeze_count() > 0, gc.get_threshold())"
    assert _run(f"import gc, guabao_rules; {report}") == "True False (700, 10, 10)"
    assert _run(f"import gc; gc.disable(); import guabao_rules; {report}") == (
        "False False (700, 10, 10)"
    )
    # What a caller froze stays frozen.
    assert _run(f"import gc; gc.freeze(); import guabao_rules; {report}") == (
        "True True (700, 10, 10)"
    )


def test_garbage_made_before_the_import_is_still_collected() -> None:
    code = (
        "import gc, weakref\n"
        "class Node: pass\n"
        "a, b = Node(), Node(); a.other, b.other = b, a\n"
        "gone = weakref.ref(a); del a, b\n"
        "import guabao_rules\n"
        "gc.collect(); print(gone() is None)"
    )
    assert _run(code) == "True"


EVERY_CHARACTER = "".join(map(chr, range(sys.maxunicode + 1)))


@pytest.mark.parametrize(
    ("pattern", "negated"),
    [
        # The negated classes these patterns were written as, compiled only here.
        (
            "guabao_rules.sources.yamlfast:_UNREAD",
            "[^\n\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029]",
        ),
        (
            "guabao_rules.report.escape:_NOT_XML",
            "[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]",
        ),
    ],
)
def test_character_classes_match_what_their_negated_forms_did(pattern: str, negated: str) -> None:
    module, name = pattern.split(":")
    compiled = getattr(importlib.import_module(module), name)
    assert compiled.findall(EVERY_CHARACTER) == re.findall(negated, EVERY_CHARACTER)
