"""The footer of every kiosk screen: the keys that work there, and what each does."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget


class KioskFooter(Widget):
    """The keys of the screen it is on, drawn as text along the bottom.

    One widget rather than Textual's Footer, which makes a widget for every key and
    styles each one: on the Pi that was a third of the time from a badge scan to the
    home screen.  Keys never split from what they do: when they do not fit on one line
    (a narrow screen) they go on to a second.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "kiosk-footer--key", "kiosk-footer--description", "kiosk-footer--disabled",
    }

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if screen is self.screen:
            self.refresh(layout=True)

    def keys(self) -> list[tuple[str, str, bool]]:
        """(key as shown, what it does, whether it works now) for each key shown.

        Digit keys that do the same for different entries of a list (kiosk.keys) show
        as one range of the digits that work now: "1-3", or "1" alone.
        """
        shown: dict[str, tuple[str, str, bool]] = {}
        digits: dict[str, list[str]] = {}
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show:
                continue
            if binding.key.isdigit():
                digits.setdefault(binding.description, []).append(binding.key)
                group = f"digits: {binding.description}"
            else:
                group = binding.action
            if group not in shown:
                shown[group] = (self.app.get_key_display(binding), binding.description,
                                active.enabled)
        for description, keys in digits.items():
            _, _, enabled = shown[f"digits: {description}"]
            span = keys[0] if len(keys) == 1 else f"{keys[0]}-{keys[-1]}"
            shown[f"digits: {description}"] = (span, description, enabled)
        return list(shown.values())

    def lines(self, width: int) -> list[Text]:
        """The keys laid out in lines of at most `width` cells."""
        key_style = self.get_component_rich_style("kiosk-footer--key")
        description_style = self.get_component_rich_style("kiosk-footer--description")
        disabled_style = self.get_component_rich_style("kiosk-footer--disabled")
        lines = [Text()]
        for key, description, enabled in self.keys():
            item = Text.assemble((f" {key} ", key_style), (f"{description} ", description_style))
            if not enabled:
                item.stylize(disabled_style)
            if lines[-1] and cell_len(lines[-1].plain) + item.cell_len > width:
                lines.append(Text())
            lines[-1].append_text(item)
        return lines

    def render(self) -> Text:
        return Text("\n").join(self.lines(self.size.width))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))
