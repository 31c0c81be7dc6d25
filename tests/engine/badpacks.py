"""Packs made by code for the tests and the benchmark: a small valid pack, and a corpus of
bad pack files, each signed by the trusted test key so that its one defect is what the
station has to catch."""

from __future__ import annotations

import hashlib
import json
import random
import stat
import struct
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine.packs import archive
from engine.packs.archive import FileEntry, manifest_bytes, signature_bytes


def skill_ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}.skill-{n}" for n in range(count)]


def pack_data(pack_id: str = "org.test.alpha", version: str = "1.0.0", skills: int = 3,
              prefix: str = "alpha", extra_requires: tuple[str, ...] = (), lesson_text: str = "") -> dict[str, Any]:
    """The files of a valid pack as Python values: `path → dict` for JSON, `path → str` for Markdown.

    Skill n requires skill n-1; the first also requires `extra_requires` (other packs).
    """
    ids = skill_ids(prefix, skills)
    files: dict[str, Any] = {}
    pack: dict[str, Any] = {
        "format": 1, "id": pack_id, "version": version, "title": f"Test pack {prefix}",
        "language": "en", "subjects": ["mathematics"], "grade_band": "3-5", "license": "CC-BY-4.0",
        "authors": ["Tests"], "skills": [],
    }
    for n, sid in enumerate(ids):
        name = f"skill-{n}"
        pack["skills"].append({
            "id": sid, "title": f"Skill {n}",
            "requires": ([ids[n - 1]] if n else list(extra_requires)),
            "mastery": {"model": "bkt"} if n % 2 == 0 else {"model": "m_of_n", "m": 4, "n": 5},
            "tags": ["food"], "lesson": f"lessons/{name}.md", "checks": f"checks/{name}.json",
        })
        files[f"lessons/{name}.md"] = f"# Skill {n}\n\nHalf of 8 is 4. {lesson_text}\n"
        files[f"checks/{name}.json"] = {"skill": sid, "items": _items(f"{prefix}-{n}")}
    files["activities/project.json"] = {
        "id": f"{prefix}.project", "skills": ids[:2], "modality": "project", "title": "Halve a recipe",
        "description": "Halve the recipe for 4 people.", "steps": ["Read it.", "Halve it."],
        "evidence": "Your halved recipe.",
        "rubric": {"levels": [{"id": "beginning", "label": "Beginning", "descriptor": "Started."},
                              {"id": "proficient", "label": "Proficient", "descriptor": "All right."}],
                   "proficient": "proficient"},
    }
    files["pack.json"] = pack
    return files


def _items(prefix: str) -> list[dict[str, Any]]:
    common = {"feedback": {"right": "Yes.", "wrong": "Not quite."}, "hints": ["Think of halves."],
              "explanation": "Because."}
    return [
        {"id": f"{prefix}-c", "type": "choice", "prompt": "Which is half?", "choices": ["1/2", "1/3"],
         "answer": [0], **common},
        {"id": f"{prefix}-n", "type": "number", "prompt": "Half of 3/2?", "answer": "3/4",
         "check": "(3/2)/2", "interests": ["cooking"], **common},
        {"id": f"{prefix}-t", "type": "text", "prompt": "Name 1/2.", "answers": ["one half", "a half"], **common},
        {"id": f"{prefix}-o", "type": "order", "prompt": "Smallest first.", "entries": ["1/2", "1/4", "1"],
         "answer": [1, 0, 2], "values": ["1/2", "1/4", "1"], **common},
    ]


def encode(files: dict[str, Any]) -> dict[str, bytes]:
    return {name: (value.encode() if isinstance(value, str) else value if isinstance(value, bytes)
                   else json.dumps(value, indent=1).encode())
            for name, value in files.items()}


def write_folder(root: Path, files: dict[str, Any]) -> Path:
    for name, data in encode(files).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def build_file(out: Path, key: Ed25519PrivateKey, files: dict[str, Any]) -> Path:
    """A pack file with these files, signed but not checked: how a bad pack is made."""
    pack = files.get("pack.json")
    pack = pack if isinstance(pack, dict) else {}
    archive.write_archive(out, pack.get("id", "org.test.alpha"), pack.get("version", "1.0.0"),
                          sorted(encode(files).items()), key)
    return out


def raw_zip(out: Path, key: Ed25519PrivateKey, entries: list[tuple[zipfile.ZipInfo | str, bytes]],
            pack_id: str = "org.test.alpha", version: str = "1.0.0") -> Path:
    """A pack file written entry by entry (any name, any mode), with a signed manifest of them."""
    listed = [FileEntry(info if isinstance(info, str) else info.filename, len(data),
                        hashlib.sha256(data).hexdigest()) for info, data in entries]
    manifest = manifest_bytes(pack_id, version, listed)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in entries:
            z.writestr(info, data)
        z.writestr(archive.MANIFEST, manifest)
        z.writestr(archive.SIGNATURE, signature_bytes(manifest, key))
    return out


def replace_entry(src: Path, out: Path, name: str, data: bytes) -> Path:
    """Copy a pack file with one entry's bytes replaced, manifest and signature kept."""
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info, data if info.filename == name else old.read(info))
    return out


@dataclass(frozen=True)
class BadPack:
    name: str
    make: Callable[[Path, Ed25519PrivateKey], Path]
    says: str  # a phrase the one-sentence refusal must contain


def _good(key: Ed25519PrivateKey, tmp: Path) -> Path:
    return build_file(tmp / "good.pspack", key, pack_data())


def _with(change: Callable[[dict[str, Any]], None]) -> Callable[[Path, Ed25519PrivateKey], Path]:
    def make(tmp: Path, key: Ed25519PrivateKey) -> Path:
        files = pack_data()
        change(files)
        return build_file(tmp / "bad.pspack", key, files)
    return make


def _entry(name: str, data: bytes = b"# x\n", mode: int = stat.S_IFREG | 0o644) -> Callable[[Path, Ed25519PrivateKey], Path]:
    def make(tmp: Path, key: Ed25519PrivateKey) -> Path:
        info = zipfile.ZipInfo(name)
        info.external_attr = mode << 16
        good = encode(pack_data())
        return raw_zip(tmp / "bad.pspack", key, [*good.items(), (info, data)])
    return make


def _duplicate_entry(tmp: Path, key: Ed25519PrivateKey) -> Path:
    good = encode(pack_data())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name we want
        return raw_zip(tmp / "bad.pspack", key, [*good.items(), ("lessons/skill-0.md", b"# other\n")])


def _bomb(tmp: Path, key: Ed25519PrivateKey) -> Path:
    files = pack_data()
    files["lessons/skill-0.md"] = "# Skill 0\n" + " " * (5 * 1024 * 1024 - 20)
    return build_file(tmp / "bad.pspack", key, files)


def _lying_sizes(tmp: Path, key: Ed25519PrivateKey) -> Path:
    """Entries whose directory claims 4.9 MB each (12 of them), far more than they hold."""
    files = pack_data()
    for n in range(12):
        files[f"lessons/extra-{n}.md"] = "x"
    path = build_file(tmp / "bad.pspack", key, files)
    data = bytearray(path.read_bytes())
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46: at + 46 + name_len].startswith(b"lessons/extra-"):
            struct.pack_into("<I", data, at + 24, 4_900_000)
        at += 4
    path.write_bytes(bytes(data))
    return path


def _many_files(tmp: Path, key: Ed25519PrivateKey) -> Path:
    files = pack_data()
    for n in range(10_000):
        files[f"lessons/tiny-{n}.md"] = "x"
    return build_file(tmp / "bad.pspack", key, files)


def _tampered(tmp: Path, key: Ed25519PrivateKey) -> Path:
    return replace_entry(_good(key, tmp), tmp / "bad.pspack", "lessons/skill-1.md", b"# Skill 1\n\nHalf of 8 is 5.\n")


def _tampered_manifest(tmp: Path, key: Ed25519PrivateKey) -> Path:
    good = _good(key, tmp)
    with zipfile.ZipFile(good) as z:
        manifest = z.read(archive.MANIFEST).replace(b'"1.0.0"', b'"1.0.1"')
    return replace_entry(good, tmp / "bad.pspack", archive.MANIFEST, manifest)


def _wrong_key(tmp: Path, key: Ed25519PrivateKey) -> Path:
    return _good(Ed25519PrivateKey.generate(), tmp)


def _truncated(tmp: Path, key: Ed25519PrivateKey) -> Path:
    good = _good(key, tmp).read_bytes()
    path = tmp / "bad.pspack"
    path.write_bytes(good[: len(good) * 2 // 3])
    return path


def _set(path: list[Any], value: Any) -> Callable[[Path, Ed25519PrivateKey], Path]:
    def change(files: dict[str, Any]) -> None:
        target = files
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
    return _with(change)


def _raw(name: str, data: bytes) -> Callable[[Path, Ed25519PrivateKey], Path]:
    def change(files: dict[str, Any]) -> None:
        files[name] = data
    return _with(change)


def _digits(count: int) -> bytes:
    """Digits that do not compress well, so the number, not the ratio, is what is refused."""
    return b"9" + "".join(random.Random(count).choices("0123456789", k=count)).encode()


def _duplicate_skill(files: dict[str, Any]) -> None:
    files["pack.json"]["skills"].append(dict(files["pack.json"]["skills"][0]))


CORPUS = [
    BadPack("dot-dot", _entry("../evil.md"), "leads outside the pack"),
    BadPack("dot-dot-inside", _entry("lessons/../../evil.md"), "leads outside the pack"),
    BadPack("backslash-dot-dot", _entry("..\\evil.md"), "leads outside the pack"),
    BadPack("absolute", _entry("/etc/evil.md"), "absolute path"),
    BadPack("drive-letter", _entry("C:/evil.md"), "drive-letter"),
    BadPack("symlink", _entry("lessons/link.md", b"/etc/passwd", stat.S_IFLNK | 0o777), "symbolic link"),
    BadPack("fifo", _entry("lessons/fifo.md", b"", stat.S_IFIFO | 0o644), "not a plain file"),
    BadPack("second-name-for-a-file", _duplicate_entry, "appears twice"),
    BadPack("unknown-file", _entry("lessons/run.sh"), "not part of a format 1 pack"),
    BadPack("zip-bomb-ratio", _bomb, "zip bomb"),
    BadPack("zip-bomb-total", _lying_sizes, "more than 50 MB"),
    BadPack("ten-thousand-files", _many_files, "at most 2000"),
    BadPack("huge-number", _raw("pack.json", b'{"format": 1, "id": ' + _digits(100_000) + b"}"), "digits"),
    BadPack("huge-float", _raw("checks/skill-0.json", b'{"skill": 1e999999}'), "too large"),
    BadPack("huge-string", _set(["pack.json", "title"], "x" * 20_000), "the limit is 10000"),
    BadPack("deep-nesting", _raw("checks/skill-0.json", b"[" * 5000 + b"]" * 5000), "nested"),
    BadPack("nan", _raw("checks/skill-0.json", b'{"skill": NaN}'), "NaN"),
    BadPack("duplicate-key", _raw("checks/skill-0.json", b'{"skill": "a", "skill": "b"}'), "twice"),
    BadPack("invalid-utf8-lesson", _raw("lessons/skill-0.md", b"# Half \xff\xfe\n"), "UTF-8"),
    BadPack("invalid-utf8-json", _raw("checks/skill-0.json", b'{"skill": "\xc3\x28"}'), "UTF-8"),
    BadPack("duplicate-skill", _with(_duplicate_skill), "twice"),
    BadPack("cycle", _set(["pack.json", "skills", 0, "requires"], ["alpha.skill-2"]), "cycle"),
    BadPack("check-of-missing-skill", _set(["checks/skill-1.json", "skill"], "alpha.nowhere"),
            "which the pack does not have"),
    BadPack("activity-of-missing-skill", _set(["activities/project.json", "skills"], ["alpha.nowhere"]),
            "which the pack does not have"),
    BadPack("missing-lesson", _set(["pack.json", "skills", 1, "lesson"], "lessons/absent.md"), "not in the pack"),
    BadPack("answer-out-of-range", _set(["checks/skill-0.json", "items", 0, "answer"], [3]), "beyond its 2 choices"),
    BadPack("order-key-wrong", _set(["checks/skill-0.json", "items", 3, "answer"], [0, 1, 2]), "does not sort"),
    BadPack("schema", _set(["pack.json", "language"], "English"), "pack.json is wrong at language"),
    BadPack("unknown-format", _set(["pack.json", "format"], 2), "format 2"),
    BadPack("tampered-file", _tampered, "changed after the pack was signed"),
    BadPack("tampered-manifest", _tampered_manifest, "signature does not match"),
    BadPack("wrong-key", _wrong_key, "does not trust"),
    BadPack("truncated", _truncated, "not a complete pack file"),
]
