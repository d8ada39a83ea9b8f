"""The JSON Schema of a data file, generated from the pydantic models.

One schema (draft 2020-12) describes one data file: a mapping of collection
names, each a list of its record schema, no other keys. Editors use it for
completion and checking as you type, e.g. with the YAML language server::

    # yaml-language-server: $schema=../schemas/guabao-rules.schema.json

The schema says what one file may hold; what needs the whole dataset (unique
ids, references, region codes, the rules) is what ``guabao-rules check`` is for.
``guabao-rules schema -o schemas`` writes it; the committed copy under
``schemas/`` is checked against the models by the tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from guabao_rules import __version__
from guabao_rules.models import COLLECTIONS

SCHEMA_FILE = "guabao-rules.schema.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _close(node: Any) -> None:
    """Forbid unknown keys in every object schema (the loader reports them as D003)."""
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close(value)
    elif isinstance(node, list):
        for value in node:
            _close(value)


def data_file_schema() -> dict[str, Any]:
    """The JSON Schema of one data file, as a dict."""
    defs: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    for collection, model in COLLECTIONS.items():
        schema = model.model_json_schema(ref_template="#/$defs/{model}", mode="validation")
        defs.update(schema.pop("$defs", {}))
        defs[model.__name__] = schema
        properties[collection] = {
            "description": f"{collection}: a list of {model.__name__} records",
            "type": ["array", "null"],
            "items": {"$ref": f"#/$defs/{model.__name__}"},
        }
    _close(defs)
    return {
        "$schema": DRAFT,
        "title": "guabao-rules data file",
        "description": (
            "One YAML data file of a guabao-rules dataset: collection names mapped to "
            f"lists of records (guabao-rules {__version__})."
        ),
        "type": ["object", "null"],
        "properties": properties,
        "additionalProperties": False,
        "$defs": dict(sorted(defs.items())),
    }


PACK_SCHEMA_FILE = "guabao-rules-pack.schema.json"


def pack_schema() -> dict[str, Any]:
    """The JSON Schema of a rule pack file (every constraint kind's keys), as a dict."""
    from guabao_rules.packs import Pack

    schema = Pack.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": DRAFT,
        "title": "guabao-rules rule pack",
        "description": (
            "A rule pack of guabao-rules: rules as data, each with a constraint of one "
            f"kind (guabao-rules {__version__}). See docs/writing-rules.md."
        ),
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def schema_text(pack: bool = False) -> str:
    """The data-file schema (or, with ``pack``, the pack schema) as JSON text."""
    schema = pack_schema() if pack else data_file_schema()
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def write_schema(directory: Path, pack: bool = False) -> Path:
    """Write :data:`SCHEMA_FILE` (or :data:`PACK_SCHEMA_FILE`) into ``directory``; its path.

    Raises:
        OSError: ``directory`` cannot be made.
        guabao_rules.safeio.OutputError: The file cannot be written.
    """
    from guabao_rules.safeio import write_output

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (PACK_SCHEMA_FILE if pack else SCHEMA_FILE)
    write_output(path, schema_text(pack))  # through a link, into a FIFO, else atomically
    return path
