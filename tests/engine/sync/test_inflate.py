from __future__ import annotations

import gzip
import zlib

import pytest

from engine.sync.inflate import Damaged, TooLarge, inflate


def test_round_trips_zlib_and_gzip_within_the_limit() -> None:
    data = b"events " * 1000
    assert inflate(zlib.compress(data), len(data)) == data
    assert inflate(gzip.compress(data), len(data), gzip=True) == data


def test_a_bomb_stops_at_the_limit() -> None:
    bomb = zlib.compress(b"\0" * 10_000_000)
    with pytest.raises(TooLarge):
        inflate(bomb, 1_000_000)


@pytest.mark.parametrize("packed", [zlib.compress(b"x" * 5000)[:-8], b"not compressed at all"])
def test_cut_or_garbage_is_damaged(packed: bytes) -> None:
    with pytest.raises(Damaged):
        inflate(packed, 1_000_000)
