"""Owner isolation, generated from the app's URL map and its OpenAPI spec.

Every /api route that takes an object id, in its path or its query string, is called by
one user with another user's object: the answer is 404 (the same answer as for an id
that does not exist, so not even existence leaks), and the other user's rows are
unchanged, compared column by column. Each call is first made on the caller's own object
with the same body, which must succeed: a 404 that would come from a malformed request
proves nothing.

A route added later is covered without touching this file, as long as its id parameter
names a kind of object known here; an id parameter of an unknown kind fails the suite
until a factory for it is added to ``OBJECT_KINDS``.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Table, select

from automateos.extensions import db
from automateos.engine.models import ExecutionLog
from tests.conftest import ApiUser, drain, wait_for_log, webhook_flow

# Path or query parameters that name an object, and the kind of object they name.
OBJECT_KINDS = {"workflow_id": "workflow", "log_id": "log", "credential_id": "credential"}

# Parameters that look like ids but name no object of a user (why, for the reader).
NOT_OBJECT_IDS = {
    "last_event_id": "a position in the caller's own event stream",
}
# Public routes whose path parameter is no owned object's id (a secret, or a public file).
PUBLIC_ROUTES = {
    "/api/hooks/<token>": "a webhook is public by design: its 32-byte token is the credential",
    "/api/hooks/<token>/test": "the webhook's test URL: the same token, armed by its owner for a few minutes",
    "/api/docs/assets/<path:filename>": "Swagger UI's files for the API docs, the same for everyone",
}

# Request bodies that make each call valid on the caller's own object (default: none,
# or {} for POST). Keyed by method and endpoint name.
DEFINITION = webhook_flow({"id": "shape", "type": "transform", "params": {"fields": {"n": "{{ input.body.n }}"}}})
BODIES: dict[tuple[str, str], Any] = {
    ("PUT", "workflows.WorkflowItem"): {"name": "taken over", "definition": DEFINITION},
    ("PATCH", "workflows.WorkflowItem"): {"name": "renamed", "active": False},
    ("POST", "workflows.WorkflowRun"): {"payload": {"n": 1}},
    ("POST", "logs.LogRetry"): {"mode": "latest"},
    ("PATCH", "credentials.CredentialItem"): {"name": "renamed"},
    ("POST", "workflows.WorkflowPreview"): {"node_id": "shape"},
}
# Required query parameters that a route needs besides the id (value for a valid call).
REQUIRED_QUERY = {"days": 1}
# Logs are made to look this old, so that a cleanup of "older than a day" would reach them.
AGE = timedelta(days=5)


@dataclass
class Case:
    """One call of the matrix: a route, a method, where the id goes."""

    rule: str
    endpoint: str
    method: str
    path_args: tuple[str, ...]
    query_arg: str | None = None
    required: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        where = f"?{self.query_arg}=" if self.query_arg else ""
        return f"{self.method} {self.rule}{where}"


def path_cases(app: Flask) -> tuple[list[Case], list[str]]:
    """Every /api route with an id in its path; and the parameters of no known kind."""
    cases, unknown = [], []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or not rule.arguments or rule.rule in PUBLIC_ROUTES:
            continue
        for arg in sorted(rule.arguments):
            if arg not in OBJECT_KINDS:
                unknown.append(f"{rule.rule}: <{arg}>")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            cases.append(Case(rule.rule, rule.endpoint, method, tuple(sorted(rule.arguments))))
    return cases, unknown


def query_cases(spec: dict[str, Any], app: Flask) -> tuple[list[Case], list[str]]:
    """Every operation of the spec with an id among its query parameters."""
    endpoints = {(r.rule, m): r.endpoint for r in app.url_map.iter_rules() for m in r.methods}
    cases, unknown = [], []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue  # path-level "parameters", not an operation
            params = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
            required = tuple(p["name"] for p in params if p.get("required"))
            for param in params:
                name = param["name"]
                if not name.endswith("_id") or name in NOT_OBJECT_IDS:
                    continue
                if name not in OBJECT_KINDS:
                    unknown.append(f"{method.upper()} {path}?{name}=")
                    continue
                rule = path.replace("{", "<").replace("}", ">")
                cases.append(Case(rule, endpoints.get((rule, method.upper()), "?"), method.upper(), (), name, required))
    return cases, unknown


# -- objects and their rows -------------------------------------------------------------------

def make_objects(app: Flask, client, user: ApiUser, marker: str) -> dict[str, int]:
    """A workflow of ``user`` with one finished run, aged by AGE: {parameter name: id}."""
    workflow = user.create_workflow(DEFINITION, name=f"wf {marker}")
    token = workflow["webhook_url"].rsplit("/", 1)[1]
    resp = client.post(f"/api/hooks/{token}", json={"n": 1, "marker": marker})
    assert resp.status_code == 202, resp.get_json()
    log_id = resp.get_json()["log_id"]
    assert wait_for_log(app, user, log_id)["status"] == "success"
    with app.app_context():
        log = db.session.get(ExecutionLog, log_id)
        log.started_at, log.finished_at = log.started_at - AGE, log.finished_at - AGE
        db.session.commit()
        db.session.remove()
    # A captured test event, so that a preview of the workflow's nodes has a sample to use.
    assert user.post(f"/api/workflows/{workflow['id']}/test-listen").status_code == 200
    assert client.post(f"/api/hooks/{token}/test", json={"n": 2}).status_code < 300
    credential = user.post("/api/credentials", {"name": f"cred {marker}", "type": "bearer_token",
                                                "data": {"token": f"token-{marker}"}})
    assert credential.status_code == 201, credential.get_json()
    return {"workflow_id": workflow["id"], "log_id": log_id, "credential_id": credential.get_json()["id"]}


def rows_of(app: Flask, user_id: int) -> dict[str, list[tuple]]:
    """Every row that belongs to the user, in every table: rows pointing at the user, or at
    a row that belongs to them (whatever tables exist now, later ones included)."""
    owned: dict[str, list[tuple]] = {}
    ids: dict[str, set[Any]] = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            condition = _owned_by(table, user_id, ids)
            if condition is None:
                continue
            rows = db.session.execute(select(table).where(condition).order_by(*table.primary_key.columns)).all()
            owned[table.name] = [tuple(str(v) for v in row) for row in rows]
            pk = list(table.primary_key.columns)[0]
            ids[table.name] = {getattr(row, pk.name) for row in rows}
        db.session.remove()
    return owned


def _owned_by(table: Table, user_id: int, ids: dict[str, set[Any]]) -> Any:
    if table.name == "users":
        return table.c.id == user_id
    for fk in table.foreign_keys:
        target = fk.column.table.name
        if target == table.name:
            continue  # a row pointing at its own table (retry_of) says nothing of its owner
        if target == "users":
            return fk.parent == user_id
        if target in ids:
            return fk.parent.in_(ids[target]) if ids[target] else fk.parent.in_([-1])
    return None


# -- the matrix -------------------------------------------------------------------------------

@dataclass
class World:
    """An owner with objects, an intruder with their own, and how to call the API."""

    app: Flask
    client: Any
    owner: ApiUser
    owner_id: int
    intruder: ApiUser
    theirs: dict[str, int]

    def call(self, case: Case, ids: dict[str, int], as_user: ApiUser) -> Any:
        url = case.rule
        for arg in case.path_args:  # "<name>" or "<converter:name>"
            url = re.sub(rf"<(?:[^:<>]+:)?{arg}>", str(ids[arg]), url)
        query = {name: REQUIRED_QUERY[name] for name in case.required if name in REQUIRED_QUERY}
        if case.query_arg:
            query[case.query_arg] = ids[case.query_arg]
        body = BODIES.get((case.method, case.endpoint), {} if case.method == "POST" else None)
        return as_user.client.open(url, method=case.method, query_string=query, headers=as_user.headers,
                                   json=body, buffered=False)


def body_of(resp: Any) -> Any:
    """The JSON body, or a marker for a stream (never read to its end)."""
    if resp.mimetype == "text/event-stream":
        resp.close()
        return "<stream>"
    data = resp.get_json(silent=True)
    resp.close()
    return data


@pytest.fixture
def world(app: Flask, client, make_user) -> Iterator[World]:
    owner, intruder = make_user(), make_user()
    theirs = make_objects(app, client, owner, f"victim-{uuid.uuid4().hex}")
    owner_id = client.get("/api/auth/me", headers=owner.headers).get_json()["id"]
    yield World(app, client, owner, owner_id, intruder, theirs)


def run_matrix(world: World, cases: list[Case]) -> tuple[int, list[str]]:
    """Each case: the intruder's call on their own object works; on the owner's it is 404,
    like an id that does not exist, and the owner's rows are unchanged."""
    failures, tries = [], 0
    before = rows_of(world.app, world.owner_id)
    for case in cases:
        mine = make_objects(world.app, world.client, world.intruder, f"intruder-{uuid.uuid4().hex}")
        control = world.call(case, mine, world.intruder)
        if not 200 <= control.status_code < 300:
            failures.append(f"{case.name}: the call on the caller's own object is {control.status_code} "
                            f"{body_of(control)}; give it a valid body in BODIES or REQUIRED_QUERY")
            continue
        body_of(control)
        missing = {k: v + 10**6 for k, v in world.theirs.items()}
        nobody = world.call(case, missing, world.intruder)
        nobody_body = body_of(nobody)
        targets = [world.theirs] if case.query_arg or len(case.path_args) == 1 else [
            world.theirs, *({**mine, arg: world.theirs[arg]} for arg in case.path_args)]
        for ids in targets:
            tries += 1
            resp = world.call(case, ids, world.intruder)
            answer = body_of(resp)
            if resp.status_code != 404 or answer != nobody_body:
                failures.append(f"{case.name} with {ids}: {resp.status_code} {answer} "
                                f"(an id that does not exist: {nobody.status_code} {nobody_body})")
        drain()  # anything the calls started has finished before the rows are compared
        after = rows_of(world.app, world.owner_id)
        if after != before:
            changed = {t for t in set(before) | set(after) if before.get(t) != after.get(t)}
            failures.append(f"{case.name}: the owner's rows changed in {sorted(changed)}")
            before = after
    return tries, failures


def test_every_route_with_an_id_in_its_path_refuses_another_users_object(app, world):
    cases, unknown = path_cases(app)
    assert not unknown, f"id parameters of no known kind (add them to OBJECT_KINDS): {unknown}"
    assert len(cases) >= 9  # today: workflow GET/PUT/PATCH/DELETE, run, logs, count, log, retry
    tries, failures = run_matrix(world, cases)
    assert not failures, "\n".join(failures)
    assert tries == len(cases)


def test_every_id_in_a_query_string_refuses_another_users_object(app, client, world):
    spec = client.get("/api/openapi.json").get_json()
    cases, unknown = query_cases(spec, app)
    assert not unknown, f"query ids of no known kind (add them to OBJECT_KINDS or NOT_OBJECT_IDS): {unknown}"
    assert {c.name for c in cases} >= {"GET /api/logs?workflow_id=", "GET /api/events?log_id=",
                                       "DELETE /api/logs/cleanup?workflow_id="}
    tries, failures = run_matrix(world, cases)
    assert not failures, "\n".join(failures)
    assert tries == len(cases)


def test_the_matrix_sees_every_route_of_the_app(app, client):
    # Each /api route is either in the matrix (an id in its path or query), exempt with a
    # reason, or takes no id at all: nothing slips between the two generators.
    spec = client.get("/api/openapi.json").get_json()
    by_path, _ = path_cases(app)
    by_query, _ = query_cases(spec, app)
    covered = {c.rule for c in by_path} | {c.rule for c in by_query} | set(PUBLIC_ROUTES)
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and rule.arguments:
            assert rule.rule in covered, f"{rule.rule} takes an id but is not in the matrix"
    assert set(PUBLIC_ROUTES) <= {r.rule for r in app.url_map.iter_rules()}, "an exemption names no route"


def test_the_matrix_fails_when_the_caller_may_reach_the_object(app, client, make_user):
    # The matrix itself can fail: aimed at the caller's own objects (as a broken ownership
    # check would let through), every case reports the access.
    owner = make_user()
    owner_id = client.get("/api/auth/me", headers=owner.headers).get_json()["id"]
    world = World(app, client, owner, owner_id, owner, make_objects(app, client, owner, "self"))
    cases = [c for c in path_cases(app)[0] if c.method == "GET"]
    _, failures = run_matrix(world, cases)
    for case in cases:
        assert any(f.startswith(f"{case.name} with") and " 200 " in f for f in failures), (case.name, failures)
