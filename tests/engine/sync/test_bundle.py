"""Bundles: sealed, verified, merged all or nothing; bad bundles leave the journal alone."""

from __future__ import annotations

import random
import secrets
import zlib
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from engine.event import Event
from engine.journal import JournalConflict
from engine.station import Station
from engine.sync import bundle
from engine.sync.bundle import Bundle, BundleError
from tests.engine.sync.conftest import event_ids, record_some


def _export(home: Path, base: dict[str, int] | None = None) -> bytes:
    with Station.open(home) as station:
        return bundle.make_bundle(station, base or {})[0]


def _import(home: Path, data: bytes) -> bundle.Imported:
    with Station.open(home) as station:
        return bundle.import_bundle(station, data)


def test_round_trip_carries_events_frontier_and_sender(home, sibling):
    record_some(home, 5)
    other = sibling("b")
    data = _export(home)
    result = _import(other, data)
    assert result.added == 5 and result.duplicates == 0
    with Station.open(home) as station:
        assert result.sender == station.identity.device_id
        assert dict(result.frontier) == station.journal.frontier()
    assert event_ids(other) >= event_ids(home)


def test_importing_twice_or_in_any_order_gives_the_same_journal(home, sibling):
    b, c = sibling("b"), sibling("c")
    record_some(home, 3)
    first = _export(home)
    record_some(home, 2)
    second = _export(home)
    _import(b, second), _import(b, first), _import(b, second)
    _import(c, first), _import(c, second)
    assert _import(c, first).added == 0
    assert event_ids(b) == event_ids(c) == event_ids(home)


def test_bundle_holds_only_what_the_base_frontier_lacks(home):
    record_some(home, 6)
    with Station.open(home) as station:
        me = station.identity.device_id
        data, count = bundle.make_bundle(station, {me: 4})
        opened = bundle.unseal(data, station.school_key(), station.identity.school_id)
    assert [e.seq for e in opened.events] == [5, 6] and count == 2


def test_name_is_content_addressed_and_file_written_whole(home, tmp_path):
    record_some(home, 2)
    data = _export(home)
    path = bundle.write_bundle(tmp_path, data)
    assert path.read_bytes() == data
    assert bundle.file_name(data) == path.name
    assert bundle.file_name(_export(home)) != path.name  # fresh nonce, other bytes
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def _journal_unchanged_after(home: Path, data: bytes) -> str:
    before = event_ids(home)
    with pytest.raises((BundleError, JournalConflict)) as caught:
        _import(home, data)
    assert event_ids(home) == before
    message = str(caught.value)
    assert message.endswith(".") and "\n" not in message
    return message


def test_bundle_of_another_school_is_refused(home, tmp_path):
    stranger = tmp_path / "stranger"
    Station.init(stranger, "Other School").close()
    record_some(stranger, 3)
    assert "not for" in _journal_unchanged_after(home, _export(stranger))


def test_same_school_id_but_wrong_key_is_refused(home, tmp_path):
    with Station.open(home) as station:
        ident = station.identity
    forged = tmp_path / "forged"
    Station.init(forged, "X", school_id=ident.school_id, school_key=b"k" * 32).close()
    record_some(forged, 2)
    assert "could not be verified" in _journal_unchanged_after(home, _export(forged))


def test_tampered_byte_anywhere_is_refused(home, sibling):
    other = sibling("b")
    record_some(other, 4)
    data = _export(other)
    rng = random.Random(7)
    for index in [6, 10, *rng.sample(range(len(data)), 30)]:
        mangled = bytearray(data)
        mangled[index] ^= 0x01
        _journal_unchanged_after(home, bytes(mangled))


def test_truncated_at_every_offset_is_refused(home, sibling):
    other = sibling("b")
    record_some(other, 3)
    data = _export(other)
    for cut in range(len(data)):
        with pytest.raises(BundleError):
            _import(home, data[:cut])
    assert event_ids(home) == set()


def _sealed(home: Path, events: list[dict], frontier: dict, sender: str | None = None) -> bytes:
    with Station.open(home) as station:
        ident = station.identity
        body = Bundle(ident.school_id, sender or ident.device_id, frontier,
                      tuple(Event.from_dict(e) for e in events))
        return bundle.seal(body, station.school_key())


def _event(origin: str, seq: int, n: int = 0) -> dict:
    return {"id": f"{origin}:{seq}", "origin": origin, "seq": seq,
            "hlc": "1700000000000-00000000", "learner": "amy",
            "type": "activity_answered", "data": {"n": n}}


def test_sender_claiming_own_events_beyond_its_frontier_is_refused(home, sibling):
    other = sibling("b")
    data = _sealed(other, [_event("stzzz", 1), _event("stzzz", 2)], {"stzzz": 1}, sender="stzzz")
    assert "beyond the frontier" in _journal_unchanged_after(home, data)


def test_relayed_events_of_a_third_station_are_taken(home, sibling):
    other = sibling("b")
    data = _sealed(other, [_event("stthird", 1)], {"stthird": 1})
    assert _import(home, data).added == 1


def test_event_claiming_the_receivers_own_origin_is_refused(home, sibling):
    with Station.open(home) as station:
        me = station.identity.device_id
    data = _sealed(sibling("b"), [_event(me, 1)], {me: 1})
    assert "never wrote" in _journal_unchanged_after(home, data)


def test_conflicting_copy_of_a_held_event_refuses_the_whole_bundle(home, sibling):
    _import(home, _sealed(sibling("b"), [_event("stthird", 1)], {}))
    data = _sealed(sibling("c"), [_event("stfourth", 1), _event("stthird", 1, n=9)], {})
    assert "differs" in _journal_unchanged_after(home, data)
    assert not any(i.startswith("stfourth") for i in event_ids(home))


@pytest.mark.parametrize("body", [
    b"not json", b"[]", b'{"frontier":{},"events":{}}', b'{"frontier":{"a":-1},"events":[]}',
    b'{"frontier":{},"events":[{"id":"x"}]}', b"[" * 100_000,
])
def test_malformed_contents_are_refused(home, body):
    with Station.open(home) as station:
        ident, key = station.identity, station.school_key()
    header = bundle.encode_json({"format": 1, "school": ident.school_id, "sender": "stb"})
    prefix = bundle.MAGIC + len(header).to_bytes(2, "big") + header
    nonce = secrets.token_bytes(12)
    data = prefix + nonce + bundle.cipher(key).encrypt(nonce, zlib.compress(body), prefix)
    assert "could not be verified" not in _journal_unchanged_after(home, data)


def test_the_school_key_itself_does_not_open_a_bundle(home):
    record_some(home, 2)
    data = _export(home)
    with Station.open(home) as station:
        key = station.school_key()
    header = bundle.read_header(data)
    prefix_length = len(bundle.MAGIC) + 2 + len(bundle.encode_json(
        {"format": bundle.FORMAT, "school": header.school, "sender": header.sender}))
    nonce = data[prefix_length:prefix_length + bundle.NONCE_BYTES]
    with pytest.raises(InvalidTag):
        ChaCha20Poly1305(key).decrypt(
            nonce, data[prefix_length + bundle.NONCE_BYTES:], data[:prefix_length])
    assert bundle.cipher(key).decrypt(
        nonce, data[prefix_length + bundle.NONCE_BYTES:], data[:prefix_length])


def test_oversized_and_foreign_files_are_refused(home, tmp_path):
    big = tmp_path / "big.psbundle"
    with open(big, "wb") as out:
        out.truncate(bundle.MAX_BUNDLE_BYTES + 1)
    with pytest.raises(BundleError, match="larger"):
        bundle.read_bundle_file(big)
    assert "not a Pathstone bundle" in _journal_unchanged_after(home, b"PK\x03\x04zipfile")
    assert "header" in _journal_unchanged_after(home, bundle.MAGIC + b"\x00\x05{oops")
