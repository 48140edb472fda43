"""The consultation aggregate as given events, when a command, then events (or a refusal)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from services.denials.domain.consultation import (
    Consultation,
    OpenConsultation,
    RecordOutcome,
    Reply,
    evolve,
    open_consultation,
    record_outcome,
    reply,
)
from services.denials.domain.denial import Denial
from services.denials.domain.validity import Policy
from shared.contracts.base import Payload
from shared.contracts.denials import (
    ConsultationClosed,
    ConsultationOpened,
    ConsultationReplied,
    DenialRegistered,
    GrantNotified,
)
from shared.contracts.types import EndUser
from shared.errors import Conflict, Forbidden, NotFound

POLICY = Policy(validity_years=3, consultation_days=21)
AT = dt.datetime(2024, 6, 1, 10, tzinfo=dt.UTC)
DENIAL = Denial(
    notification=DenialRegistered(
        id="d1", state="DE", reference="DE-1", denied_on=dt.date(2024, 3, 1),
        regime="military", destination="IL", consignee=None,
        end_user=EndUser(name="Troya Tech", country="IL"), goods_description="cameras",
        rating="ML15", quantity=40, criteria=[7]),
    denied_on=dt.date(2024, 3, 1), expires_on=dt.date(2027, 3, 1))
ASK = OpenConsultation(id="c1", denial_id="d1", application_ref="NL-1", question="Still?",
                       by_state="NL", at=AT, application_id="a1")
OPENED = ConsultationOpened(
    id="c1", denial_id="d1", consulting_state="NL", denying_state="DE", application_ref="NL-1",
    question="Still?", due_by=dt.date(2024, 6, 22), opened_at=AT, denial_reference="DE-1",
    application_id="a1")
REPLIED = ConsultationReplied(id="c1", answer="it stands", note=None, replied_at=AT)


def given(*events: Payload) -> Consultation | None:
    """The consultation after these events."""
    state: Consultation | None = None
    for event in events:
        state = evolve(state, event)
    return state


def when_opened(cmd: OpenConsultation = ASK, *, denial: Denial | None = DENIAL,
                running: str | None = None) -> list[Payload]:
    return open_consultation(cmd, denial=denial, running=running, policy=POLICY)


def test_a_state_consults_on_another_state_s_active_denial_due_three_weeks_on() -> None:
    assert when_opened() == [OPENED]


def test_only_a_dutch_case_names_its_application() -> None:
    [opened] = when_opened(replace(ASK, by_state="FR"))
    assert isinstance(opened, ConsultationOpened) and opened.application_id is None


@pytest.mark.parametrize(("cmd", "denial", "running", "error", "words"), [
    (replace(ASK, by_state=None), DENIAL, None, Forbidden, "names no state"),
    (ASK, None, None, NotFound, "no denial d1"),
    (replace(ASK, by_state="DE"), DENIAL, None, Conflict, "a state does not consult itself"),
    (ASK, replace(DENIAL, revoked_on=dt.date(2024, 5, 1)), None, Conflict, "no longer active"),
    (ASK, replace(DENIAL, expires_on=dt.date(2024, 6, 1)), None, Conflict, "no longer active"),
    (ASK, DENIAL, "c0", Conflict, "consultation c0 on this denial and application is still"),
])
def test_a_consultation_is_refused(cmd: OpenConsultation, denial: Denial | None,
                                   running: str | None, error: type[Exception],
                                   words: str) -> None:
    with pytest.raises(error, match=words):
        when_opened(cmd, denial=denial, running=running)


def test_only_the_denying_state_replies_while_it_is_open() -> None:
    answer = Reply(consultation_id="c1", by_state="DE", answer="it stands", note=None, at=AT)
    assert reply(given(OPENED), answer) == [REPLIED]
    with pytest.raises(Forbidden, match="only the denying state DE may reply"):
        reply(given(OPENED), replace(answer, by_state="NL"))
    with pytest.raises(NotFound, match="no consultation c1"):
        reply(given(OPENED), replace(answer, by_state="FR"))
    with pytest.raises(NotFound):
        reply(None, answer)
    with pytest.raises(Conflict, match="the consultation is answered; it was already answered"):
        reply(given(OPENED, REPLIED), answer)


def test_a_grant_despite_the_denial_is_notified_to_the_denying_state() -> None:
    granted = RecordOutcome(consultation_id="c1", by_state="NL", decision="granted",
                            reasons="end-use guarantees", at=AT)
    closed, notice = record_outcome(given(OPENED, REPLIED), granted)
    assert closed == ConsultationClosed(
        id="c1", decision="granted", reasons="end-use guarantees", application_ref="NL-1",
        consulting_state="NL", denying_state="DE", denial_id="d1", closed_at=AT)
    assert notice == GrantNotified(
        consultation_id="c1", denial_id="d1", denying_state="DE", reasons="end-use guarantees",
        consulting_state="NL", application_ref="NL-1", denial_reference="DE-1", notified_at=AT)


def test_only_the_consulting_state_records_the_outcome_once() -> None:
    denied = RecordOutcome(consultation_id="c1", by_state="NL", decision="denied",
                           reasons="we follow the denial", at=AT)
    [closed] = record_outcome(given(OPENED), denied)
    with pytest.raises(Forbidden, match="only the consulting state NL may record the outcome"):
        record_outcome(given(OPENED), replace(denied, by_state="DE"))
    with pytest.raises(NotFound):
        record_outcome(given(OPENED), replace(denied, by_state="FR"))
    with pytest.raises(Conflict, match="closed; its outcome was denied"):
        record_outcome(given(OPENED, closed), denied)


def test_the_fold_follows_the_life_of_a_consultation() -> None:
    assert given(OPENED).status == "open"  # type: ignore[union-attr]
    assert given(OPENED, REPLIED).status == "answered"  # type: ignore[union-attr]
    granted = RecordOutcome(consultation_id="c1", by_state="NL", decision="granted",
                            reasons="r", at=AT)
    closed, notice = record_outcome(given(OPENED, REPLIED), granted)
    assert given(OPENED, REPLIED, closed, notice) == Consultation(
        opened=OPENED, replied=REPLIED, closed=closed, grant=notice)  # type: ignore[arg-type]
    assert given(REPLIED) is None, "nothing before it is opened"
