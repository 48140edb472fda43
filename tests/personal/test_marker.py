"""An erased field reads as `Erased`: a `str` the contracts keep through validation."""

from __future__ import annotations

import copy
import pickle
import typing
from typing import Any

import pytest
from pydantic import WrapValidator

from shared.contracts import REGISTRY, PersonalData
from shared.contracts.types import EndUser
from shared.personal.erased import ERASED_TEXT, Erased, is_erased, keep_erased
from shared.personal.fields import plan_of
from tests.personal.contracts import Person

SUBJECT = "ps_" + "b" * 32
SEALED = {"$sealed": 1, "subject": SUBJECT, "key": "k", "nonce": "", "ciphertext": ""}


def test_an_erased_field_is_text_that_knows_its_subject() -> None:
    erased = Erased(SUBJECT)
    assert erased == ERASED_TEXT and isinstance(erased, str)
    assert erased.is_erased and erased.subject == SUBJECT and is_erased(erased)
    assert not is_erased(ERASED_TEXT)
    for again in (copy.copy(erased), copy.deepcopy(erased), pickle.loads(pickle.dumps(erased))):
        assert isinstance(again, Erased) and again.subject == SUBJECT


@pytest.mark.parametrize("stored", [Erased(SUBJECT), {"$erased": 1, "subject": SUBJECT}, SEALED],
                         ids=["Erased", "erased marker", "sealed, never opened"])
def test_pydantic_keeps_the_erased_marker_through_validation(stored: Any) -> None:
    person = Person.model_validate({"name": stored, "email": stored, "subject": SUBJECT})
    assert isinstance(person.name, Erased) and person.name.subject == SUBJECT
    assert isinstance(person.email, Erased)
    # Written out in JSON as the marker, so a copy of an erased field stays erased...
    assert person.model_dump(mode="json")["name"] == {"$erased": 1, "subject": SUBJECT}
    # ...and read back as Erased again.
    assert isinstance(Person.model_validate_json(person.model_dump_json()).name, Erased)


def test_plain_text_stays_plain() -> None:
    user = EndUser(name="Jan de Vries", country="NL", type="private", subject=SUBJECT)
    assert type(user.name) is str
    assert user.model_dump(mode="json")["name"] == "Jan de Vries"
    with pytest.raises(ValueError):
        EndUser.model_validate({"name": 3, "country": "NL"})


def _validators(annotation: Any, metadata: list[Any]) -> list[Any]:
    found = [m for m in metadata if isinstance(m, WrapValidator)]
    for arg in typing.get_args(annotation):
        found += _validators(arg, list(getattr(arg, "__metadata__", ())))
    return found


def test_every_personal_field_of_every_contract_keeps_the_marker() -> None:
    checked = 0
    for model in REGISTRY:
        stack: list[type[Any]] = [model]
        while stack:
            current = stack.pop()
            plan = plan_of(current)
            if plan is None:
                continue
            for name, info in current.model_fields.items():
                if any(isinstance(m, PersonalData) for m in info.metadata):
                    validators = _validators(info.annotation, list(info.metadata))
                    assert any(v.func is keep_erased for v in validators), (
                        f"{current.__name__}.{name} is PersonalData but not PersonalText")
                    checked += 1
                for arg in _models(info.annotation):
                    stack.append(arg)
    assert checked > 10


def _models(annotation: Any) -> list[type[Any]]:
    if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]
