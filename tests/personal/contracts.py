"""Made-up producers with personal fields, for the tests of shared.personal.

`registrar` records people and parties; `copier` consumes them and records a copy of the
person in an event of its own, as a service that carries a subject's data on would.
"""

from __future__ import annotations

from typing import Annotated, Literal

from shared.contracts import Payload, PersonalData, contract
from shared.contracts.types import PersonalDataErasedFacts, PersonalText, SubjectId, Value

_registrar = contract("registrar")
_copier = contract("copier")


class Person(Value):
    """A natural person: every field but the subject is personal."""

    name: Annotated[PersonalText, PersonalData()]
    email: Annotated[PersonalText | None, PersonalData()] = None
    subject: SubjectId | None = None


class Party(Value):
    """A party that is a person or a company: its name is personal only for a person."""

    name: Annotated[PersonalText, PersonalData(when=("kind", "person"))]
    kind: Literal["person", "company"]
    subject: SubjectId | None = None


@_registrar("PersonRegistered")
class PersonRegistered(Payload):
    """A case naming a person and its parties, with an amount the aggregate sums."""

    stream_doc = "the case id"
    examples = ({"case": "c1", "person": {"name": "Jan de Vries", "subject": None},
                 "parties": [], "amount": 1},)

    case: str
    person: Person
    parties: list[Party] = []
    amount: int = 0


@_registrar("PersonalDataErased")
class RegistrarErased(PersonalDataErasedFacts):
    """The registrar erased a data subject."""


@_copier("PersonCopied")
class PersonCopied(Payload):
    """The copier's record of a person it learned of."""

    stream_doc = "the case id"

    case: str
    person: Person


@_copier("PersonalDataErased")
class CopierErased(PersonalDataErasedFacts):
    """The copier erased a data subject."""
