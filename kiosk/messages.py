"""Messages that carry outside input into the app: a badge scan, a word from the scanner,
a USB stick come or gone."""

from __future__ import annotations

from textual.message import Message

from engine.scanner import Scan, ScannerNotice
from engine.sticks import Stick


class BadgeScanned(Message):
    """A badge was read, by the serial scanner (from its thread) or the keyboard wedge."""

    def __init__(self, scan: Scan) -> None:
        super().__init__()
        self.scan = scan


class ScannerNoticed(Message):
    """The serial scanner has something to say to whoever sets it up."""

    def __init__(self, notice: ScannerNotice) -> None:
        super().__init__()
        self.notice = notice


class SticksChanged(Message):
    """The USB sticks in, or whether they are mounted, changed: sent to every screen."""

    def __init__(self, sticks: tuple[Stick, ...]) -> None:
        super().__init__()
        self.sticks = sticks
