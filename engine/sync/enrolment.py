"""Enrolment: the secret file that lets a new station join an existing school.

    {"format": 1, "kind": "pathstone-enrolment",
     "school": {"id", "name", "key" (base64, 32 bytes)},
     "token": per-station district token or null, "district": URL or null,
     "pack_keys": [trusted pack public keys, text]}

It holds the school key: whoever has it can read and forge the school's records, so it
is written readable by its owner only and is never printed.  On the station the token
and URL go to HOME/secrets/district.json; the key becomes the school key.
"""

from __future__ import annotations

import base64
import binascii
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from engine import keys
from engine.atomic import write_atomically
from engine.errors import PathstoneError
from engine.event import encode_json, is_valid_name
from engine.station import Station

FORMAT = 1
KIND = "pathstone-enrolment"
MAX_BYTES = 64 * 1024
_LINK = Path("secrets") / "district.json"


class EnrolmentError(PathstoneError):
    pass


@dataclass(frozen=True)
class Enrolment:
    school_id: str
    school_name: str
    key: bytes
    token: str | None = None
    district: str | None = None
    pack_keys: tuple[str, ...] = ()

    def __repr__(self) -> str:
        # Keeps the key and token out of tracebacks and logs.
        return f"Enrolment(school_id={self.school_id!r}, district={self.district!r})"


@dataclass(frozen=True)
class DistrictLink:
    url: str | None
    token: str | None

    def __repr__(self) -> str:
        return f"DistrictLink(url={self.url!r})"


def write_enrolment(path: Path, enrolment: Enrolment) -> None:
    write_atomically(path, encode_json({
        "format": FORMAT, "kind": KIND,
        "school": {"id": enrolment.school_id, "name": enrolment.school_name,
                   "key": base64.b64encode(enrolment.key).decode()},
        "token": enrolment.token, "district": enrolment.district,
        "pack_keys": list(enrolment.pack_keys),
    }), mode=0o600)


def read_enrolment(path: Path) -> Enrolment:
    """Parse an untrusted enrolment file, or raise one EnrolmentError."""
    bad = EnrolmentError(f"{path.name} is not a valid Pathstone enrolment file.")
    try:
        with open(path, "rb") as source:
            raw = json.loads(source.read(MAX_BYTES + 1))
        school = raw["school"]
        key = base64.b64decode(school["key"], validate=True)
        enrolment = Enrolment(school["id"], school["name"], key, raw["token"], raw["district"],
                              tuple(raw["pack_keys"]))
    except OSError as error:
        raise EnrolmentError(f"The enrolment file {path} cannot be read ({error.strerror}).") from None
    except (ValueError, TypeError, KeyError, RecursionError, binascii.Error):
        raise bad from None
    valid = (
        raw.get("format") == FORMAT and raw.get("kind") == KIND
        and is_valid_name(enrolment.school_id) and len(enrolment.key) == 32
        and isinstance(enrolment.school_name, str)
        and all(isinstance(v, str) or v is None for v in (enrolment.token, enrolment.district))
        and all(isinstance(k, str) for k in enrolment.pack_keys)
    )
    if not valid:
        raise bad
    return enrolment


def enrol(home: Path, enrolment: Enrolment) -> Station:
    """Create a station of the enrolment's school in `home`, linked to its district and
    trusting its pack keys; a bad pack key refuses the enrolment before anything is made."""
    with tempfile.TemporaryDirectory(prefix="pathstone-enrol-") as tmp:
        key_files = []
        for number, pem in enumerate(enrolment.pack_keys):
            key_file = Path(tmp) / f"{number}.pub"
            key_file.write_text(pem)
            try:
                keys.load_public(key_file)
            except keys.KeyFileError:
                raise EnrolmentError(f"Pack key {number + 1} in the enrolment is not a public key "
                                     "in PEM form.") from None
            key_files.append(key_file)
        station = Station.init(home, enrolment.school_name, school_id=enrolment.school_id,
                               school_key=enrolment.key)
        for key_file in key_files:
            keys.trust(home, key_file)
    link = {"url": enrolment.district, "token": enrolment.token}
    write_atomically(home / _LINK, encode_json(link), mode=0o600)
    return station


def school_enrolment(station: Station) -> Enrolment:
    """An enrolment for another station of this station's school (`school export`):
    the school without a district, which can adopt it later from this same file."""
    ident = station.identity
    pems = tuple(key.to_pem().decode() for key in keys.trusted(station.home).values())
    return Enrolment(ident.school_id, ident.school_name, station.school_key(), None,
                     district_link(station.home).url, pems)


def district_link(home: Path) -> DistrictLink:
    """The station's district URL and token, empty when it was never enrolled."""
    try:
        raw = json.loads((home / _LINK).read_bytes())
        return DistrictLink(raw.get("url"), raw.get("token"))
    except FileNotFoundError:
        return DistrictLink(None, None)
    except (OSError, ValueError, AttributeError):
        raise EnrolmentError(f"{home / _LINK} is damaged; enrol the station again.") from None
