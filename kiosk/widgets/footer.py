"""The footer of every kiosk screen: Textual's, without the keys it would leave behind."""

from __future__ import annotations

from textual.widgets import Footer


class KioskFooter(Footer):
    """Textual's Footer, letting go of its old keys each time it shows new ones.

    Each key the footer draws is bound to the footer's `compact` setting, and the footer
    forgets the keys it has removed only when that setting changes, which in the kiosk it
    never does. The sign-in screen lives as long as the kiosk (months), and its footer is
    redrawn at every sign-in: without this it would hold on to six dead keys each time.
    """

    async def recompose(self) -> None:
        await super().recompose()
        # Setting `compact` again is what makes Textual drop the watchers of removed keys.
        self.mutate_reactive(Footer.compact)
