"""Helpers every command module shares: finding and opening the station."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.station import Station, default_home


def home_of(args: argparse.Namespace) -> Path:
    return args.home if args.home is not None else default_home()


def open_station(args: argparse.Namespace, **kwargs: object) -> Station:
    """Open the station named by --home, telling the operator what had to be repaired."""
    station = Station.open(home_of(args), **kwargs)  # type: ignore[arg-type]
    for repair in station.repairs:
        print(f"repaired: {repair}", file=sys.stderr)
    return station
