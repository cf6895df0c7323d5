"""Schemathesis over ``/api/openapi.json``: every operation, all checks, as a real user.

For each operation the app gets generated requests in three sets: valid data with
generated ids, valid data aimed at the user's real workflow / run / webhook, and invalid
data (negative mode). Every response is checked by all of schemathesis' checks: no 5xx,
status codes, content types, headers and bodies as the spec says, invalid data refused,
valid data accepted. Runs are derandomized (the same cases on every run) and bounded:
``SCHEMATHESIS_MAX_EXAMPLES`` per set (default 30: about 1,600 cases in all).

Every failure of every operation is collected, with a curl command that reproduces it,
and reported at the end.
"""
from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from automateos.auth import service as auth_service
from automateos.auth.models import User
from automateos.extensions import db
from tests.conftest import ApiUser, wait_for_log, webhook_flow

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", 30))
# Each of these hashes a password (scrypt, by design slow): a quarter of the examples.
PASSWORD_HASHING = {"POST /api/auth/register", "POST /api/auth/login"}
# An endless text/event-stream: a WSGI call would never return. Its refusals (401, 404,
# 422) are covered in test_bad_input.py and tests/events/.
SKIPPED = {("GET", "/api/events")}
# Valid by the schema yet refused with 422 by a rule no JSON Schema can state: the graph
# rules and each node type's params (workflows), since < until and the opaque cursor
# (logs), the number of buckets a window makes (stats). 422 names the field and why.
RULES_BEYOND_THE_SCHEMA = [
    r"^(POST|PUT|PATCH) /api/workflows(/\{workflow_id\})?$",
    r"^GET /api/(workflows/\{workflow_id\}/)?logs(/count)?$",
    r"^GET /api/stats/",
    # A credential's type must be one installed (a plugin's), and its data that type's fields.
    r"^(POST /api/credentials|PATCH /api/credentials/\{credential_id\})$",
]
ACCEPTED_WITH_RULES = ["2xx", "401", "403", "404", "409", "422", "429"]


def fuzz_config() -> schemathesis.Config:
    """All checks, with the exception above (operations by their label).

    Strings are generated without NUL: every JSON body refuses it (400) although JSON
    Schema cannot say so; test_bad_input.py sends NUL everywhere it can go. No unexpected
    query parameters either: the API ignores those on purpose (cache busters, tracking).
    """
    operations = [
        {"include-name-regex": label, "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED_WITH_RULES}}}
        for label in RULES_BEYOND_THE_SCHEMA
    ]
    return schemathesis.Config.from_dict({
        "generation": {"allow-x00": False, "allow-extra-parameters": False}, "operations": operations,
    })


FLOW = webhook_flow({"id": "shape", "type": "transform", "params": {"fields": {"n": "{{ input.body.n }}"}}})


@dataclass
class World:
    """What exists when the fuzzing starts: a user, a workflow, a finished run."""

    user: ApiUser
    workflow_id: int
    log_id: int
    token: str
    credential_id: int

    def path_parameters(self) -> dict[str, Any]:
        return {"workflow_id": self.workflow_id, "log_id": self.log_id, "token": self.token,
                "credential_id": self.credential_id}


@pytest.fixture
def world(app: Flask, client, user: ApiUser) -> World:
    """The user's workflow and one finished run of it, so real ids exist."""
    workflow = user.create_workflow(FLOW, name="fuzzed")
    token = workflow["webhook_url"].rsplit("/", 1)[1]
    accepted = client.post(f"/api/hooks/{token}", json={"n": 1})
    assert accepted.status_code == 202
    log = wait_for_log(app, user, accepted.get_json()["log_id"])
    credential = user.post("/api/credentials", {"name": "fuzzed", "type": "bearer_token", "data": {"token": "t0k3n"}})
    assert credential.status_code == 201, credential.get_json()
    return World(user, workflow["id"], log["id"], token, credential.get_json()["id"])


def fresh_session(app: Flask, email: str) -> dict[str, Any]:
    """A new login session's tokens (logout and refresh end the one they are sent with)."""
    with app.app_context():
        user = db.session.scalars(db.select(User).where(User.email == email)).one()
        tokens = auth_service.open_session(user)
        db.session.remove()
    return tokens


def headers_for(app: Flask, world: World, method: str, path: str) -> dict[str, str]:
    if path == "/api/auth/refresh":
        return {"Authorization": "Bearer " + fresh_session(app, world.user.email)["refresh_token"]}
    if path == "/api/auth/logout":
        return {"Authorization": "Bearer " + fresh_session(app, world.user.email)["access_token"]}
    return world.user.headers


def test_every_operation_passes_every_check(app: Flask, world: World):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=fuzz_config())
    cases: Counter[str] = Counter()
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        label = f"{operation.method.upper()} {operation.path}"
        real_ids = {k: v for k, v in world.path_parameters().items()
                    if k in {p.name for p in operation.path_parameters}}
        sets = [("generated ids", GenerationMode.POSITIVE, None), ("invalid data", GenerationMode.NEGATIVE, None)]
        if real_ids:
            sets.append(("real ids", GenerationMode.POSITIVE, real_ids))
        for name, mode, path_parameters in sets:
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

            @settings(max_examples=MAX_EXAMPLES // 4 if label in PASSWORD_HASHING else MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def run(case: schemathesis.Case) -> None:
                cases[label] += 1
                case.call_and_validate(headers=headers_for(app, world, operation.method.upper(), operation.path))

            started = time.monotonic()
            try:
                run()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, label  # nothing in it can be made invalid
            except (Exception, BaseExceptionGroup) as exc:  # keep going: report every operation's failure at once
                failures[f"{label} ({name})"] = str(exc)[:3000]
            print(f"{label} ({name}): {time.monotonic() - started:.1f}s", flush=True)

    total = sum(cases.values())
    print(f"\nschemathesis: {total} cases over {len(cases)} operations")
    assert not failures, "\n\n".join(f"== {k}\n{v}" for k, v in failures.items())
    assert total >= len(cases) * 5  # every operation really got cases
