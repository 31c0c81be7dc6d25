"""Scanners: line framing, a real serial device (a pty), keyboard bursts, debouncing."""

from __future__ import annotations

import itertools
import os
import queue
import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import badges
from engine.roster import Member
from engine.scanner import (
    ENTER,
    KEYBOARD,
    SERIAL,
    Debouncer,
    LineFramer,
    Scan,
    ScannerNotice,
    SerialReader,
    classify_keys,
)

KEY = bytes(32)
SCHOOL = "sc0a1b2c3d"
MEMBERS = {f"l{i}": Member(f"l{i}", added=True, name=f"L{i}", named_at="1") for i in range(6)}
GOOD = [badges.payload(SCHOOL, f"l{i}", 1, KEY) for i in range(6)]


def frame(chunks: list[bytes]) -> list[bytes | ScannerNotice]:
    framer = LineFramer(limit=64)
    return [item for chunk in chunks for item in framer.feed(chunk)]


@given(st.lists(st.sampled_from([b"\r", b"\n", b"\r\n"]), min_size=3, max_size=3),
       st.data())
def test_framing_is_the_same_however_the_bytes_are_chunked(
    ends: list[bytes], data: st.DataObject
) -> None:
    stream = b"".join(line + end for line, end in zip([b"AB1", b"CD2", b"EF3"], ends, strict=True))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    chunks = [stream[a:b] for a, b in itertools.pairwise([0, *cuts, len(stream)])]
    assert frame(chunks) == [b"AB1", b"CD2", b"EF3"]


def test_an_overlong_line_is_dropped_with_one_notice_and_framing_goes_on() -> None:
    out = frame([b"OK1\n", b"x" * 50, b"x" * 50, b"x" * 50 + b"\nOK2\r\n"])
    assert out[0] == b"OK1" and out[2] == b"OK2" and len(out) == 3
    assert isinstance(out[1], ScannerNotice) and "without an end of line" in out[1].message


# -- a real serial device: a pty pair, pyserial opening the slave through a symlink ---


class FakeScanner:
    """A pty pair standing in for a USB scanner, behind a udev-like symlink."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.master = self.slave = -1
        self.plug()

    def plug(self) -> None:
        self.master, self.slave = os.openpty()
        tmp = self.link.with_suffix(".new")
        tmp.symlink_to(os.ttyname(self.slave))
        tmp.replace(self.link)

    def unplug(self) -> None:
        os.close(self.master)
        os.close(self.slave)
        self.master = self.slave = -1

    def write(self, data: bytes) -> None:
        while data:
            data = data[os.write(self.master, data):]


class Collector:
    def __init__(self) -> None:
        self.items: queue.Queue[Scan | ScannerNotice] = queue.Queue()

    def wait_for(self, predicate, timeout: float = 5.0) -> list[Scan | ScannerNotice]:
        """Everything received until an item matches `predicate`, that one included."""
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            item = self.items.get(timeout=max(0.01, deadline - time.monotonic()))
            seen.append(item)
            if predicate(item):
                return seen

    def scans_until_quiet(self, quiet: float = 0.4) -> list[Scan | ScannerNotice]:
        seen = []
        while True:
            try:
                seen.append(self.items.get(timeout=quiet))
            except queue.Empty:
                return seen


def connected(item: object) -> bool:
    return isinstance(item, ScannerNotice) and "connected" in item.message


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[tuple[FakeScanner, SerialReader, Collector]]:
    scanner = FakeScanner(tmp_path / "qrscanner")
    collector = Collector()
    reader = SerialReader(str(scanner.link), collector.items.put).start()
    collector.wait_for(connected)
    yield scanner, reader, collector
    started = time.monotonic()
    reader.stop()
    assert not reader.running and time.monotonic() - started < 1.5
    if scanner.master >= 0:
        scanner.unplug()


def texts(items: list[Scan | ScannerNotice]) -> list[str]:
    return [item.text for item in items if isinstance(item, Scan)]


def test_odd_chunkings_and_a_replug_deliver_every_scan_once(rig) -> None:
    scanner, reader, collector = rig
    for byte in GOOD[0].encode() + b"\r":
        scanner.write(bytes([byte]))  # byte by byte
    scanner.write(f"{GOOD[1]}\r\n{GOOD[2]}\n{GOOD[3]}\r".encode())  # several in one write
    scanner.write(f"{GOOD[4]}\r".encode())
    scanner.write(b"\n")  # CRLF split across writes
    got = collector.wait_for(lambda i: isinstance(i, Scan) and i.text == GOOD[4])
    scanner.write(f"{GOOD[5][:10]}".encode())  # half a scan, then the cable comes out
    time.sleep(0.1)
    scanner.unplug()
    got += collector.wait_for(lambda i: isinstance(i, ScannerNotice) and "went away" in i.message)
    time.sleep(0.3)
    scanner.plug()
    got += collector.wait_for(connected)
    scanner.write(f"{GOOD[5]}\r\n".encode())
    got += collector.scans_until_quiet()
    assert texts(got) == GOOD
    assert all(item.source == SERIAL for item in got if isinstance(item, Scan))
    assert reader.running


def test_bad_input_gets_one_sentence_each_and_the_reader_keeps_running(rig) -> None:
    scanner, reader, collector = rig
    rng = random.Random(3)
    junk = bytes(rng.randrange(256) for _ in range(300)).replace(b"\r", b"").replace(b"\n", b"")
    altered = GOOD[0][:-1] + ("A" if GOOD[0][-1] != "A" else "B")
    other_school = badges.payload("sc99999999", "l0", 1, KEY)
    revoked = {**MEMBERS, "l1": Member("l1", added=True, name="L1", named_at="1", badge_serial=2)}
    scanner.write(junk[:200] + b"\n")
    scanner.write(f"{altered}\r{other_school}\r{GOOD[1]}\r".encode())
    scanner.write(b"Z" * 1_000_000)  # no end of line at all
    scanner.write(b"\n" + "caf\u00e9".encode("latin-1") + b"\xff\xfe\n" + GOOD[2].encode() + b"\n")
    got = collector.wait_for(lambda i: isinstance(i, Scan) and i.text == GOOD[2], timeout=10)
    notices = [i for i in got if isinstance(i, ScannerNotice)]
    assert len(notices) == 1 and "without an end of line" in notices[0].message
    verdicts = [badges.check(s.text, SCHOOL, KEY, revoked).message
                for s in got if isinstance(s, Scan)]
    assert verdicts == [
        badges.NOT_A_BADGE, badges.NOT_GENUINE, badges.OTHER_SCHOOL,
        "This badge was replaced — ask your teacher for the new one.",
        badges.NOT_A_BADGE, "Welcome, L2.",
    ]
    assert reader.running


def test_a_missing_port_is_waited_for_and_stop_is_prompt(tmp_path: Path) -> None:
    collector = Collector()
    reader = SerialReader(str(tmp_path / "nothing-here"), collector.items.put).start()
    first = collector.wait_for(lambda i: True)
    assert isinstance(first[0], ScannerNotice) and "Waiting" in first[0].message
    scanner = FakeScanner(tmp_path / "nothing-here")
    collector.wait_for(connected)
    scanner.write(GOOD[0].encode() + b"\n")
    assert texts(collector.wait_for(lambda i: isinstance(i, Scan))) == [GOOD[0]]
    started = time.monotonic()
    reader.stop()
    assert not reader.running and time.monotonic() - started < 1.5
    scanner.unplug()


# -- keyboard wedge --------------------------------------------------------------------


def keys(text: str, start: float, gap: float) -> list[tuple[str, float]]:
    return [(char, start + i * gap) for i, char in enumerate(text + ENTER)]


def test_a_scanner_burst_is_a_scan_and_a_child_typing_is_not() -> None:
    scan = classify_keys(keys(GOOD[0], 10.0, 0.004))
    assert scan == Scan(GOOD[0], KEYBOARD, pytest.approx(10.0 + len(GOOD[0]) * 0.004))
    assert classify_keys(keys(GOOD[0], 10.0, 0.0)) is not None  # delivered in one read
    assert classify_keys(keys("mynameisana", 10.0, 0.25)) is None  # a child
    assert classify_keys(keys("asdfjkl;", 10.0, 0.07)) is None  # a quick adult
    assert classify_keys(keys("abc", 10.0, 0.004)) is None  # too short to be a badge
    assert classify_keys(keys(GOOD[0], 10.0, 0.004)[:-1]) is None  # no Enter yet


def test_typing_before_a_burst_is_left_out_and_a_held_key_is_not_a_scan() -> None:
    typed = keys("hello", 1.0, 0.3)[:-1]
    burst = keys(GOOD[1], 3.0, 0.005)
    assert classify_keys(typed + burst).text == GOOD[1]
    held = [("a", 5.0)] + [("a", 5.5 + i * 0.03) for i in range(20)] + [(ENTER, 6.2)]
    assert classify_keys(held) is None  # auto-repeat: 0.5 s pause, then 30 ms, Enter late
    slow_tail = keys(GOOD[1], 3.0, 0.005)
    slow_tail[-1] = (ENTER, slow_tail[-2][1] + 0.5)  # a person pressed Enter afterwards
    assert classify_keys(slow_tail) is None


def test_both_sources_give_the_same_value_and_the_same_verdict() -> None:
    typed = classify_keys(keys(GOOD[3], 0.0, 0.003))
    framed = LineFramer().feed(GOOD[3].encode() + b"\r\n")
    serial_scan = Scan(framed[0].decode(), SERIAL, 0.0)
    assert isinstance(typed, Scan) and typed.text == serial_scan.text
    assert (badges.check(typed.text, SCHOOL, KEY, MEMBERS)
            == badges.check(serial_scan.text, SCHOOL, KEY, MEMBERS))


def test_the_same_badge_within_a_second_counts_once() -> None:
    debouncer = Debouncer()
    counted = []
    stream = [("A", 0.0), ("A", 0.3), ("A", 0.9), ("B", 1.0), ("A", 1.1), ("A", 2.5),
              ("A", 3.2), ("A", 4.1), ("A", 5.5)]
    for text, at in stream:
        counts, debouncer = debouncer.feed(Scan(text, SERIAL, at))
        if counts:
            counted.append((text, at))
    # A held badge re-read every 0.7 s counts once; a pause of more than a second counts again.
    assert counted == [("A", 0.0), ("B", 1.0), ("A", 1.1), ("A", 2.5), ("A", 5.5)]
    counts, _ = Debouncer().feed(Scan("A", KEYBOARD, 0.0))
    assert counts
