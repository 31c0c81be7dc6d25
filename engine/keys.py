"""Signing keys and the keys a station trusts.

A key pair is two PEM files: the private key (`NAME`, mode 0600, kept by whoever signs
packs) and the public key (`NAME.pub`, safe to copy onto every station).  A station trusts
the public keys in `HOME/trust/`, one file per key, named by the key's fingerprint.
Both files may start with `#` comment lines, which PEM readers skip.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from engine.atomic import write_atomically
from engine.errors import PathstoneError

TRUST_DIR = "trust"
MAX_KEY_FILE = 16 * 1024
_PRIVATE_NOTE = b"# Pathstone pack-signing key (Ed25519, private): keep it secret, never copy it to a station.\n"
_PUBLIC_NOTE = b"# Pathstone pack-signing key (Ed25519, public): safe to copy; stations that trust it install its packs.\n"


class KeyFileError(PathstoneError):
    """A key file that cannot be used, with the reason."""


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key and the short fingerprint people compare by eye."""

    raw: bytes

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()[:16]

    def verify(self, signature: bytes, message: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def to_pem(self) -> bytes:
        key = Ed25519PublicKey.from_public_bytes(self.raw)
        return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def generate(private_path: Path, note: bytes = b"") -> tuple[Path, PublicKey]:
    """Write a new key pair to `private_path` and `private_path.pub`; never overwrites."""
    public_path = private_path.with_name(private_path.name + ".pub")
    for path in (private_path, public_path):
        if path.exists():
            raise KeyFileError(f"{path} already exists; choose another name or move the old key away.")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public = PublicKey(key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    write_atomically(public_path, note + _PUBLIC_NOTE + public.to_pem())
    write_atomically(private_path, note + _PRIVATE_NOTE + private_pem, mode=0o600)
    return public_path, public


def load_private(path: Path) -> Ed25519PrivateKey:
    data = _read_key_file(path)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        if b"PUBLIC KEY" in data:
            raise KeyFileError(f"{path} is a public key; signing needs the private key file.") from None
        raise KeyFileError(f"{path} is not an unencrypted Ed25519 private key in PEM form.") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} is not an Ed25519 key; make one with `pathstone keygen`.")
    return key


def load_public(path: Path) -> PublicKey:
    data = _read_key_file(path)
    if b"PRIVATE KEY" in data:
        raise KeyFileError(f"{path} is a private key; give the public key file (NAME.pub) instead.")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        raise KeyFileError(f"{path} is not an Ed25519 public key in PEM form.") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"{path} is not an Ed25519 key; make one with `pathstone keygen`.")
    return PublicKey(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def public_of(private: Ed25519PrivateKey) -> PublicKey:
    return PublicKey(private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def trusted(home: Path) -> dict[str, PublicKey]:
    """The station's trusted keys by fingerprint; an unreadable file is not trusted."""
    folder = home / TRUST_DIR
    keys: dict[str, PublicKey] = {}
    if not folder.is_dir():
        return keys
    for path in sorted(folder.glob("*.pub")):
        try:
            key = load_public(path)
        except (KeyFileError, OSError):
            continue
        keys[key.fingerprint] = key
    return keys


def trust(home: Path, public_path: Path) -> tuple[PublicKey, bool]:
    """Add a public key to the station's trusted keys; returns it and whether it is new."""
    key = load_public(public_path)
    folder = home / TRUST_DIR
    target = folder / f"{key.fingerprint}.pub"
    if target.is_file() and key.fingerprint in trusted(home):
        return key, False
    folder.mkdir(mode=0o755, exist_ok=True)
    write_atomically(target, _PUBLIC_NOTE + key.to_pem())
    return key, True


def _read_key_file(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_KEY_FILE + 1)
    except FileNotFoundError:
        raise KeyFileError(f"There is no key file {path}.") from None
    except IsADirectoryError:
        raise KeyFileError(f"{path} is a folder, not a key file.") from None
    if len(data) > MAX_KEY_FILE:
        raise KeyFileError(f"{path} is far too large to be a key file.")
    return data

