"""Fixtures shared by every test: stations in temporary directories and the CLI."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.station import Station
from kiosk.cli import main


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


def run_cli(*argv: str) -> CliResult:
    """Run `pathstone ARGV` in this process and capture what it prints."""
    out, err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    out.flush()
    return CliResult(code, out.buffer.getvalue().decode(), err.getvalue())


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A freshly initialised station home."""
    path = tmp_path / "station"
    Station.init(path, "Test School").close()
    return path


@pytest.fixture
def station(home: Path) -> Iterator[Station]:
    with Station.open(home) as opened:
        yield opened
