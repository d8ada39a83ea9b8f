"""What importing the package does to the process beyond defining it (start-up cuts)."""

from __future__ import annotations

import subprocess
import sys


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
