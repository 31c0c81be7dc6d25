"""Bundles carried to and from the district on sticks."""

from __future__ import annotations

from dataclasses import dataclass

from district.schools import find_school
from district.store import Store
from engine.sync import bundle
from engine.sync.bundle import Bundle, BundleError

SENDER = "district"


@dataclass(frozen=True)
class Taken:
    school: str
    sender: str
    added: int
    duplicates: int


def import_bundle(store: Store, data: bytes) -> Taken:
    """Verify a station's bundle with its school's key and merge it, all or nothing."""
    header = bundle.read_header(data)
    school = store.school(header.school)
    if school is None:
        raise BundleError(f"This bundle is for the school {header.school}, which this district does not know.")
    opened = bundle.unseal(data, school.key, school.id)
    added, duplicates = store.merge(school.id, opened.events)
    store.acknowledge(school.id, opened.sender, opened.frontier)
    return Taken(school.id, opened.sender, added, duplicates)


def export_bundle(store: Store, school_id: str) -> tuple[bytes, int]:
    """A bundle of the school's events that not every known station of it holds."""
    school = find_school(store, school_id)
    acks = {node: f for node, f in store.acknowledged(school.id).items() if node != SENDER}
    known = list(acks.values())
    if _unheard(store, school.id, acks):
        known.append({})
    base = bundle.common_base(known)
    events = tuple(bundle.lacking(store.events(school.id), base))
    sealed = bundle.seal(Bundle(school.id, SENDER, store.frontier(school.id), events), school.key)
    return sealed, len(events)


def _unheard(store: Store, school_id: str, acks: dict[str, dict[str, int]]) -> bool:
    """Whether a station enrolled here may not have reported yet: it holds none of the
    district's news, so the bundle must carry everything.  A token not yet used on the
    network may belong to a station that reported by stick, unnamed, so such stations
    are set off against the unused tokens."""
    slots = store.slots(school_id)
    bound = {slot.device for slot in slots}
    unused = sum(slot.device is None for slot in slots)
    by_stick_only = sum(node not in bound for node in acks)
    return unused > by_stick_only
