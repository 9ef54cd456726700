"""A cheap look at the shape of JSON bytes before any parser builds objects from them.

A 100 KB file of `[[[[…` costs a streaming parser gigabytes (ijson keeps a path for every open level)
and Python's own parser a RecursionError; one record of a million keys costs as much as the whole file.
`json_scan` reads the bytes once, a chunk at a time, and stops at the first level too deep or record
too large: nothing is allocated but the chunk being read and arrays of its positions. Brackets
inside strings (escaped quotes included) do not count. It does not check that the JSON is valid: the
parser that follows does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO

import numpy as np

_BACKSLASH, _QUOTE = ord("\\"), ord('"')
_KINDS = np.zeros(256, dtype=np.int8)  # +1 opens a level, -1 closes one
_KINDS[[ord("["), ord("{")]] = 1
_KINDS[[ord("]"), ord("}")]] = -1


class JsonTooDeep(ValueError):
    def __init__(self, *, depth: int, offset: int):
        super().__init__(f"JSON nested deeper than {depth} levels at byte {offset}")
        self.depth, self.offset = depth, offset


class JsonRecordTooLarge(ValueError):
    def __init__(self, *, limit: int, offset: int, record: int):
        super().__init__(f"JSON record {record}, from byte {offset}, is larger than {limit} bytes")
        self.limit, self.offset, self.record = limit, offset, record


@dataclass
class _State:
    """What a chunk leaves to the next one."""

    offset: int = 0  # of the next chunk in the whole document
    depth: int = 0
    deepest: int = 0
    in_string: bool = False
    backslashes: int = 0  # ending the last chunk
    records: int = 0
    record_start: int | None = None


def json_scan(chunks: Iterable[bytes], *, max_depth: int, record_depth: int = 0, max_record_bytes: int = 0) -> int:
    """The deepest level of the JSON (1 for `[]`), or JsonTooDeep past `max_depth`. With `record_depth`
    (the level a record's brackets open: 2 for the items of a top-level list) and `max_record_bytes`,
    JsonRecordTooLarge for the first record larger than that."""
    state = _State()
    for chunk in chunks:
        if chunk and not _chunk_scan(chunk, state, max_depth, record_depth, max_record_bytes):
            break
    return state.deepest


def _chunk_scan(chunk: bytes, state: _State, max_depth: int, record_depth: int, max_record_bytes: int) -> bool:
    """Works on the positions of quotes and brackets only, with array operations (a few milliseconds a
    megabyte rather than a second byte by byte)."""
    data = np.frombuffer(chunk, dtype=np.uint8)
    start_offset = state.offset
    state.offset += len(data)
    quotes = np.flatnonzero(data == _QUOTE)
    if state.backslashes or b"\\" in chunk:
        quotes = _unescaped(quotes, np.flatnonzero(data == _BACKSLASH), len(data), state)
    kinds = _KINDS[data]
    brackets = np.flatnonzero(kinds)
    # A bracket is in a string when an odd number of quotes opened before it (counting the last chunk's).
    structural = brackets[(np.searchsorted(quotes, brackets) + state.in_string) % 2 == 0]
    state.in_string = bool((len(quotes) + state.in_string) % 2)
    if len(structural) == 0:
        return _open_record_check(state, max_record_bytes)
    step = kinds[structural].astype(np.int64)
    depth = state.depth + np.cumsum(step)
    # An unmatched closing bracket: the parser stops there, before anything that follows.
    below = np.flatnonzero(depth < 0)
    end = int(below[0]) if len(below) else len(depth)
    structural, step, depth = structural[:end], step[:end], depth[:end]
    deep = np.flatnonzero(depth > max_depth)
    if len(deep):
        raise JsonTooDeep(depth=max_depth, offset=start_offset + int(structural[deep[0]]))
    if end:
        state.deepest = max(state.deepest, int(depth.max()))
        state.depth = int(depth[-1])
    if record_depth and max_record_bytes:
        opened = (structural[(step == 1) & (depth == record_depth)] + start_offset).tolist()
        closed = (structural[(step == -1) & (depth == record_depth - 1)] + start_offset).tolist()
        starts = opened if state.record_start is None else [state.record_start, *opened]
        for number, (begin, close) in enumerate(zip(starts, closed, strict=False)):
            if close + 1 - begin > max_record_bytes:
                raise JsonRecordTooLarge(limit=max_record_bytes, offset=begin, record=state.records + number + 1)
        state.records += len(closed)
        state.record_start = starts[len(closed)] if len(starts) > len(closed) else None
    if below.size:
        return False
    return _open_record_check(state, max_record_bytes)


def _unescaped(quotes: np.ndarray, backslashes: np.ndarray, size: int, state: _State) -> np.ndarray:
    """The quotes not escaped: those after an even run of backslashes (a run may begin in the last chunk)."""
    carried = state.backslashes
    state.backslashes = 0
    if len(backslashes) == 0:
        return quotes[~((quotes == 0) & (carried % 2 == 1))]
    number = np.arange(len(backslashes))
    begins = np.ones(len(backslashes), dtype=bool)
    begins[1:] = backslashes[1:] != backslashes[:-1] + 1
    first = np.maximum.accumulate(np.where(begins, number, 0))
    run = number - first + 1 + np.where(backslashes[first] == 0, carried, 0)  # the run's length so far
    if backslashes[-1] == size - 1:
        state.backslashes = int(run[-1])
    at = np.minimum(np.searchsorted(backslashes, quotes - 1), len(backslashes) - 1)
    before = np.where(backslashes[at] == quotes - 1, run[at], 0)
    before = np.where(quotes == 0, carried, before)
    return quotes[before % 2 == 0]


def _open_record_check(state: _State, limit: int) -> bool:
    if state.record_start is not None and limit and state.offset - state.record_start > limit:
        raise JsonRecordTooLarge(limit=limit, offset=state.record_start, record=state.records + 1)
    return True


def file_chunks(raw: IO[bytes], size: int = 1 << 18) -> Iterator[bytes]:
    """The chunks of a binary file, for json_scan."""
    while chunk := raw.read(size):
        yield chunk
