"""What each peer (another station, or the district) is known to hold.

Kept in HOME/sync/peers.json, written atomically, and not as journal events: these are
one station's notes about its neighbours, not records of learning, and as events they
would travel to every node and grow the journal at every sync.  The file is safe to
lose: without it the next bundle simply carries more events, which the receiver
merges as duplicates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from engine.atomic import write_atomically
from engine.event import encode_json, is_valid_name
from engine.sync import bundle

_FILE = Path("sync") / "peers.json"


def load(home: Path) -> dict[str, dict[str, int]]:
    """Every peer's acknowledged frontier; an unreadable file counts as no knowledge."""
    try:
        raw = json.loads((home / _FILE).read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict):
        return {}
    return {
        peer: {o: s for o, s in frontier.items() if is_valid_name(o) and type(s) is int}
        for peer, frontier in raw.items()
        if is_valid_name(peer) and isinstance(frontier, dict)
    }


def record(home: Path, peer: str, frontier: Mapping[str, int]) -> None:
    """Note that `peer` holds `frontier`; a peer's holdings only grow, so keep the max."""
    peers = load(home)
    known = peers.setdefault(peer, {})
    for origin, seq in frontier.items():
        known[origin] = max(seq, known.get(origin, 0))
    (home / _FILE).parent.mkdir(exist_ok=True)
    write_atomically(home / _FILE, encode_json(peers))


def last_recorded_ms(home: Path) -> int | None:
    """When a peer last acknowledged anything (the last sync that got through), if ever."""
    try:
        return (home / _FILE).stat().st_mtime_ns // 1_000_000
    except FileNotFoundError:
        return None


def common_base(home: Path) -> dict[str, int]:
    """What every known peer holds: the frontier an outgoing bundle can start above."""
    return bundle.common_base(load(home).values())
