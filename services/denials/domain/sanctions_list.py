"""Reading the EU consolidated financial sanctions list (FSF `xmlFullSanctionsList_1_1`); pure.

The file is one `<export generationDate=...>` of `<sanctionEntity logicalId=...
designationDate=... euReferenceNumber=...>`, each with `<regulation programme=...>` (its
`<publicationUrl>` a child), `<subjectType code="person|enterprise">`, several `<nameAlias
wholeName=... firstName=... middleName=... lastName=... nameLanguage=... strong=...>`,
`<citizenship countryIso2Code=...>`, `<address countryIso2Code=...>`, `<birthdate
birthdate=...>`, in the namespace `http://eu.europa.ec/fpi/fsd/export` (read with or without
it). Every name alias is kept: the whole name as written, else its first, middle and last name
joined (a person is matched on the whole name, never on a part of it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any, Literal

from shared.errors import Invalid

SubjectType = Literal["person", "enterprise"]
# Groups and bodies are listed as enterprises; "person" is the only other code in use.
_SUBJECT_TYPES: dict[str, SubjectType] = {"person": "person", "P": "person",
                                          "enterprise": "enterprise", "E": "enterprise"}


@dataclass(frozen=True)
class ListedName:
    """One name alias of a listed entity."""

    name: str
    language: str | None = None
    function: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return {"name": self.name, "language": self.language, "function": self.function}


@dataclass(frozen=True)
class ListedEntity:
    """A person, group or entity on the list, with every name it is listed under."""

    entity_id: str  # the list's logicalId
    subject_type: SubjectType
    names: tuple[ListedName, ...]
    programmes: tuple[str, ...] = ()
    publication_urls: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()  # of citizenship and of addresses, ISO 3166 alpha-2
    designated_on: dt.date | None = None
    eu_reference: str | None = None
    birthdates: tuple[str, ...] = ()

    @property
    def programme(self) -> str | None:
        """The programme a hit cites: the first regulation's."""
        return self.programmes[0] if self.programmes else None

    def to_json(self) -> dict[str, Any]:
        """The stored and shown form."""
        return {"entity_id": self.entity_id, "subject_type": self.subject_type,
                "names": [n.to_json() for n in self.names], "programmes": list(self.programmes),
                "publication_urls": list(self.publication_urls),
                "countries": list(self.countries),
                "designated_on": self.designated_on.isoformat() if self.designated_on else None,
                "eu_reference": self.eu_reference, "birthdates": list(self.birthdates)}


@dataclass(frozen=True)
class SanctionsList:
    """One version of the list, as read from its file."""

    version: str  # generationDate as written
    generated_at: dt.datetime
    sha256: str
    entities: tuple[ListedEntity, ...]

    @property
    def name_count(self) -> int:
        """How many names the list's entities are listed under."""
        return sum(len(e.names) for e in self.entities)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _text(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value or None


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _country(el: ET.Element) -> str | None:
    code = _text(el.get("countryIso2Code"))
    if code in (None, "00"):  # "00": unknown in the FSF export
        return None
    assert code is not None
    return "RS" if code == "CS" else code.upper()  # Serbia and Montenegro is read as Serbia


def _alias(el: ET.Element) -> ListedName | None:
    whole = _text(el.get("wholeName"))
    if whole is None:
        parts = [_text(el.get(k)) for k in ("firstName", "middleName", "lastName")]
        whole = " ".join(p for p in parts if p) or None
    if whole is None:
        return None
    return ListedName(name=whole[:300], language=_text(el.get("nameLanguage")),
                      function=_text(el.get("function")))


def _entity(el: ET.Element) -> ListedEntity | None:
    entity_id = _text(el.get("logicalId"))
    kinds = _children(el, "subjectType")
    kind = _SUBJECT_TYPES.get(kinds[0].get("code") or "", "enterprise") if kinds else "enterprise"
    names: dict[str, ListedName] = {}
    for node in _children(el, "nameAlias"):
        alias = _alias(node)
        if alias is not None:
            names.setdefault(alias.name, alias)
    if entity_id is None or not names:
        return None
    programmes, urls = [], []
    for reg in _children(el, "regulation"):
        if (programme := _text(reg.get("programme"))) and programme not in programmes:
            programmes.append(programme)
        for url in _children(reg, "publicationUrl"):
            if (link := _text(url.text)) and link not in urls:
                urls.append(link)
        if (link := _text(reg.get("publicationUrl"))) and link not in urls:
            urls.append(link)
    countries = [c for node in _children(el, "citizenship") + _children(el, "address")
                 if (c := _country(node))]
    births = [b for node in _children(el, "birthdate") if (b := _text(node.get("birthdate")))]
    return ListedEntity(
        entity_id=entity_id, subject_type=kind, names=tuple(names.values()),
        programmes=tuple(programmes), publication_urls=tuple(urls),
        countries=tuple(dict.fromkeys(countries)), designated_on=_day(el.get("designationDate")),
        eu_reference=_text(el.get("euReferenceNumber")), birthdates=tuple(births))


def parse_list(data: bytes) -> SanctionsList:
    """The list in an FSF XML export; Invalid (422) when the bytes are not one."""
    try:
        # The standard library's parser resolves no external entities and, with expat 2.4.1+,
        # refuses entity-expansion bombs.
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise Invalid(f"the sanctions list is not well-formed XML: {exc}",
                      code="sanctions-list-unreadable") from exc
    if _local(root.tag) != "export":
        raise Invalid(f"the sanctions list's root element is <{_local(root.tag)}>, not <export> "
                      "(expected the FSF xmlFullSanctionsList_1_1 export)",
                      code="sanctions-list-unreadable")
    version = _text(root.get("generationDate"))
    if version is None:
        raise Invalid("the sanctions list has no generationDate", code="sanctions-list-unreadable")
    try:
        generated = dt.datetime.fromisoformat(version)
    except ValueError as exc:
        raise Invalid(f"the sanctions list's generationDate {version!r} is not a date and time",
                      code="sanctions-list-unreadable") from exc
    generated = (generated if generated.tzinfo else generated.replace(tzinfo=dt.UTC)
                 ).astimezone(dt.UTC)
    entities: dict[str, ListedEntity] = {}
    for node in root.iter():
        if _local(node.tag) == "sanctionEntity" and (entity := _entity(node)) is not None:
            entities.setdefault(entity.entity_id, entity)
    if not entities:
        # An empty list loaded cleanly would clear every party: refused instead.
        raise Invalid("the sanctions list holds no <sanctionEntity> with a logicalId and a name "
                      "(is it the 1.1 export?)", code="sanctions-list-empty")
    return SanctionsList(version=version, generated_at=generated,
                         sha256=hashlib.sha256(data).hexdigest(),
                         entities=tuple(entities.values()))
