"""The JSON Schema of a data file: fresh, valid, and true to the data."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from helpers import EXAMPLES, ROOT

from guabao_rules.cli import main
from guabao_rules.models import COLLECTIONS
from guabao_rules.schema import SCHEMA_FILE, data_file_schema, schema_text
from guabao_rules.sources.yamlsource import parse_yaml

COMMITTED = ROOT / "schemas" / SCHEMA_FILE


@functools.cache
def validator() -> jsonschema.protocols.Validator:
    schema = data_file_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def read_yaml(path: Path) -> Any:
    # The editor's view: YAML 1.2 core schema (dates stay strings), as the loader reads.
    parsed = parse_yaml(path.read_bytes())
    assert not parsed.problems, path
    return parsed.value


def test_the_committed_schema_is_fresh() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "schemas/guabao-rules.schema.json is stale; regenerate it with "
        "`guabao-rules schema -o schemas`"
    )


def test_the_schema_is_draft_2020_12_with_every_collection_closed() -> None:
    schema = data_file_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert jsonschema.validators.validator_for(schema) is jsonschema.Draft202012Validator
    assert set(schema["properties"]) == set(COLLECTIONS)
    assert schema["additionalProperties"] is False
    for collection, model in COLLECTIONS.items():
        ref = schema["properties"][collection]["items"]["$ref"]
        record = schema["$defs"][ref.rsplit("/", 1)[1]]
        assert record["additionalProperties"] is False
        assert set(record["properties"]) == set(model.model_fields)


@pytest.mark.parametrize(
    "path",
    sorted((EXAMPLES / "yunnan-sanqu-sanzhou").rglob("*.y*ml")),
    ids=lambda p: p.relative_to(EXAMPLES).as_posix(),
)
def test_every_example_data_file_validates(path: Path) -> None:
    errors = [e.message for e in validator().iter_errors(read_yaml(path))]
    assert errors == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "regions:\n  - {id: '533300', name: 怒江州, level: prefecture, parnet: '530000'}\n",
            "parnet",
        ),
        ("regions:\n  - {id: '533300', name: 怒江州, level: city}\n", "'city' is not one of"),
        ("units:\n  - {id: U-FIN, kind: provincial_unit}\n", "'name' is a required property"),
        (
            "pairings:\n  - {id: P-1, kind: county_link, helper: L, target: T, start: 2018-1-1}\n",
            "does not match",
        ),
        ("region:\n  - {id: '533300'}\n", "'region' was unexpected"),
        ("regions: {id: '533300'}\n", "is not of type 'array', 'null'"),
    ],
)
def test_the_schema_rejects_what_the_loader_rejects(text: str, expected: str) -> None:
    value = parse_yaml(text.encode("utf-8")).value
    messages = [e.message for e in validator().iter_errors(value)]
    assert any(expected in m for m in messages), messages


def test_empty_files_and_collections_are_valid() -> None:
    assert list(validator().iter_errors(None)) == []
    assert list(validator().iter_errors({"regions": None, "units": []})) == []


def test_the_schema_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == data_file_schema()
    assert main(["schema", "-o", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / SCHEMA_FILE).read_text(encoding="utf-8") == schema_text()
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert main(["schema", "-o", str(tmp_path / "file")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_the_committed_pack_schema_is_fresh_and_validates_every_pack() -> None:
    from guabao_rules.packs import _pack_sources
    from guabao_rules.schema import PACK_SCHEMA_FILE, pack_schema

    committed = ROOT / "schemas" / PACK_SCHEMA_FILE
    assert committed.read_text(encoding="utf-8") == schema_text(pack=True), (
        f"schemas/{PACK_SCHEMA_FILE} is stale; regenerate it with "
        "`guabao-rules schema --pack -o schemas`"
    )
    schema = pack_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    check = cls(schema)
    for name, data in _pack_sources():
        parsed = parse_yaml(data)
        errors = [e.message for e in check.iter_errors(_plain(parsed.value))]
        assert errors == [], name
    broken = {"pack": {"name": "x", "description": {"zh": "", "en": ""}}, "rules": [{"id": 1}]}
    assert list(check.iter_errors(broken))


def _plain(value: object) -> object:
    """Dates as ISO strings, the way an editor's YAML 1.2 reader sees them."""
    from datetime import date

    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
