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
    base = bundle.common_base(store.acknowledged(school.id).values())
    events = tuple(bundle.lacking(store.events(school.id), base))
    sealed = bundle.seal(Bundle(school.id, SENDER, store.frontier(school.id), events), school.key)
    return sealed, len(events)
