"""The hidden-in-plain-sight field a keyboard-wedge scanner types into."""

from __future__ import annotations

from collections import deque

from textual import events
from textual.message import Message
from textual.widgets import Input

from engine.scanner import ENTER, classify_keys
from kiosk.messages import BadgeScanned

# A badge is about 45 characters; anything a child typed before it is cut off anyway.
_KEEP_KEYS = 256


class ScanInput(Input):
    """Times every key, so that Enter can tell a scanner's burst from a child typing.

    `Input` swallows printable keys before the app sees them, so the timing has to be
    taken here, before the base class handles the key.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(password=True, placeholder="(scanner)", **kwargs)  # type: ignore[arg-type]
        self._keys: deque[tuple[str, float]] = deque(maxlen=_KEEP_KEYS)

    def on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self._keys.append((ENTER, event.time))
            scan = classify_keys(list(self._keys))
            self._keys.clear()
            self.value = ""
            if scan is not None:
                self.post_message(BadgeScanned(scan))
            else:
                self.post_message(self.Typed())
        elif event.character is not None and event.is_printable:
            self._keys.append((event.character, event.time))

    class Typed(Message):
        """Someone typed and pressed Enter: not a badge."""
