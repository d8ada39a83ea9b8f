"""Write a generated dataset to a directory, split into files in varied ways."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from guabao_rules.loader import WAIVER_FILE
from guabao_rules.testing.generated import SHARED, GeneratedDataset, Record, dump_yaml

Style = Literal["single", "per_collection", "per_county", "nested", "scattered"]
STYLES: tuple[Style, ...] = ("single", "per_collection", "per_county", "nested", "scattered")


@dataclass(frozen=True)
class Layout:
    """How a dataset is split into files.

    Attributes:
        style: ``single`` (one ``data.yaml``), ``per_collection`` (``units.yaml``, ...),
            ``per_county`` (``shared.yaml`` and ``counties/<code>.yaml``), ``nested``
            (``<county>/<collection>.yaml`` folders) or ``scattered`` (each record in
            one of ``files`` files at random, in nested folders).
        flow: Write records in flow style (``- {id: ..., name: ...}``) where PyYAML can.
        shuffle: Shuffle the records inside each file.
        files: How many files ``scattered`` uses.
        suffix: ``.yaml`` or ``.yml``.
        seed: Seeds the shuffling and the scattering, so a layout is reproducible.
    """

    style: Style = "per_collection"
    flow: bool = False
    shuffle: bool = False
    files: int = 3
    suffix: str = ".yaml"
    seed: int = 0


def layouts(styles: tuple[Style, ...] = STYLES) -> SearchStrategy[Layout]:
    """Layouts of the given styles, with flow style, shuffling and suffix drawn too."""
    return st.builds(
        Layout,
        style=st.sampled_from(styles),
        flow=st.booleans(),
        shuffle=st.booleans(),
        files=st.integers(1, 5),
        suffix=st.sampled_from([".yaml", ".yml"]),
        seed=st.integers(0, 2**32 - 1),
    )


def _path(layout: Layout, collection: str, home: str, rng: random.Random) -> str:
    suffix = layout.suffix
    if layout.style == "single":
        return f"data{suffix}"
    if layout.style == "per_collection":
        return f"{collection}{suffix}"
    if layout.style == "per_county":
        return f"shared{suffix}" if home == SHARED else f"counties/{home}{suffix}"
    if layout.style == "nested":
        folder = "shared" if home == SHARED else f"counties/{home}"
        return f"{folder}/{collection}{suffix}"
    part = rng.randrange(layout.files)
    return f"part-{part % 2}/group-{part}/records-{part}{suffix}"


def render_files(dataset: GeneratedDataset, layout: Layout | None = None) -> dict[str, bytes]:
    """The files of a dataset: relative path → content, data files first.

    Raw files and the waiver file (when the dataset has waivers) are included.
    """
    layout = layout or Layout()
    rng = random.Random(layout.seed)
    grouped: dict[str, dict[str, list[Record]]] = {}
    for collection, items in dataset.records.items():
        for record in items:
            home = dataset.homes.get(str(record.get("id")), SHARED)
            path = _path(layout, collection, home, rng)
            grouped.setdefault(path, {}).setdefault(collection, []).append(record)
    files: dict[str, bytes] = {}
    for path in sorted(grouped):
        content = grouped[path]
        if layout.shuffle:
            for items in content.values():
                rng.shuffle(items)
        files[path] = dump_yaml(content, flow=layout.flow).encode("utf-8")
    for name, data in dataset.raw_files.items():
        files[name] = data
    if dataset.waivers:
        files[WAIVER_FILE] = dump_yaml({"waivers": dataset.waivers}).encode("utf-8")
    return files


def write_dataset(
    dataset: GeneratedDataset, root: str | os.PathLike[str], layout: Layout | None = None
) -> list[str]:
    """Write a dataset's files below ``root`` (made when missing).

    Args:
        dataset: The dataset.
        root: The dataset directory.
        layout: How to split it (default: one file per collection).

    Returns:
        The relative paths written, with ``/`` separators.
    """
    base = Path(root)
    written = []
    for name, data in render_files(dataset, layout).items():
        target = base / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(name)
    return written


def files_text(files: dict[str, bytes]) -> str:
    """Files as one readable text (for ``hypothesis.note``)."""
    parts = []
    for name, data in files.items():
        parts.append(f"# --- {name}")
        parts.append(data.decode("utf-8", errors="backslashreplace"))
    return "\n".join(parts)
