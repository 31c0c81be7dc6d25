"""Unpacking compressed bytes from outside, never past a limit (no zip bombs)."""

from __future__ import annotations

import zlib


class Damaged(Exception):
    """The compressed stream is corrupt or cut short."""


class TooLarge(Exception):
    """The stream unpacks to more than the limit."""


def inflate(packed: bytes, limit: int, *, gzip: bool = False) -> bytes:
    """The bytes `packed` (zlib, or gzip) unpacks to, at most `limit` of them."""
    inflater = zlib.decompressobj(wbits=31 if gzip else 15)
    try:
        plain = inflater.decompress(packed, limit)
    except zlib.error:
        raise Damaged from None
    if inflater.unconsumed_tail:
        raise TooLarge
    if not inflater.eof:
        raise Damaged
    return plain
