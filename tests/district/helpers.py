"""A real district server in a subprocess, enrolled stations, and a TCP proxy that cuts links."""

from __future__ import annotations

import contextlib
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from engine.station import Station
from engine.sync.enrolment import enrol, read_enrolment
from tests.conftest import run_cli

PATHSTONE = str(Path(sys.executable).parent / "pathstone")


def add_school(data: Path, name: str = "Hill School") -> str:
    result = run_cli("district", "add-school", name, "--data", str(data))
    assert result.code == 0, result.err
    return result.out.split()[-1]


def enrolled(data: Path, school: str, home: Path, url: str | None = None) -> Path:
    file = home.parent / f"{home.name}.enrol"
    argv = ["district", "enroll", "--school", school, "-o", str(file), "--data", str(data)]
    assert run_cli(*argv, *(["--url", url] if url else [])).code == 0
    enrol(home, read_enrolment(file)).close()
    return home


def token_of(home: Path) -> str:
    from engine.sync.enrolment import district_link

    token = district_link(home).token
    assert token
    return token


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`pathstone district serve` on 127.0.0.1, started and killed as a real process."""

    def __init__(self, data: Path, port: int | None = None, tls: tuple[Path, Path] | None = None) -> None:
        self.data = data
        self.port = port or free_port()
        self.tls = ["--tls-cert", str(tls[0]), "--tls-key", str(tls[1])] if tls else []
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        self.process = subprocess.Popen(
            [PATHSTONE, "district", "serve", "--data", str(self.data), "--port", str(self.port),
             *self.tls],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2):
                return self
            time.sleep(0.05)
        raise RuntimeError("the district server did not start")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


@contextlib.contextmanager
def running(data: Path) -> Iterator[Server]:
    server = Server(data).start()
    try:
        yield server
    finally:
        server.kill()


class CuttingProxy:
    """Forwards 127.0.0.1 connections to `port`, cutting each after a random byte count."""

    def __init__(self, port: int, seed: int, low: int, high: int) -> None:
        self.upstream = port
        self.rng = random.Random(seed)
        self.low, self.high = low, high
        self.cuts = 0
        self.forwarded = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            budget = [self.rng.randint(self.low, self.high)]
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream))
            except OSError:  # the server is down: so is the link
                client.close()
                continue
            lock = threading.Lock()
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b, budget, lock, client, upstream),
                                 daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, budget: list[int],
              lock: threading.Lock, *both: socket.socket) -> None:
        try:
            while data := src.recv(4096):
                with lock:
                    allowed = min(len(data), budget[0])
                    budget[0] -= allowed
                    self.forwarded += allowed
                dst.sendall(data[:allowed])
                if allowed < len(data):
                    self.cuts += 1
                    break
        except OSError:
            pass
        for sock in both:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self.listener.close()


def ids(home: Path) -> list[str]:
    with Station.open(home) as station:
        return sorted(e.id for _, e in station.journal.scan())
