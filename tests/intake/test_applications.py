"""Applications: the contract's fields validated against the reference data, and idempotency."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
from typing import Any

from tests.harness import RunningService, auth
from tests.intake.conftest import CUSTOMS, application, key, stream, submit


async def test_a_valid_application_is_recorded_with_every_field_and_its_value(
    intake: RunningService,
) -> None:
    body = application()
    response = await intake.client.post("/v1/applications", json=body, headers=key())
    assert response.status_code == 201, response.text
    doc = response.json()
    assert doc["status"] == "submitted" and doc["reference"] == body["reference"]
    events = await stream(intake, doc["id"])
    assert [e.type for e in events] == ["ApplicationSubmitted"]
    payload = events[0].payload
    assert payload["value_eur"] == "1500200.50"
    assert payload["procedure"] == "licence" and payload["purpose"] == "definitive"
    assert payload["catch_all"] is False and payload["amends"] is None
    assert payload["origins"] == [] and payload["destination_group"] is None
    assert payload["goods"][1] == {"description": "spare parts", "rating": "ML5d",
                                   "quantity": 10, "value_eur": "200.00",
                                   "complete_system": False, "annex": None}
    assert payload["received_at"] == "2024-03-01T08:00:00+00:00"
    got = await intake.client.get(f"/v1/applications/{doc['id']}", headers=CUSTOMS)
    assert got.json()["status"] == "submitted"


def _goods(**line: Any) -> list[dict[str, Any]]:
    return [{"description": "item", "quantity": 1, "value_eur": "10.00", **line}]


FUTURE = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()

# (what is wrong, changes to a valid application, the field a 422 must name)
INVALID: list[tuple[str, dict[str, Any], list[Any]]] = [
    ("unknown destination", {"destinations": ["XX"]}, ["body", "destinations", 0]),
    ("lower-case country", {"destinations": ["no"]}, ["body", "destinations", 0]),
    ("no destination", {"destinations": []}, ["body", "destinations"]),
    ("unknown end-user country", {"end_user": {"name": "x", "country": "QQ",
                                               "type": "company"}},
     ["body", "end_user", "country"]),
    ("end-user type missing", {"end_user": {"name": "x", "country": "NO"}},
     ["body", "end_user", "type"]),
    ("unknown consignee country", {"consignee": {"name": "x", "country": "ZZ"}},
     ["body", "consignee", "country"]),
    ("bad EORI", {"applicant": {"name": "x", "eori": "12345"}}, ["body", "applicant", "eori"]),
    ("military rating not on the list", {"goods": _goods(rating="ML23")},
     ["body", "goods", 0, "rating"]),
    ("dual-use entry under military", {"goods": _goods(rating="3B001")},
     ["body", "goods", 0, "rating"]),
    ("military rating under dual-use", {"regime": "dual_use", "goods": _goods(rating="ML5")},
     ["body", "goods", 0, "rating"]),
    ("malformed dual-use entry", {"regime": "dual_use", "goods": _goods(rating="5A002a")},
     ["body", "goods", 0, "rating"]),
    ("null rating without catch_all", {"goods": _goods(rating=None)},
     ["body", "goods", 0, "rating"]),
    ("anti-torture without annex", {"regime": "anti_torture",
                                    "goods": _goods(rating="III.2.1")},
     ["body", "goods", 0, "annex"]),
    ("anti-torture rating disagrees with annex",
     {"regime": "anti_torture", "goods": _goods(rating="III.2.1", annex="IV")},
     ["body", "goods", 0, "rating"]),
    ("Annex II not for a museum", {"regime": "anti_torture",
                                   "goods": _goods(rating="II.1.1", annex="II")},
     ["body", "goods", 0, "annex"]),
    ("annex outside anti-torture", {"goods": _goods(rating="ML5", annex="III")},
     ["body", "goods", 0, "annex"]),
    ("unknown annex", {"regime": "anti_torture", "goods": _goods(rating="V.1", annex="V")},
     ["body", "goods", 0, "annex"]),
    ("transit without origins", {"transaction": "transit"}, ["body", "origins"]),
    ("brokering without origins", {"transaction": "brokering", "service_value_eur": "5.00"},
     ["body", "origins"]),
    ("unknown origin", {"transaction": "transit", "origins": ["XY"]}, ["body", "origins", 0]),
    ("service value outside brokering", {"service_value_eur": "5.00"},
     ["body", "service_value_eur"]),
    ("brokering without service value", {"transaction": "brokering", "origins": ["US"]},
     ["body", "service_value_eur"]),
    ("zero quantity", {"goods": _goods(rating="ML5", quantity=0)},
     ["body", "goods", 0, "quantity"]),
    ("quantity as a string", {"goods": _goods(rating="ML5", quantity="3")},
     ["body", "goods", 0, "quantity"]),
    ("quantity beyond the limit", {"goods": _goods(rating="ML5", quantity=10**12 + 1)},
     ["body", "goods", 0, "quantity"]),
    ("three decimals", {"goods": _goods(rating="ML5", value_eur="1.005")},
     ["body", "goods", 0, "value_eur"]),
    ("negative money", {"goods": _goods(rating="ML5", value_eur="-1.00")},
     ["body", "goods", 0, "value_eur"]),
    ("money as a number", {"goods": _goods(rating="ML5", value_eur=10.5)},
     ["body", "goods", 0, "value_eur"]),
    ("money beyond the limit", {"goods": _goods(rating="ML5", value_eur="10000000000001")},
     ["body", "goods", 0, "value_eur"]),
    ("received in the future", {"received_at": FUTURE}, ["body", "received_at"]),
    ("received without a zone", {"received_at": "2024-03-01T09:00:00"},
     ["body", "received_at"]),
    ("transfer outside the EU", {"transaction": "transfer", "destinations": ["DE", "NO"]},
     ["body", "destinations", 1]),
    ("transfer to EU_NATO_PLUS", {"transaction": "transfer", "licence_type": "global",
                                  "destinations": ["DE"], "destination_group": "EU_NATO_PLUS"},
     ["body", "destination_group"]),
    ("destination group on an individual licence", {"destination_group": "EU"},
     ["body", "destination_group"]),
    ("unknown licence amended", {"amends": {"licence_number": "NL-NOPE", "kind": "extension"}},
     ["body", "amends", "licence_number"]),
    ("unknown amendment kind", {"amends": {"licence_number": "NL-1", "kind": "renewal"}},
     ["body", "amends", "kind"]),
    ("unknown field", {"colour": "blue"}, ["body", "colour"]),
    ("reference too long", {"reference": "R" * 301}, ["body", "reference"]),
    ("unknown regime", {"regime": "nuclear"}, ["body", "regime"]),
    ("NUL in a name", {"end_use": "a\x00b"}, ["body", "end_use"]),
    ("national rating on no national list", {"regime": "national",
                                             "goods": _goods(rating="3B999")},
     ["body", "goods", 0, "rating"]),
    ("national list not yet in force", {"regime": "national", "goods": _goods(rating="4A901")},
     ["body", "goods", 0, "rating"]),
    ("import of military goods", {"transaction": "import"}, ["body", "transaction"]),
    ("global dual-use without an approved compliance programme",
     {"regime": "dual_use", "licence_type": "global", "destinations": ["US"],
      "goods": _goods(rating="3A001")}, ["body", "licence_type"]),
    ("technical assistance under the national measures",
     {"regime": "national", "transaction": "technical_assistance",
      "goods": _goods(rating="3B901")}, ["body", "transaction"]),
]


async def test_each_rule_refuses_with_a_problem_naming_the_field(
    intake_sqlite: RunningService,
) -> None:
    failures = []
    for what, changes, loc in INVALID:
        response = await intake_sqlite.client.post(
            "/v1/applications", json=application(**copy.deepcopy(changes)), headers=key())
        problem = response.json()
        named = [e["loc"] for e in problem.get("errors", [])]
        if (response.status_code != 422
                or response.headers["content-type"] != "application/problem+json"
                or loc not in named):
            failures.append((what, response.status_code, named))
    assert failures == []


async def test_all_bad_fields_are_named_at_once(intake_sqlite: RunningService) -> None:
    body = application(destinations=["XX"], goods=_goods(rating="ML99"),
                       service_value_eur="1.00")
    response = await intake_sqlite.client.post("/v1/applications", json=body, headers=key())
    assert response.status_code == 422
    named = {tuple(e["loc"]) for e in response.json()["errors"]}
    assert {("body", "destinations", 0), ("body", "goods", 0, "rating"),
            ("body", "service_value_eur")} <= named


VALID: list[tuple[str, dict[str, Any]]] = [
    ("military sub-items", {"goods": _goods(rating="ML1d5")}),
    ("dual-use entries", {"regime": "dual_use", "destinations": ["CN"],
                          "end_user": {"name": "x", "country": "CN", "type": "company"},
                          "goods": _goods(rating="3B001") + _goods(rating="5A002.a")}),
    ("catch-all without a rating", {"regime": "dual_use", "catch_all": True,
                                    "goods": _goods(rating=None)}),
    ("anti-torture Annex III", {"regime": "anti_torture",
                                "goods": _goods(rating="III.2.1", annex="III")}),
    ("Annex II for a museum", {"regime": "anti_torture", "end_use": "Display in a museum",
                               "goods": _goods(rating="II.1.1", annex="II")}),
    ("transit with origins", {"transaction": "transit", "origins": ["US"]}),
    ("brokering with a zero service value", {"transaction": "brokering", "origins": ["US"],
                                             "service_value_eur": "0"}),
    ("transfer within the EU", {"transaction": "transfer", "destinations": ["DE", "FR"]}),
    ("global licence to a group", {"licence_type": "global", "destinations": ["EU"],
                                   "destination_group": "EU_NATO_PLUS"}),
    ("a sondage", {"procedure": "sondage", "purpose": "temporary"}),
    ("received now (default)", {"received_at": None}),
    ("national semiconductor equipment", {"regime": "national", "destinations": ["CN"],
                                          "end_user": {"name": "x", "country": "CN",
                                                       "type": "company"},
                                          "goods": _goods(rating="3B901")}),
    ("military technical assistance", {"transaction": "technical_assistance"}),
    ("global dual-use with an approved compliance programme",
     {"regime": "dual_use", "licence_type": "global", "destinations": ["US"],
      "applicant": {"name": "Acme Optics B.V.", "eori": "NL999999999"},
      "goods": _goods(rating="3A001")}),
    ("anti-torture import", {"regime": "anti_torture", "transaction": "import",
                             "origins": ["US"], "goods": _goods(rating="III.2.1", annex="III")}),
    ("anti-torture transit", {"regime": "anti_torture", "transaction": "transit",
                              "origins": ["US"],
                              "goods": _goods(rating="III.2.1", annex="III")}),
]


async def test_valid_variants_are_accepted(intake_sqlite: RunningService) -> None:
    failures = []
    for what, changes in VALID:
        response = await intake_sqlite.client.post(
            "/v1/applications", json=application(**copy.deepcopy(changes)), headers=key())
        if response.status_code != 201:
            failures.append((what, response.status_code, response.text))
    assert failures == []


async def test_amending_a_known_licence_is_accepted(intake: RunningService, assessment) -> None:
    first = await submit(intake)
    number = await assessment.issue(first["id"], destinations=["NO"])

    async def licence_known() -> bool:
        r = await intake.client.get(f"/v1/licences/{number}", headers=CUSTOMS)
        return r.status_code == 200

    from tests.harness import eventually
    await eventually(licence_known)
    amended = await submit(intake, amends={"licence_number": number, "kind": "extension"})
    assert amended["amends"] == {"licence_number": number, "kind": "extension"}


async def test_same_key_and_body_answers_200_with_the_same_application(
    intake: RunningService,
) -> None:
    body, headers = application(), key()
    first = await intake.client.post("/v1/applications", json=body, headers=headers)
    again = await intake.client.post("/v1/applications", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert len(await stream(intake, first.json()["id"])) == 1


async def test_same_key_with_another_body_is_a_conflict(intake: RunningService) -> None:
    headers = key()
    body = application()
    assert (await intake.client.post("/v1/applications", json=body,
                                     headers=headers)).status_code == 201
    other = {**body, "end_use": "something else"}
    response = await intake.client.post("/v1/applications", json=other, headers=headers)
    assert response.status_code == 409
    assert response.json()["type"].endswith("idempotency-conflict")


async def test_same_reference_under_another_key_is_a_conflict(intake: RunningService) -> None:
    body = application()
    assert (await intake.client.post("/v1/applications", json=body,
                                     headers=key())).status_code == 201
    response = await intake.client.post("/v1/applications", json=body, headers=key())
    assert response.status_code == 409
    assert response.json()["type"].endswith("duplicate-reference")


async def test_two_identical_requests_raced_create_one_application(
    intake: RunningService,
) -> None:
    for _ in range(3):
        body, headers = application(), key()
        responses = await asyncio.gather(*[
            intake.client.post("/v1/applications", json=body, headers=headers)
            for _ in range(5)])
        assert sorted(r.status_code for r in responses) == [200, 200, 200, 200, 201], \
            [r.text for r in responses]
        assert len({r.json()["id"] for r in responses}) == 1
        async with intake.runtime.sessions() as session:
            from sqlalchemy import func, select

            from services.intake.db import applications
            count = (await session.execute(select(func.count()).select_from(applications).where(
                applications.c.reference == body["reference"]))).scalar_one()
        assert count == 1
        assert len(await stream(intake, responses[0].json()["id"])) == 1


async def test_one_reference_raced_under_two_keys_is_accepted_once(
    intake: RunningService,
) -> None:
    body = application()
    responses = await asyncio.gather(*[
        intake.client.post("/v1/applications", json=body, headers=key()) for _ in range(2)])
    assert sorted(r.status_code for r in responses) == [201, 409]


async def test_submission_needs_the_customs_role_and_a_key(intake_sqlite: RunningService
                                                           ) -> None:
    client = intake_sqlite.client
    assert (await client.post("/v1/applications", json=application())).status_code == 401
    response = await client.post("/v1/applications", json=application(),
                                 headers={**auth("assessor"), "Idempotency-Key": "k"})
    assert response.status_code == 403
    response = await client.post("/v1/applications", json=application(), headers=CUSTOMS)
    assert response.status_code == 422
    assert ["header", "idempotency-key"] in [e["loc"] for e in response.json()["errors"]]


async def test_a_prerequisite_s_register_is_named_and_recorded(intake: RunningService) -> None:
    dual_use = {"regime": "dual_use", "licence_type": "global", "destinations": ["US"],
                "goods": _goods(rating="3A001")}
    refused = await intake.client.post("/v1/applications", json=application(**dual_use),
                                       headers=key())
    assert refused.status_code == 422
    assert "icp_approvals 2024.1" in refused.json()["detail"]
    approved = await submit(intake, **dual_use,
                            applicant={"name": "Acme Optics B.V.", "eori": "NL999999999"})
    assert approved["registers"] == [{"name": "icp_approvals", "version": "2024.1"}]
    events = await stream(intake, approved["id"])
    assert events[0].payload["registers"] == [{"name": "icp_approvals", "version": "2024.1"}]
