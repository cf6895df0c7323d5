"""GET /api/events: the events of a run, filters, replay, reset, isolation, pings."""
from __future__ import annotations

import time

import pytest

from automateos.bus import get_bus, parse_id
from automateos.engine.status import set_execution_status
from automateos.extensions import db
from automateos.engine.models import ExecutionLog
from tests.conftest import assert_error, wait_for_log, webhook_flow
from tests.events.conftest import PING_SECONDS, finished_run

TWO_STEPS = webhook_flow({"id": "shape", "type": "transform", "params": {"fields": {"n": "{{ input.body.n }}"}}})
# Still running a second after it was accepted: a compute-only run may be over before a
# stream opened after the webhook's answer would see it.
SLOW_STEPS = webhook_flow({"id": "wait", "type": "delay", "params": {"seconds": 1}},
                          {"id": "shape", "type": "transform", "params": {"fields": {"n": "{{ input.body.n }}"}}})


def run_of(message) -> int:
    """The run an execution.* or step.updated event is about."""
    return message.data["log_id"] if message.type == "step.updated" else message.data["id"]


def hook(client, workflow, json=None):
    token = workflow["webhook_url"].rsplit("/", 1)[1]
    resp = client.post(f"/api/hooks/{token}", json=json if json is not None else {})
    assert resp.status_code == 202, resp.get_json()
    return resp.get_json()["log_id"]


def test_a_run_streams_created_running_steps_then_success(client, user, open_stream):
    stream = open_stream(headers=user.headers)
    assert stream.ready() == []
    wf = user.create_workflow(TWO_STEPS)
    log_id = hook(client, wf, {"n": 7, "secret": "never in an event"})
    events = stream.until(finished_run(log_id))

    assert [(m.type, m.data.get("node_id"), m.data["status"]) for m in events] == [
        # The trigger step is recorded with the run; the compute step runs inline in its
        # segment, announced once with its final status (docs/execution.md).
        ("execution.created", None, "queued"),
        ("step.updated", "hook", "success"),
        ("execution.updated", None, "running"),
        ("step.updated", "shape", "success"),
        ("execution.updated", None, "success"),
    ]
    ids = [parse_id(m.id) for m in events]
    assert all(ids) and ids == sorted(ids) and len(set(ids)) == len(ids)
    created, final = events[0].data, events[-1].data
    assert set(created) == {"id", "workflow_id", "status", "trigger", "workflow_version", "retry_of",
                            "started_at", "finished_at", "duration_ms", "updated_at"}
    assert created["id"] == log_id and created["workflow_id"] == wf["id"] and created["trigger"] == "webhook"
    assert final["finished_at"] and final["duration_ms"] is not None
    step = events[-2].data
    assert set(step) == {"log_id", "workflow_id", "node_id", "type", "status", "attempts", "started_at",
                         "finished_at", "duration_ms"}
    assert step["log_id"] == log_id and step["workflow_id"] == wf["id"] and step["type"] == "transform"
    assert step["attempts"] == 1 and step["started_at"] and step["finished_at"]
    # Small payloads: never the run's payload or result, nor a step's input or output.
    assert not any("never in an event" in str(m.data) or "payload" in m.data or "result" in m.data
                   or "output" in m.data for m in events)


def test_a_failed_run_ends_with_failed_and_skipped_steps(client, user, open_stream):
    stream = open_stream(headers=user.headers)
    stream.ready()
    wf = user.create_workflow(webhook_flow({"id": "boom", "type": "fail", "params": {"message": "no"}},
                                           {"id": "after", "type": "transform", "params": {"fields": {"x": 1}}}))
    log_id = hook(client, wf)
    events = stream.until(finished_run(log_id))
    steps = {(m.data["node_id"], m.data["status"]) for m in events if m.type == "step.updated"}
    assert ("boom", "failed") in steps and ("after", "skipped") in steps
    assert events[-1].data["status"] == "failed"


def test_workflow_and_log_filters(client, user, open_stream):
    wf_a, wf_b = user.create_workflow(SLOW_STEPS), user.create_workflow(TWO_STEPS)
    by_workflow = open_stream(headers=user.headers, workflow_id=wf_a["id"])
    by_workflow.ready()
    first_b = hook(client, wf_b)
    log_a = hook(client, wf_a)
    by_log = open_stream(headers=user.headers, log_id=log_a)  # opened mid-run: follows it live
    by_log.ready()
    events = by_workflow.until(finished_run(log_a))
    assert {m.data["workflow_id"] for m in events} == {wf_a["id"]}
    followed = by_log.until(finished_run(log_a))
    assert {run_of(m) for m in followed} == {log_a}
    wait_for_log(client.application, user, first_b)
    second_b = hook(client, wf_b)
    wait_for_log(client.application, user, second_b)
    assert by_workflow.quiet_for(3 * PING_SECONDS) == []  # nothing of workflow B


def test_filters_naming_someone_elses_workflow_or_log_are_404(client, user, other_user, open_stream):
    wf = other_user.create_workflow(TWO_STEPS)
    log_id = hook(client, wf)
    for query in ({"workflow_id": wf["id"]}, {"log_id": log_id}, {"workflow_id": 999_999}):
        resp = client.get("/api/events", query_string=query, headers=user.headers)
        assert_error(resp, 404)


def test_reconnect_with_last_event_id_replays_exactly_the_missed_events(client, user, open_stream):
    wf = user.create_workflow(TWO_STEPS)
    witness = open_stream(headers=user.headers)
    witness.ready()
    leaving = open_stream(headers=user.headers)
    leaving.ready()
    log_id = hook(client, wf)
    seen = [leaving.event() for _ in range(3)]
    leaving.close()  # the client goes away after three events
    everything = witness.until(finished_run(log_id))
    assert [m.id for m in everything[:3]] == [m.id for m in seen]

    for how in ("header", "query"):
        if how == "header":
            back = open_stream(headers={**user.headers, "Last-Event-ID": seen[-1].id})
        else:
            back = open_stream(headers=user.headers, last_event_id=seen[-1].id)
        replayed = back.ready()
        assert [(m.id, m.type, m.data) for m in replayed] == [(m.id, m.type, m.data) for m in everything[3:]]
        back.close()

    # The header (what EventSource sends on its own reconnect) wins over the query.
    back = open_stream(headers={**user.headers, "Last-Event-ID": everything[-2].id}, last_event_id=seen[0].id)
    assert [m.id for m in back.ready()] == [everything[-1].id]


def test_ready_carries_the_position_so_a_quiet_client_misses_nothing(client, user, open_stream):
    wf = user.create_workflow(TWO_STEPS)
    stream = open_stream(headers=user.headers)
    stream.ready()
    ready = stream.frames[-1]
    assert ready.type == "events.ready" and ready.id == ready.data["last_event_id"]
    stream.close()
    log_id = hook(client, wf)  # runs while the client is away, before it saw any event
    wait_for_log(client.application, user, log_id)
    back = open_stream(headers={**user.headers, "Last-Event-ID": ready.id})
    assert [m.type for m in back.ready()][0] == "execution.created"


def publish_many(app, user_id: int, count: int) -> list[str]:
    """``count`` events straight onto the bus (more than the buffer keeps)."""
    from automateos.bus import NewEvent

    bus = get_bus(app)
    ids: list[str] = []
    for start in range(0, count, 500):
        ids += bus.publish_many([NewEvent(user_id, "test.filler", {"n": n}) for n in range(start, min(count, start + 500))])
    return ids


def me(user) -> int:
    return user.get("/api/auth/me").get_json()["id"]


def test_an_id_older_than_the_buffer_gets_events_reset(app, client, user, open_stream):
    maxlen = app.config["EVENTS_STREAM_MAXLEN"]
    ids = publish_many(app, me(user), 2 * maxlen)
    stream = open_stream(headers={**user.headers, "Last-Event-ID": ids[0]})
    reset = stream.event()
    assert reset.type == "events.reset" and reset.data["last_event_id"] == ids[0]
    assert reset.id == ids[-1]  # the client follows from the newest event after refetching
    assert stream.ready() == []
    # Live events still flow after a reset.
    log_id = hook(client, user.create_workflow(TWO_STEPS))
    assert stream.until(finished_run(log_id))[0].type == "execution.created"


@pytest.mark.parametrize("bad_id", ["not-an-id", "99999999999999-0"])
def test_an_id_the_bus_never_gave_gets_events_reset(user, open_stream, bad_id):
    stream = open_stream(headers={**user.headers, "Last-Event-ID": bad_id})
    assert stream.event().type == "events.reset"


def test_a_stream_that_falls_behind_the_buffer_gets_events_reset(app, client, user, open_stream):
    stream = open_stream(headers=user.headers)
    stream.ready()
    # The client reads nothing while more than the buffer holds is published.
    ids = publish_many(app, me(user), 2 * app.config["EVENTS_STREAM_MAXLEN"])
    # Whatever it gets before noticing is gapless; then it is told to refetch.
    *before, reset = stream.until(lambda m: m.type == "events.reset")
    assert [m.id for m in before] == ids[:len(before)] and len(before) < len(ids)
    assert reset.id == ids[-1]
    log_id = hook(client, user.create_workflow(TWO_STEPS))
    assert stream.until(finished_run(log_id))[0].type == "execution.created"


def test_no_event_crosses_users(client, user, other_user, open_stream):
    mine, theirs = open_stream(headers=user.headers), open_stream(headers=other_user.headers)
    mine.ready(), theirs.ready()
    my_log = hook(client, user.create_workflow(TWO_STEPS))
    their_log = hook(client, other_user.create_workflow(TWO_STEPS))
    assert {run_of(m) for m in mine.until(finished_run(my_log))} == {my_log}
    assert {run_of(m) for m in theirs.until(finished_run(their_log))} == {their_log}
    wait_for_log(client.application, other_user, their_log)
    assert mine.quiet_for(3 * PING_SECONDS) == []
    # Replay from the beginning of the log shows only one's own runs too.
    replay = open_stream(headers={**user.headers, "Last-Event-ID": "0-0"}).ready()
    assert replay and {run_of(m) for m in replay} == {my_log}


def test_a_rolled_back_status_change_emits_nothing(app, client, user, open_stream):
    log_id = hook(client, user.create_workflow(TWO_STEPS))
    wait_for_log(app, user, log_id)
    stream = open_stream(headers=user.headers)
    stream.ready()
    with app.app_context():
        log = db.session.get(ExecutionLog, log_id)
        set_execution_status(db.session, log, "failed")
        db.session.rollback()
        log = db.session.get(ExecutionLog, log_id)
        set_execution_status(db.session, log, "success")  # then one that commits
        db.session.commit()
        db.session.remove()
    events = stream.until(lambda m: m.type == "execution.updated")
    assert [(m.type, m.data["status"]) for m in events] == [("execution.updated", "success")]
    assert stream.quiet_for(3 * PING_SECONDS) == []


def test_over_http_first_frame_at_once_headers_and_pings(app, user, sse_server):
    started = time.monotonic()
    resp, stream = sse_server.connect("/api/events", headers=user.headers)
    try:
        assert resp.status == 200
        assert resp.getheader("Content-Type").startswith("text/event-stream")
        assert resp.getheader("Cache-Control") == "no-cache"
        assert resp.getheader("X-Accel-Buffering") == "no"
        first = stream.frame(timeout=2)
        assert first.retry == app.config["EVENTS_RETRY_MS"] and first.comments
        assert time.monotonic() - started < 2
        stream.ready()
        ping = stream.frame(timeout=5 * PING_SECONDS)
        assert ping.type is None and ping.comments == ["ping"]
        assert get_bus(app).active_subscriptions() == 1
    finally:
        stream.close()
    # The client left: the server notices at its next write and closes the subscription
    # (the autouse fixture checks that none is left open).


def test_webhook_respond_when_finished_waits_on_the_bus(client, user):
    wf = user.create_workflow(webhook_flow(
        {"id": "nap", "type": "delay", "params": {"seconds": 0.3}},
        {"id": "t", "type": "transform", "params": {"fields": {"done": True}}},
        hook_params={"respond": "when_finished"},
    ))
    token = wf["webhook_url"].rsplit("/", 1)[1]
    started = time.monotonic()
    resp = client.post(f"/api/hooks/{token}", json={})
    elapsed = time.monotonic() - started
    assert resp.status_code == 200 and resp.get_json()["status"] == "success"
    assert resp.get_json()["result"] == {"done": True}
    assert 0.3 <= elapsed < 5
