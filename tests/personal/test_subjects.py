"""Who a data subject is: one id per person, stable, normalised, unguessable without the pepper."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.contracts.types import EndUser
from shared.personal.subjects import PEPPER_FILE, Subjects, is_subject, load_pepper
from shared.settings import ServiceSettings


def test_the_same_person_has_the_same_id_however_written(subjects: Subjects) -> None:
    one = subjects.private_party("Jan  de Vries", "NL")
    assert one == subjects.private_party("jan de vries ", "NL")
    assert one == subjects.private_party("ＪＡＮ de Vries", "NL")  # full-width letters: NFKC
    assert is_subject(one) and len(one) == 35
    EndUser(name="Jan de Vries", country="NL", type="private", subject=one)  # the contract's form


def test_different_people_kinds_and_installations_have_different_ids(subjects: Subjects) -> None:
    ids = {
        subjects.private_party("Jan de Vries", "NL"),
        subjects.private_party("Jan de Vries", "BE"),
        subjects.private_party("Piet de Vries", "NL"),
        subjects.contact("NL123", email="jan@example.nl"),
        subjects.contact("NL123", name="Jan de Vries"),
        subjects.contact("NL999", email="jan@example.nl"),
        Subjects(b"another installation's pepper!").private_party("Jan de Vries", "NL"),
    }
    assert len(ids) == 7
    assert subjects.contact("NL123", email="Jan@Example.NL") == subjects.contact(
        "NL123", email="jan@example.nl", name="ignored when there is an e-mail address")
    with pytest.raises(ValueError):
        subjects.contact("NL123")


def test_a_subject_id_in_a_contract_must_look_like_one() -> None:
    with pytest.raises(ValidationError):
        EndUser(name="x", country="NL", subject="jan")


def test_in_development_the_pepper_is_a_file_made_once_in_the_data_dir(tmp_path: Path) -> None:
    settings = ServiceSettings(service="intake", data_dir=tmp_path / "var")
    first = load_pepper(settings)
    path = tmp_path / "var" / PEPPER_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_pepper(ServiceSettings(service="denials", data_dir=tmp_path / "var")) == first
    assert len(first) >= 32
    assert sorted(p.name for p in path.parent.iterdir()) == [PEPPER_FILE]


async def test_services_starting_together_share_one_pepper(tmp_path: Path) -> None:
    settings = [ServiceSettings(service=f"s{i}", data_dir=tmp_path) for i in range(8)]
    peppers = await asyncio.gather(*(asyncio.to_thread(load_pepper, s) for s in settings))
    assert len(set(peppers)) == 1


def test_outside_development_the_pepper_must_be_configured(tmp_path: Path) -> None:
    common = {"service": "intake", "data_dir": tmp_path, "environment": "production",
              "jwt_secret": "s" * 40}
    with pytest.raises(ValidationError, match="LICENSING_SUBJECT_PEPPER"):
        ServiceSettings(**common)
    with pytest.raises(ValidationError, match="LICENSING_SUBJECT_PEPPER"):
        ServiceSettings(**common, subject_pepper="short")
    configured = ServiceSettings(**common, subject_pepper="p" * 40)
    assert load_pepper(configured) == b"p" * 40
    assert not (tmp_path / PEPPER_FILE).exists()


def test_the_pepper_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    monkeypatch.setenv("LICENSING_SUBJECT_PEPPER", "from the environment " * 2)
    assert load_pepper(ServiceSettings(data_dir=tmp_path)) == ("from the environment " * 2
                                                               ).encode()
