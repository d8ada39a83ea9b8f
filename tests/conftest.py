"""Shared test helpers."""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# On a failure Hypothesis imports libcst (to offer a patch); its first import warns
# (mypy_extensions.TypedDict), which `filterwarnings = error` turns into an
# INTERNALERROR hiding the failing example. Import it once here, quietly.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    with contextlib.suppress(ImportError):
        import hypothesis.extra._patching  # noqa: F401


@pytest.fixture
def write_dataset(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """Write files (relative path → text or bytes) into a fresh dataset folder."""

    def write(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "data"
        root.mkdir(exist_ok=True)
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root

    return write
