"""Telling systemd that the kiosk is up and still responding (sd_notify, without libsystemd).

The protocol is one datagram per message to the AF_UNIX socket named by $NOTIFY_SOCKET;
a name starting with "@" is in the abstract namespace. When the variable is unset (the
kiosk was not started by a Type=notify unit) every call does nothing.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from textual.app import App


@dataclass(frozen=True)
class Notifier:
    """Where to send notifications; `address` None means nobody is listening."""

    address: str | None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Notifier:
        address = environ.get("NOTIFY_SOCKET") or None
        if address is not None and address.startswith("@"):
            address = "\0" + address[1:]
        return cls(address)

    def ready(self) -> None:
        self._send("READY=1")

    def watchdog(self) -> None:
        self._send("WATCHDOG=1")

    def _send(self, message: str) -> None:
        if self.address is None:
            return
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            try:
                sock.sendto(message.encode("ascii"), self.address)
            except OSError:
                # systemd went away or the variable was wrong: the kiosk keeps running;
                # if systemd does expect us, its watchdog restarts us, which is right.
                pass


def watchdog_interval(environ: Mapping[str, str] = os.environ, pid: int | None = None) -> float | None:
    """Seconds between WATCHDOG=1 pings (half of WatchdogSec=), or None when not watched."""
    usec = environ.get("WATCHDOG_USEC", "")
    owner = environ.get("WATCHDOG_PID", "")
    if owner and owner != str(os.getpid() if pid is None else pid):
        return None
    if not usec.isdigit() or int(usec) == 0:
        return None
    return int(usec) / 2_000_000


def attach(app: App[Any], environ: Mapping[str, str] = os.environ) -> None:
    """From `app.on_mount`: READY=1 once the first screen is drawn, then ping from its loop.

    The pings come from the app's own event loop, so a loop that hangs stops them and
    systemd restarts the kiosk. They start only after READY=1, which keeps the order
    systemd expects.
    """
    notifier = Notifier.from_environment(environ)
    if notifier.address is None:
        return
    interval = watchdog_interval(environ)

    def ready() -> None:
        notifier.ready()
        if interval is not None:
            app.set_interval(interval, notifier.watchdog, name="systemd-watchdog")

    app.call_after_refresh(ready)
