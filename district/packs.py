"""Signed packs the district offers its schools' stations."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from district.schools import find_school
from district.store import PackRecord, Store
from engine import packs


def add_pack(store: Store, file: Path, school_id: str = "") -> tuple[PackRecord, bool]:
    """Verify a signed pack file completely and keep it; True when it is newly offered."""
    if school_id:
        find_school(store, school_id)
    verified = packs.verify(file)
    digest = hashlib.sha256()
    with open(file, "rb") as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
    manifest = verified.manifest
    record = PackRecord(manifest.pack_id, manifest.version, digest.hexdigest(), file.stat().st_size,
                        school_id)
    return record, store.add_pack(record, file)


def newer(store: Store, school_id: str, installed: Mapping[str, str]) -> list[PackRecord]:
    """For each pack offered to the school, its newest version if newer than the one installed."""
    newest: dict[str, PackRecord] = {}
    for record in store.packs(school_id):
        best = newest.get(record.id)
        if best is None or packs.is_newer(record.version, best.version):
            newest[record.id] = record
    return sorted((r for r in newest.values()
                   if r.id not in installed or packs.is_newer(r.version, installed[r.id])),
                  key=lambda r: r.id)
