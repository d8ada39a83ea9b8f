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


def schema_text() -> str:
    """The schema as the JSON text written to :data:`SCHEMA_FILE`."""
    return json.dumps(data_file_schema(), ensure_ascii=False, indent=2) + "\n"


def write_schema(directory: Path) -> Path:
    """Write :data:`SCHEMA_FILE` into ``directory`` (created if needed); return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / SCHEMA_FILE
    path.write_text(schema_text(), encoding="utf-8")
    return path
