"""Crypto-shredding's primitives: AES-256-GCM over one personal field, under its subject's key.

A sealed field is the JSON object

    {"$sealed": 1, "subject": "ps_...", "key": "<key id>", "nonce": b64, "ciphertext": b64}

where the ciphertext (with its tag) is AES-GCM of the field's text under the data key `key`
of that subject, with a fresh 96-bit nonce, and the associated data binds it to its subject
and its place in the payload (`end_user.name`): a sealed value moved to another field or
another subject's id does not open. The key id picks one of the subject's keys: a subject
erased and recorded again later (a new application) gets a new key, and the old one stays
gone. Keys travel between services wrapped (`wrap_key`) under a key derived from the
installation's pepper, so the key-value bucket alone reveals nothing.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared.personal.erased import SEALED

KEY_BYTES = 32
NONCE_BYTES = 12


class CannotOpen(Exception):
    """A sealed value that does not open with the key it names: altered, moved or misfiled."""


def new_key() -> bytes:
    """A fresh random AES-256 data key."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def new_key_id() -> str:
    """A fresh key id: 64 random bits in lower-case base32 (valid in a NATS KV key)."""
    return base64.b32encode(secrets.token_bytes(8)).decode().rstrip("=").lower()


def _associated(subject: str, path: str) -> bytes:
    return f"licensing-personal-v1\x1f{subject}\x1f{path}".encode()


def seal_text(text: str, *, key: bytes, key_id: str, subject: str, path: str) -> dict[str, Any]:
    """The sealed form of one personal field's text."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    ciphertext = AESGCM(key).encrypt(nonce, text.encode(), _associated(subject, path))
    return {SEALED: 1, "subject": subject, "key": key_id, "nonce": _b64(nonce),
            "ciphertext": _b64(ciphertext)}


def open_text(sealed: dict[str, Any], *, key: bytes, path: str) -> str:
    """The text of a sealed field; CannotOpen when it does not open with `key` at `path`."""
    try:
        nonce = base64.b64decode(sealed["nonce"], validate=True)
        ciphertext = base64.b64decode(sealed["ciphertext"], validate=True)
        return AESGCM(key).decrypt(nonce, ciphertext,
                                   _associated(str(sealed["subject"]), path)).decode()
    except (InvalidTag, KeyError, ValueError, TypeError) as exc:
        raise CannotOpen(f"the sealed value at {path} does not open") from exc


def exchange_key(pepper: bytes) -> bytes:
    """The key data keys are wrapped with in the key-value bucket, derived from the pepper."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                info=b"licensing key exchange v1").derive(pepper)


def wrap_key(key: bytes, *, wrapping: bytes, name: str) -> dict[str, str]:
    """A data key wrapped for the bucket entry `name`."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return {"nonce": _b64(nonce),
            "wrapped": _b64(AESGCM(wrapping).encrypt(nonce, key, name.encode()))}


def unwrap_key(entry: dict[str, Any], *, wrapping: bytes, name: str) -> bytes:
    """The data key of a bucket entry; CannotOpen when it was wrapped otherwise."""
    try:
        return AESGCM(wrapping).decrypt(base64.b64decode(entry["nonce"]),
                                        base64.b64decode(entry["wrapped"]), name.encode())
    except (InvalidTag, KeyError, ValueError, TypeError) as exc:
        raise CannotOpen(f"the key in bucket entry {name} does not unwrap") from exc


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
