"""Badge scanners: a serial reader in a thread, the keyboard-wedge burst test, debouncing.

Both kinds of scanner end in the same value, a `Scan` (the text and where it came
from); the UI posts it on as a message.  Nothing here touches the UI: the serial reader
hands each `Scan` or `ScannerNotice` to a callback, from its own thread.

- Serial (USB CDC-ACM or a USB-UART bridge): `SerialReader` opens the port named in
  the settings (`scanner_port`, e.g. /dev/ttyACM0 or a udev name like /dev/qrscanner),
  frames lines on CR, LF or CRLF, and when the scanner is unplugged waits for the name
  to come back and opens it again.  Reads time out, so `stop()` returns promptly.
- Keyboard wedge (USB HID): the scanner types the text and Enter.  `classify_keys`
  tells its burst (a few ms a key) from a child typing (well over 50 ms a key).
- `Debouncer`: the same badge again within a second counts once.
"""

from __future__ import annotations

import itertools
import re
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import serial

SERIAL: Literal["serial"] = "serial"
KEYBOARD: Literal["keyboard"] = "keyboard"
MAX_LINE_BYTES = 1024  # a QR code of version 40 holds at most 4,296 characters; badges ~45
READ_TIMEOUT = 0.2
RETRY_SECONDS = 0.5
ENTER = "\n"
# Keyboard-wedge scanners type a key every 1-20 ms (some can be slowed to ~30);
# a quick adult typist manages 60-100 ms between keys, a child far more.
BURST_MEAN_GAP = 0.035
BURST_MAX_GAP = 0.1
BURST_MIN_CHARS = 6
REPEAT_WINDOW = 1.0
_LINE_END = re.compile(rb"[\r\n]")


@dataclass(frozen=True)
class Scan:
    """A badge scanned: its text, which kind of scanner read it, and when (monotonic s)."""

    text: str
    source: str
    at: float


@dataclass(frozen=True)
class ScannerNotice:
    """Something about the scanner a person setting it up should read: one sentence."""

    message: str
    source: str = SERIAL


# -- line framing -------------------------------------------------------------------


@dataclass
class LineFramer:
    """Splits a byte stream into lines ended by CR, LF or CRLF, however it is chunked.

    Empty lines are dropped (so CRLF is one end of line, even split across reads).
    A line longer than `limit` is thrown away up to its end, with one notice.
    """

    limit: int = MAX_LINE_BYTES
    _buffer: bytearray = field(default_factory=bytearray)
    _discarding: bool = False

    def feed(self, data: bytes) -> list[bytes | ScannerNotice]:
        out: list[bytes | ScannerNotice] = []
        start = 0
        for end in _ends(data):
            self._take(data[start:end], out)
            if not self._discarding and self._buffer:
                out.append(bytes(self._buffer))
            self._buffer.clear()
            self._discarding = False
            start = end + 1
        self._take(data[start:], out)
        return out

    def _take(self, piece: bytes, out: list[bytes | ScannerNotice]) -> None:
        if self._discarding:
            return
        self._buffer += piece
        if len(self._buffer) > self.limit:
            self._buffer.clear()
            self._discarding = True
            out.append(ScannerNotice(
                f"The scanner sent more than {self.limit} bytes without an end of line; "
                "that was ignored."))


def _ends(data: bytes) -> list[int]:
    return [match.start() for match in _LINE_END.finditer(data)]


def decode_line(line: bytes) -> str:
    """Text of a line; bytes that are not UTF-8 become U+FFFD, which no badge holds."""
    return line.decode("utf-8", errors="replace")


# -- the serial reader ----------------------------------------------------------------


class SerialReader:
    """Reads scans from a serial port in a daemon thread, reconnecting as needed.

    `emit` is called from the reader's thread with each `Scan` and `ScannerNotice`;
    it must be thread-safe (Textual's `post_message`, or `queue.Queue.put`).
    """

    def __init__(self, port: str, emit: Callable[[Scan | ScannerNotice], None],
                 *, clock: Callable[[], float] | None = None) -> None:
        self.port = port
        self._emit = emit
        self._clock = clock or time.monotonic
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"scanner {port}", daemon=True)

    def start(self) -> SerialReader:
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        waiting_said = False
        while not self._stop.is_set():
            try:
                port = serial.Serial(self.port, timeout=READ_TIMEOUT)
            except (serial.SerialException, OSError, ValueError):
                if not waiting_said:
                    self._emit(ScannerNotice(f"Waiting for the scanner at {self.port}."))
                    waiting_said = True
                self._stop.wait(RETRY_SECONDS)
                continue
            waiting_said = True
            self._emit(ScannerNotice(f"Scanner connected at {self.port}."))
            try:
                self._read(port)
            except (serial.SerialException, OSError):
                self._emit(ScannerNotice(
                    f"The scanner at {self.port} went away; waiting for it to come back."))
            finally:
                port.close()

    def _read(self, port: serial.Serial) -> None:
        framer = LineFramer()  # a new one per connection: a half-read line is dropped
        while not self._stop.is_set():
            data = port.read(max(1, port.in_waiting))
            for item in framer.feed(data):
                if isinstance(item, ScannerNotice):
                    self._emit(item)
                else:
                    self._emit(Scan(decode_line(item), SERIAL, self._clock()))


# -- keyboard wedge -------------------------------------------------------------------


def classify_keys(keys: Sequence[tuple[str, float]]) -> Scan | None:
    """The scan in keystrokes that end with Enter, or None if a person typed them.

    `keys` are (character, monotonic time) pairs, the last one Enter ("\\n").  The scan
    is the burst just before Enter: keys no more than BURST_MAX_GAP apart, at least
    BURST_MIN_CHARS of them, BURST_MEAN_GAP apart on average.  Whatever a child typed
    before the burst is not part of it.  Key auto-repeat starts after a pause of a
    quarter second or more, so a held key never passes.
    """
    if not keys or keys[-1][0] != ENTER:
        return None
    burst = [keys[-1]]
    for key in reversed(keys[:-1]):
        if key[0] == ENTER or burst[-1][1] - key[1] > BURST_MAX_GAP:
            break
        burst.append(key)
    burst.reverse()
    chars = burst[:-1]
    if len(chars) < BURST_MIN_CHARS:
        return None
    gaps = [b[1] - a[1] for a, b in itertools.pairwise(burst)]
    if min(gaps) < 0 or statistics.fmean(gaps) > BURST_MEAN_GAP:
        return None
    return Scan("".join(c for c, _ in chars), KEYBOARD, burst[-1][1])


@dataclass(frozen=True)
class Debouncer:
    """Counts a badge once however many times it is read within REPEAT_WINDOW.

    A scanner in continuous mode rereads a badge held in front of it every few hundred
    ms, so the window runs from the last time the text was seen, not counted.
    """

    last_text: str = ""
    last_at: float = float("-inf")
    window: float = REPEAT_WINDOW

    def feed(self, scan: Scan) -> tuple[bool, Debouncer]:
        """Whether `scan` counts, and the debouncer that has seen it."""
        repeat = scan.text == self.last_text and scan.at - self.last_at < self.window
        return not repeat, Debouncer(scan.text, scan.at, self.window)
