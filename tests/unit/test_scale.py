"""The fast paths of loading give the same results as the plain ones (never timing)."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guabao_rules.engine import check
from guabao_rules.loader import load, may_hold_personal_data, paused_gc
from guabao_rules.personal import scan_personal_data
from guabao_rules.yamlsource import parse_yaml

BENCH = Path(__file__).resolve().parents[2] / "bench"

# Digits, signs and the characters around numbers, so personal data turns up often.
DIGITY = (
    st.text(alphabet=st.sampled_from(list("0123456789Xx+-. 1313xo\\ab电话")), max_size=24)
    | st.from_regex(r"[a-z 电]{0,2}1[3-9][0-9]{9}[a-z 话X]{0,2}", fullmatch=True)
    | st.from_regex(r"[a-z 电]{0,2}[0-9]{17}[0-9X][a-z 话]{0,2}", fullmatch=True)
)
VALUES = st.recursive(
    st.integers(min_value=0, max_value=10**19)
    | st.integers(min_value=13 * 10**9, max_value=2 * 10**10)
    | DIGITY,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(DIGITY, children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(VALUES, st.sampled_from(["plain", "quoted", "leading_zeros", "hex"]))
def test_a_file_whose_text_has_no_hint_holds_no_personal_data(value: object, style: str) -> None:
    if style == "quoted":
        text = yaml.safe_dump(value, allow_unicode=True, default_style='"')
    else:
        text = yaml.safe_dump(value, allow_unicode=True)
    if style == "leading_zeros":
        text = text.replace(": 1", ": 001").replace("- 1", "- 001")
    elif style == "hex" and isinstance(value, int):
        text = hex(value)
    data = text.encode("utf-8")
    parsed = parse_yaml(data)
    if parsed.fatal:
        return
    if scan_personal_data(parsed.value):
        assert may_hold_personal_data(data), text


def test_hint_examples() -> None:
    assert not may_hold_personal_data(b'- {id: HH-1, village: "530122200201", status: poor}\n')
    assert may_hold_personal_data(b"phone: 13800138000\n")
    assert may_hold_personal_data(b"phone: 013800138000\n")
    assert may_hold_personal_data(b"phone: 0x33698C8D0\n")
    assert may_hold_personal_data(b'id: "11010519491231002X"\n')
    assert may_hold_personal_data(b'note: "\\u0031"\n')


def test_loading_restores_the_garbage_collector(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("units:\n  - {id: U-1, name: 单位, kind: other}\n")
    assert gc.isenabled()
    dataset = load(tmp_path)
    assert gc.isenabled()
    assert dataset.index.records("units")
    assert gc.isenabled()
    check(dataset)
    assert gc.isenabled()
    gc.disable()
    try:
        load(tmp_path)
        assert not gc.isenabled()
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_generated_dataset_is_valid_and_loads_every_record(tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        import generate
    finally:
        sys.path.remove(str(BENCH))
    province = generate.build(1500)
    generate.write(province, tmp_path)
    dataset = load(tmp_path)
    assert len(dataset.entries) == province.records
    assert not dataset.issues
    assert all(entry.valid for entry in dataset.entries)
