"""Q rules that need Python (the others are declarative counts)."""

from __future__ import annotations
