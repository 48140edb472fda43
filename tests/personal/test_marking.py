"""Which fields of an application are a person's: the subject ids intake gives them, and what
a report reads of them (the same whether the field is plain, sealed or erased)."""

from __future__ import annotations

from typing import Any

from services.intake.subjects import identify
from shared.contracts.intake import ApplicationSubmitted
from shared.personal.fields import without_personal
from shared.personal.subjects import Subjects

PERSON = "private person"


def fields(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "applicant": {"name": "Thales Nederland B.V.", "eori": "NL123456789"},
        "end_user": {"name": "Norwegian Armed Forces", "country": "NO", "type": "armed_forces"},
        "consignee": None}
    return {**base, **changes}


def test_a_private_end_user_and_consignee_and_a_contact_get_subject_ids(
        subjects: Subjects) -> None:
    out = identify(fields(
        applicant={"name": "Thales Nederland B.V.", "eori": "NL123456789",
                   "contact": {"name": "Anna Bakker", "email": "anna@example.nl"}},
        end_user={"name": "Jan de Vries", "country": "NO", "type": "private"},
        consignee={"name": "Petra Jansen", "country": "NO", "type": "private"}), subjects)
    assert out["end_user"]["subject"] == subjects.private_party("Jan de Vries", "NO")
    assert out["consignee"]["subject"] == subjects.private_party("Petra Jansen", "NO")
    assert out["applicant"]["contact"]["subject"] == subjects.contact(
        "NL123456789", email="anna@example.nl")
    # Spelled otherwise, the same person: the same id.
    again = identify(fields(end_user={"name": "JAN  de vries", "country": "NO",
                                      "type": "private"}), subjects)
    assert again["end_user"]["subject"] == out["end_user"]["subject"]


def test_companies_and_governments_get_no_subject(subjects: Subjects) -> None:
    out = identify(fields(consignee={"name": "Kongsberg", "country": "NO", "type": "company"}),
                   subjects)
    assert "subject" not in out["end_user"] and "subject" not in out["consignee"]
    assert "contact" not in out["applicant"]


def test_a_report_reads_a_person_s_name_the_same_plain_sealed_or_erased() -> None:
    subject = "ps_" + "a" * 32
    sealed = {"$sealed": 1, "subject": subject, "key": "k", "nonce": "n", "ciphertext": "c"}
    erased = {"$erased": 1, "subject": subject}
    seen = [without_personal(ApplicationSubmitted, fields(
        end_user={"name": name, "country": "NO", "type": "private", "subject": subject},
        applicant={"name": "Thales Nederland B.V.", "eori": "NL123456789",
                   "contact": {"name": name, "email": name, "subject": subject}}), PERSON)
        for name in ("Jan de Vries", sealed, erased)]
    assert seen[0] == seen[1] == seen[2]
    assert seen[0]["end_user"]["name"] == PERSON
    assert seen[0]["applicant"] == {"name": "Thales Nederland B.V.", "eori": "NL123456789",
                                    "contact": {"name": PERSON, "email": PERSON,
                                                "subject": subject}}


def test_a_company_s_name_is_no_personal_data() -> None:
    data = fields()
    assert without_personal(ApplicationSubmitted, data, PERSON) == data
