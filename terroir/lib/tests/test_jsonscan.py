"""The look at JSON bytes before parsing: depth and record size, right whatever the strings hold and
wherever the chunks are cut."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from terroir.lib.jsonscan import JsonRecordTooLarge, JsonTooDeep, json_scan


def depth_of(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    return 0


def cut(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)] or [b""]


TRICKY_TEXT = st.text(alphabet='[]{}"\\ab\n é', max_size=12)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | TRICKY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TRICKY_TEXT, inner, max_size=4),
    max_leaves=30,
)


@given(value=VALUES, size=st.integers(min_value=1, max_value=40), ascii_only=st.booleans())
def test_the_depth_is_the_documents_whatever_its_strings_hold_and_wherever_it_is_cut(
    value: Any, size: int, ascii_only: bool
) -> None:
    data = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert json_scan(cut(data, size), max_depth=1000) == depth_of(value)


def test_brackets_in_strings_and_escaped_quotes_do_not_count() -> None:
    data = json.dumps([{"name": 'Ferme "[[[[" \\ {{{', "x": "\\\\"}]).encode()
    for size in range(1, len(data) + 1):
        assert json_scan(cut(data, size), max_depth=2) == 2


def test_it_refuses_a_hundred_thousand_nested_brackets_at_the_first_level_too_deep() -> None:
    with pytest.raises(JsonTooDeep) as caught:
        json_scan(cut(b"[" * 100_000, 1 << 16), max_depth=64)
    assert caught.value.offset == 64 and caught.value.depth == 64


def test_it_refuses_a_record_larger_than_the_limit_naming_it() -> None:
    records = [{"name": "Ferme du Bourg"}, {"name": "x" * 500}, {"name": "Le Local"}]
    data = json.dumps({"type": "FeatureCollection", "features": records}).encode()
    assert json_scan(cut(data, 7), max_depth=10, record_depth=3, max_record_bytes=600) == 3
    with pytest.raises(JsonRecordTooLarge) as caught:
        json_scan(cut(data, 7), max_depth=10, record_depth=3, max_record_bytes=100)
    assert caught.value.record == 2
    # A record left open at the end of the bytes read so far is refused too, without waiting for its end.
    with pytest.raises(JsonRecordTooLarge):
        json_scan(cut(b'[{"a": "' + b"x" * 5000, 1000), max_depth=10, record_depth=2, max_record_bytes=2000)


def test_an_unmatched_closing_bracket_ends_the_scan_the_parser_refuses_the_rest() -> None:
    assert json_scan([b"[]]" + b"[" * 1000], max_depth=64) == 1
