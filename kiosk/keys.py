"""Digit keys that pick the nth entry of a list, shown in the footer as one key.

The footer names the real range ("1-3", or "1" alone) for the number of entries on the
screen now, not the most a screen could hold: a child pressing 4 on a list of three is
told nothing happened.  Textual draws a binding's `key_display` as given, so "1" is
bound once per possible count, each shown only when its count is the one on screen
(`check_action` hides the others), then each digit once more, unshown, to pick.
"""

from __future__ import annotations

from textual.binding import Binding


def numbered(action: str, description: str, most: int) -> list[Binding]:
    """Digits 1 to `most` run `action(index)`; the screen's `check_action` calls `allowed`.

    The shown bindings run `action(0, count)`: the action takes the count as a second
    parameter and ignores it.
    """
    shown = [Binding("1", f"{action}(0, {count})", description, key_display=key_range(count))
             for count in range(1, most + 1)]
    hidden = [Binding(str(n), f"{action}({n - 1})", description, show=False)
              for n in range(1, most + 1)]
    return shown + hidden


def key_range(count: int) -> str:
    return "1" if count == 1 else f"1-{count}"


def allowed(parameters: tuple[object, ...], count: int) -> bool:
    """For a screen's `check_action`: a digit past the last entry is off (and so hidden),
    and of the shown "1" keys only the one naming `count` is on."""
    if len(parameters) == 2:
        return parameters[1] == count
    index = parameters[0] if parameters else 0
    return isinstance(index, int) and 0 <= index < count
