"""Who a data subject is: one stable id per person, derived in one place from who they are.

A data subject is a natural person whose personal data the office records: a private end user
or consignee, the contact person at an exporter. Intake decides who it is, when an application
(or a registration) arrives, from the fields that identify the person:

- a private end user or consignee (`private_party`): the name and the country;
- a contact at an exporter (`contact`): the company's EORI number and the contact's e-mail
  address, or the name when there is no e-mail address.

The id is `ps_` followed by the first 160 bits of HMAC-SHA256(pepper, normalised kind and
identifying fields) in lower-case base32 (32 characters). The pepper is the installation's
secret (`LICENSING_SUBJECT_PEPPER`; in development a file `subject.key` in the data directory,
made on first use like `jwt.key`; outside development it must be configured): without it the
id cannot be recomputed from a name, so it says nothing about the person by itself.

The id is put in the event beside the person's fields (`EndUser.subject`, `Consignee.subject`,
`Contact.subject`), and every service that copies the person's data carries the same id on:
the same person has the same id in every service, so one erasure (of that id) reaches every
service. Normalisation (Unicode NFKC, case folded, spaces collapsed) makes `Jan  de Vries` and
`jan de vries` one person; it is part of the id and must never change (`v1` is in the message
so a future scheme can sit beside it). Two people with the same name in the same country are
one data subject here: erasing one erases both, which errs on the side of forgetting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from pathlib import Path

from shared.settings import ServiceSettings

PEPPER_FILE = "subject.key"
SUBJECT = re.compile(r"^ps_[a-z2-7]{32}\Z")
_SEPARATOR = "\x1f"  # the ASCII unit separator: no identifying field contains it


def normalise(text: str) -> str:
    """A field as the id sees it: NFKC, case folded, inner spaces collapsed, trimmed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


class Subjects:
    """Derives data subject ids with the installation's pepper."""

    def __init__(self, pepper: bytes) -> None:
        if len(pepper) < 16:
            raise ValueError("the subject pepper must be at least 16 bytes")
        self._pepper = pepper

    def derive(self, kind: str, *fields: str) -> str:
        """The id of a subject of `kind` identified by `fields` (normalised here)."""
        message = _SEPARATOR.join(["v1", kind, *(normalise(f) for f in fields)])
        digest = hmac.new(self._pepper, message.encode(), hashlib.sha256).digest()[:20]
        return "ps_" + base64.b32encode(digest).decode().lower()

    def private_party(self, name: str, country: str | None) -> str:
        """A private end user or consignee: by name and country."""
        return self.derive("private-party", name, country or "")

    def contact(self, eori: str, *, email: str | None = None, name: str | None = None) -> str:
        """A contact person at an exporter: by the company's EORI and the e-mail (else name)."""
        if email:
            return self.derive("contact-email", eori, email)
        if name:
            return self.derive("contact-name", eori, name)
        raise ValueError("a contact is identified by an e-mail address or a name")


def is_subject(value: str) -> bool:
    """Whether a text is a data subject id."""
    return bool(SUBJECT.match(value))


def load_pepper(settings: ServiceSettings) -> bytes:
    """The installation's subject pepper: configured, or in development the data dir's file.

    In development a missing `subject.key` is created (mode 0600) so one machine's services
    share it; outside development the setting is required (ServiceSettings checks at start).
    """
    if settings.subject_pepper:
        return settings.subject_pepper.encode()
    path = settings.data_dir / PEPPER_FILE
    if path.exists():
        return path.read_text().strip().encode()
    if settings.environment != "development":
        raise ValueError("outside development LICENSING_SUBJECT_PEPPER must be configured")
    return _create_pepper_file(path)


def _create_pepper_file(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_urlsafe(48) + "\n")
    try:
        # A link appears whole or not at all: a service starting beside this one reads either
        # no file or the finished one, and whoever links second uses the first one's pepper.
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path.read_text().strip().encode()
