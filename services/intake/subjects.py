"""Who the data subjects of an application are: decided here, once, when it arrives.

Intake is the one place a data subject id is derived (shared.personal.subjects says how): every
other service reads the id from intake's events and carries it on, so one erasure of the id
reaches every service. The people an application can name:

- the end user, when it is a private person (`end_user.type: "private"`): by name and country;
- the consignee, when it is a private person (`consignee.type: "private"`): by name and country;
- the contact person at the applicant (`applicant.contact`): by the applicant's EORI number and
  the contact's e-mail address (else name).

Companies, governments and armed forces are legal persons, not data subjects: their names stay
as they are and get no id.
"""

from __future__ import annotations

from typing import Any

from shared.personal.subjects import Subjects


def identify(fields: dict[str, Any], subjects: Subjects) -> dict[str, Any]:
    """An application's fields (as posted) with the subject id beside each person in it."""
    out = dict(fields)
    for party in ("end_user", "consignee"):
        value = out.get(party)
        if isinstance(value, dict) and value.get("type") == "private":
            out[party] = {**value, "subject": subjects.private_party(value["name"],
                                                                     value.get("country"))}
    applicant = out.get("applicant")
    if isinstance(applicant, dict) and isinstance(applicant.get("contact"), dict):
        contact = applicant["contact"]
        out["applicant"] = {**applicant, "contact": {**contact, "subject": subjects.contact(
            applicant["eori"], email=contact.get("email"), name=contact.get("name"))}}
    return out
