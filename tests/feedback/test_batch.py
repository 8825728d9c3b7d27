"""Feedback recorded in batches gives every event the answer it would get recorded alone, in order:
resends and conflicts within the batch or against the store, refusals for one event only, one learned
decision per suggestion, and webhook outbox rows for new events only."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from advisor.app import create_app
from advisor.errors import Conflict, Forbidden, NotFound
from advisor.feedback.models import Action, FeedbackAck, FeedbackIn
from advisor.feedback.service import Sent, record, record_many
from advisor.store.decisions import DecisionLog
from advisor.store.engine import make_engine, make_sessionmaker
from advisor.store.learned import LearnedExampleRepository
from advisor.store.tables.decisions import FeedbackEventRow
from advisor.store.tables.learned import LearnedExampleAgentRow, LearnedExampleRow
from advisor.store.tables.webhooks import WebhookDeliveryRow
from advisor.store.webhooks import WebhookRepository
from advisor.tenancy.models import ApiRole, Principal
from tests.builders import auth, make_context, run_together, seed_tenants, subscribe_in_store
from tests.conftest import Database, make_settings

PACK = {"lost_package", "refund_status", "password_reset", "goodwill_credit", "legal_threat"}
AGENT = Principal("acme", ApiRole.agent, key_id="k1", agent_id="agent-1", team_id="team-a")
OTHER_AGENT = Principal("acme", ApiRole.agent, key_id="k2", agent_id="agent-2", team_id="team-a")


def serve(url: str, n: int) -> list[str]:
    """Serve ``n`` requests through the app (real suggestions with their topic text); return one id each."""
    ids = []
    with TestClient(create_app(make_settings(url))) as client:
        keys = seed_tenants(url)
        subscribe_in_store(url, "acme", ["feedback.recorded"])
        for i in range(n):
            body = make_context(interaction_id=f"batch-{i}")
            response = client.post("/v1/recommendations", json=body, headers=auth(keys.acme_agent))
            ids.append(response.json()["recommendations"][0]["recommendation_id"])
    return ids  # the app's shutdown wrote the decision writer's batch


def event(rec_id: str, client_event_id: str, action: Action = Action.accepted, **extra: object) -> FeedbackIn:
    return FeedbackIn(recommendation_id=rec_id, client_event_id=client_event_id, action=action, **extra)  # type: ignore[arg-type]


def in_one_transaction(url: str, sent: list[Sent]) -> list[FeedbackAck | Exception]:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session, session.begin():
        log = DecisionLog(session)
        outcomes: list[FeedbackAck | Exception] = []
        outcomes.extend(record_many(sent, log, LearnedExampleRepository(session), WebhookRepository(session)))
    engine.dispose()
    return outcomes


def stored(url: str) -> tuple[list[str], list[str], list[int]]:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        events = list(session.scalars(select(FeedbackEventRow.client_event_id).order_by(FeedbackEventRow.id)))
        outbox = [
            row.payload["data"]["client_event_id"]
            for row in session.scalars(select(WebhookDeliveryRow).order_by(WebhookDeliveryRow.id))
        ]
        learned = list(session.scalars(select(LearnedExampleRow.decisions)))
    engine.dispose()
    return events, outbox, learned


def test_a_batch_answers_each_event_as_if_recorded_one_after_another(database: Database) -> None:
    first, second = serve(database.url, 2)
    engine = make_engine(database.url)
    with make_sessionmaker(engine)() as session, session.begin():
        earlier = record(
            event(first, "before", Action.shown),
            AGENT,
            DecisionLog(session),
            LearnedExampleRepository(session),
            WebhookRepository(session),
        )
    engine.dispose()
    batch: list[Sent] = [
        (event(first, "a"), AGENT),  # new
        (event(first, "a"), AGENT),  # resend of an event earlier in the batch
        (event(first, "a", Action.shown), AGENT),  # the same id for other content
        (event(first, "before", Action.shown), AGENT),  # resend of an event stored before
        (event(first, "before", Action.rejected, reason="tone"), AGENT),  # stored id, other content
        (event("no-such-suggestion", "x"), AGENT),  # unknown suggestion
        (event(second, "y"), OTHER_AGENT),  # another agent's suggestion
        (event(second, "b", Action.shown), AGENT),  # new
        (event(second, "c"), AGENT),  # new, confirms the suggestion
        (event(second, "d"), AGENT),  # new, confirms it again: not a second learned decision
    ]
    outcomes = in_one_transaction(database.url, batch)

    acks = {i: o for i, o in enumerate(outcomes) if isinstance(o, FeedbackAck)}
    assert sorted(acks) == [0, 1, 3, 7, 8, 9]
    assert [acks[i].duplicate for i in (0, 1, 3, 7, 8, 9)] == [False, True, True, False, False, False]
    assert acks[1].event_id == acks[0].event_id
    assert acks[3].event_id == earlier.event_id
    assert isinstance(outcomes[2], Conflict)
    assert isinstance(outcomes[4], Conflict)
    assert isinstance(outcomes[5], NotFound)
    assert isinstance(outcomes[6], Forbidden)
    events, outbox, learned = stored(database.url)
    assert events == ["before", "a", "b", "c", "d"]
    assert acks[0].event_id < acks[7].event_id < acks[8].event_id < acks[9].event_id  # stored in order
    assert outbox == events  # one feedback.recorded per stored event, none for resends or refusals
    # "a" confirmed the first suggestion, "c" the second; "d" confirmed it again and is not counted.
    assert learned == [2]  # one candidate text, confirmed once per suggestion


def test_corrections_count_once_per_suggestion_in_a_batch_and_alone(database: Database) -> None:
    """A rejection naming the pattern sent instead counts one decision towards that pattern's candidate,
    in a batch (twice in it: still one) as recorded alone; a pattern not served is refused for that
    event only."""
    first, second = serve(database.url, 2)
    correction = {"reason": "wrong_intent", "used_pattern_id": "refund_status"}
    outcomes = in_one_transaction(
        database.url,
        [
            (event(first, "c1", Action.rejected, **correction), AGENT),
            (event(first, "c2", Action.rejected, **correction), AGENT),  # the same suggestion again
            (event(second, "c3", Action.rejected, reason="wrong_intent", used_pattern_id="gone"), AGENT),
        ],
    )
    assert [type(o) for o in outcomes] == [FeedbackAck, FeedbackAck, NotFound]
    engine = make_engine(database.url)
    with make_sessionmaker(engine)() as session, session.begin():
        record(
            event(second, "c4", Action.rejected, **correction),
            AGENT,
            DecisionLog(session),
            LearnedExampleRepository(session),
            WebhookRepository(session),
        )
        candidates = [(r.pattern_id, r.decisions) for r in session.scalars(select(LearnedExampleRow))]
    engine.dispose()
    assert candidates == [("refund_status", 2)]  # one per suggestion: c1 (not c2), then c4 alone
    assert stored(database.url)[0] == ["c1", "c2", "c4"]


def serve_all(url: str) -> list[tuple[str, str]]:
    """Serve one request with three suggestions shown (no escalation threshold); return (id, pattern)."""
    with TestClient(create_app(make_settings(url, ranking={"escalate_below": 0.0}))) as client:
        keys = seed_tenants(url)
        body = {**make_context(interaction_id="all"), "k": 3}
        response = client.post("/v1/recommendations", json=body, headers=auth(keys.acme_agent))
        return [(r["recommendation_id"], r["pattern_id"]) for r in response.json()["recommendations"]]


def candidates(url: str) -> list[tuple[str, int]]:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        rows = [(r.pattern_id, r.decisions) for r in session.scalars(select(LearnedExampleRow))]
    engine.dispose()
    return sorted(rows)


def test_the_first_decision_on_a_suggestion_is_the_one_that_teaches(database: Database) -> None:
    """Accepted then corrected, or corrected then accepted: one suggestion is one decision, the first;
    rejecting the other suggestions of the request naming the same pattern adds none."""
    (first, first_pattern), (second, _), (third, _) = served = serve_all(database.url)
    sent = sorted(PACK - {pattern for _, pattern in served})[0]  # a pattern the request did not show
    correction = {"reason": "wrong_intent", "used_pattern_id": sent}
    in_one_transaction(
        database.url,
        [
            (event(first, "accept"), AGENT),  # teaches the first suggestion's pattern
            (event(first, "then-correct", Action.rejected, **correction), AGENT),  # decided already
            (event(second, "correct", Action.rejected, **correction), AGENT),  # teaches the pattern sent
            (event(second, "then-accept"), AGENT),  # decided already
        ],
    )
    engine = make_engine(database.url)
    with make_sessionmaker(engine)() as session, session.begin():
        record(  # alone, on the request's third suggestion: the pattern sent was taught for this request
            event(third, "again", Action.rejected, **correction),
            AGENT,
            DecisionLog(session),
            LearnedExampleRepository(session),
            WebhookRepository(session),
        )
    engine.dispose()
    assert candidates(database.url) == sorted([(first_pattern, 1), (sent, 1)])


def test_a_suggestion_confirmed_before_the_batch_is_not_counted_again(database: Database) -> None:
    first, second = serve(database.url, 2)
    in_one_transaction(database.url, [(event(first, "earlier-accept"), AGENT)])
    in_one_transaction(
        database.url,
        [
            (event(first, "shown", Action.shown), AGENT),  # no confirmation to look up for this one
            (event(first, "again"), AGENT),  # confirms a suggestion confirmed before the batch
            (event(second, "accept"), AGENT),  # the first confirmation of the other suggestion
        ],
    )
    _, _, learned = stored(database.url)
    # One decision per suggestion of the same text: the earlier accept and "accept"; "again" adds nothing.
    assert learned == [2]


def test_a_batch_gives_the_same_answers_as_recording_one_by_one(database: Database) -> None:
    recs = serve(database.url, 1)
    batch: list[Sent] = [
        (event(recs[0], "e1"), AGENT),
        (event(recs[0], "e1"), AGENT),
        (event(recs[0], "e1", Action.shown), AGENT),
        (event("missing", "e2"), AGENT),
        (event(recs[0], "e3", Action.edited, final_text="Hello there"), AGENT),
    ]
    batched = in_one_transaction(database.url, batch)
    _, _, learned_batched = stored(database.url)

    engine = make_engine(database.url)
    with make_sessionmaker(engine)() as session, session.begin():
        for table in (WebhookDeliveryRow, FeedbackEventRow, LearnedExampleAgentRow, LearnedExampleRow):
            session.execute(delete(table))
    one_by_one: list[FeedbackAck | Exception] = []
    for sent in batch:
        try:
            with make_sessionmaker(engine)() as session, session.begin():
                one_by_one.append(
                    record(
                        *sent,
                        DecisionLog(session),
                        LearnedExampleRepository(session),
                        WebhookRepository(session),
                    )
                )
        except (Conflict, NotFound, Forbidden) as exc:
            one_by_one.append(exc)
    engine.dispose()
    _, _, learned_alone = stored(database.url)

    def shape(outcome: FeedbackAck | Exception) -> tuple[object, ...]:
        if isinstance(outcome, FeedbackAck):
            return ("ack", outcome.client_event_id, outcome.action, outcome.duplicate)
        return (type(outcome).__name__, str(outcome))

    assert [shape(o) for o in batched] == [shape(o) for o in one_by_one]
    assert learned_batched == learned_alone


def test_concurrent_feedback_over_http_with_resends_and_a_bad_event(database: Database) -> None:
    """Sent at once by several clients (so they share batches as they come): each resend is a 200 and
    stored once, each new event a 201, the unknown suggestion a 404 problem, and nothing else is lost."""
    with TestClient(create_app(make_settings(database.url))) as client:
        keys = seed_tenants(database.url)
        response = client.post("/v1/recommendations", json=make_context(), headers=auth(keys.acme_agent))
        rec = response.json()["recommendations"][0]["recommendation_id"]
        bodies = [
            {"recommendation_id": rec, "client_event_id": f"c-{i}", "action": "shown"} for i in range(16)
        ]
        bodies += [{"recommendation_id": rec, "client_event_id": "same", "action": "shown"}] * 6
        bodies += [{"recommendation_id": "missing", "client_event_id": "bad", "action": "shown"}]
        answers: dict[int, tuple[int, str]] = {}
        lock = threading.Lock()
        turn = iter(range(len(bodies)))

        def post() -> None:
            while True:
                with lock:
                    i = next(turn, None)
                if i is None:
                    return
                r = client.post("/v1/feedback", json=bodies[i], headers=auth(keys.acme_agent))
                answers[i] = (r.status_code, r.headers["content-type"])

        assert run_together(post, 8) == []
    events, _, _ = stored(database.url)
    statuses = [answers[i][0] for i in range(len(bodies))]
    assert statuses[:16] == [201] * 16
    assert sorted(statuses[16:22]) == [200] * 5 + [201]
    assert statuses[22] == 404
    assert answers[22][1] == "application/problem+json"
    assert sorted(events) == sorted([f"c-{i}" for i in range(16)] + ["same"])
