"""Provisioning: schools with their keys, and station tokens handed out in enrolment files."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

from district.store import School, Store, StoreError
from engine.keys import PublicKey
from engine.sync.enrolment import Enrolment


def add_school(store: Store, name: str) -> School:
    name = name.strip()
    if not name or len(name) > 100:
        raise StoreError("The school name must be 1 to 100 characters long.")
    school = School("sc" + secrets.token_hex(4), name, secrets.token_bytes(32))
    store.add_school(school)
    return school


def adopt_school(store: Store, enrolment: Enrolment) -> School:
    """Register a school that began without a district, keeping its id and key, so its
    stations' records and bundles stay valid."""
    if store.school(enrolment.school_id) is not None:
        raise StoreError(f"The district already has the school {enrolment.school_id}.")
    school = School(enrolment.school_id, enrolment.school_name, enrolment.key)
    store.add_school(school)
    return school


def find_school(store: Store, school_id: str) -> School:
    school = store.school(school_id)
    if school is None:
        raise StoreError(f"The district has no school with the id {school_id!r}.")
    return school


def token_digest(token: str) -> str:
    """Tokens are kept only as digests, so a copy of the database opens no station slot."""
    return hashlib.sha256(token.encode()).hexdigest()


def enroll(store: Store, school_id: str, district_url: str | None,
           pack_keys: Sequence[PublicKey] = ()) -> Enrolment:
    """A new station slot of the school: its enrolment, with a fresh token."""
    school = find_school(store, school_id)
    token = secrets.token_urlsafe(32)
    store.add_token(token_digest(token), school.id)
    pems = tuple(key.to_pem().decode() for key in pack_keys)
    return Enrolment(school.id, school.name, school.key, token, district_url, pems)
