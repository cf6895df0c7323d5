"""Runs a *segment* of an execution: one step, then on through the successors that only
compute, in the same transaction; says what runs next.

A message names one step. If that step may block (``Node.blocking``: the network, a
clock), it runs in three short phases so that no transaction is held while it works:
*claim* (lock the run, mark the step running under a lease), *execute* (its lease renewed
meanwhile, see lease.py), *record* (lock the run again, store the outcome). A step that
only computes is claimed, executed and recorded in one transaction. Either way the
transaction that records a step goes on with its successor while there is exactly one
ready and it does not block, recording each (Temporal's local activities), up to
``MAX_SEGMENT_STEPS`` steps or ``MAX_SEGMENT_SECONDS``: the run's row stays locked for
milliseconds, not for the length of a long chain. What the segment leaves (a blocking
step, parallel branches, a retry, the rest of a long chain) becomes messages, sent by the
caller after the commit.

A crash mid-segment rolls the whole segment back: the redelivered message (or the
reconciler) redoes it from the last commit. A finished step is never claimed again, and a
running step is only taken over once its lease lapsed (its worker's heartbeat stopped);
the record of an attempt that was taken over is refused.
"""
from __future__ import annotations

import logging
import random
import time
import traceback
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, StatementError

from ..credentials.service import Secrets, decrypt_for_run
from ..credentials.types import credential_params
from ..db_types import utcnow
from ..expressions import evaluate_params
from ..extensions import db
from ..nodes.base import STOP, Emit, NodeContext, retry_after, should_retry
from ..nodes.params import load_params
from .lease import hold_lease, lease_expiry, lease_lapsed
from .locking import serialised
from .models import FINISHED_EXECUTION, FINISHED_STEP
from .progress import advance, fail_execution, finish_if_done
from .rules import DELIVERED, edge_state, execution_overdue
from .state import Record, RunState, load_run
from .status import set_execution_status, set_step_status
from .storable import StepOutputTooLarge, UnstorableOutput, storable_output, storable_text
from .timeouts import StepTimedOut, time_limit

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600.0
# Bounds of one segment: past either, the next step is sent as a message and the run's
# row is released (other branches of the run wait for it meanwhile).
MAX_SEGMENT_STEPS = 500
MAX_SEGMENT_SECONDS = 2.0


@dataclass(frozen=True)
class Send:
    """A step message to send once the transaction that decided it has committed."""

    log_id: int
    node_id: str
    delay_seconds: float = 0.0


@dataclass
class StepLimits:
    """Retry and time limits of one node: the type's defaults, overridden per node."""

    max_retries: int
    retry_backoff: float
    timeout_seconds: float

    @classmethod
    def of(cls, node_cls: type, node_def: dict[str, Any]) -> "StepLimits":
        def given(name: str) -> Any:
            # Absent or null (stored before saves refused null): the node type's default.
            value = node_def.get(name)
            return getattr(node_cls, name) if value is None else value

        return cls(max_retries=int(given("max_retries")), retry_backoff=float(given("retry_backoff")),
                   timeout_seconds=float(given("timeout_seconds")))

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter before retry number ``attempt``."""
        base = self.retry_backoff * (2 ** (attempt - 1))
        return min(MAX_BACKOFF_SECONDS, base * random.uniform(0.5, 1.5))


@dataclass
class Claim:
    """What the execute phase needs, read while the step was claimed."""

    log_id: int
    workflow_id: int
    owner_id: int
    node_id: str
    step_id: int
    node_def: dict[str, Any]
    attempt: int
    limits: StepLimits
    scope: dict[str, Any]
    # The locked run, when the step goes on in the claiming transaction (it only computes).
    run: RunState | None = None
    # None when the step's node type is not installed: the step then fails at once.
    node_cls: type | None = None
    node_type: str = ""
    # Steps recorded by the segment this claim started, in order.
    ran: list[str] = field(default_factory=list)
    # The run's row as the segment committed it.
    committed: Record | None = None


@dataclass
class Outcome:
    """What a node produced: output on a port (None port = branch stopped), or an error;
    a ``final`` error fails the step without retries (trying again cannot help), and
    ``retry_after`` is the least delay before the next attempt the node asked for.
    ``logs``: the lines the node logged (None: keep what the step has)."""

    output: Any = None
    port: str | None = "main"
    error: dict[str, Any] | None = None
    final: bool = False
    retry_after: float | None = None
    logs: list[dict[str, str]] | None = None


class _SegmentRefused(Exception):
    """The database refused the record of a segment of several steps: redo it one step a time."""


@dataclass
class SegmentEnd:
    """What a segment left: the messages to send, and the run's row as the segment
    committed it (None when nothing ran: the step was finished or held elsewhere)."""

    sends: list[Send]
    run: Record | None = None


def run_step(log_id: int, node_id: str, *, max_seconds: float | None = None) -> list[Send]:
    """Run the segment that starts at one step of an execution; returns the step messages
    to send next (after the commit, by the caller). ``max_seconds`` bounds the segment's
    inline steps (the web process runs shorter segments than a worker)."""
    return run_segment(log_id, node_id, max_seconds=max_seconds).sends


def run_segment(log_id: int, node_id: str, *, max_seconds: float | None = None) -> SegmentEnd:
    """``run_step``, telling also where the segment left the run."""
    with serialised():
        claim = claim_step(log_id, node_id)
        if claim is None:
            return SegmentEnd([])
        if claim.run is not None:
            try:
                return SegmentEnd(record_step(claim, execute_step(claim), max_seconds=max_seconds), claim.committed)
            except _SegmentRefused:
                # Which step's data was refused is unknown: redo this one alone, so that a
                # refusal fails the step that caused it.
                claim = claim_step(log_id, node_id)
                if claim is None:
                    return SegmentEnd([])
                return SegmentEnd(record_step(claim, execute_step(claim), max_steps=1), claim.committed)
        db.session.commit()
    with hold_lease(claim.step_id, claim.attempt):
        outcome = execute_step(claim)
    with serialised():
        return SegmentEnd(record_step(claim, outcome, max_seconds=max_seconds), claim.committed)


def _is_data_error(exc: StatementError) -> bool:
    # The database (or the JSON serialiser) refused a value; a lost connection is no such error.
    return isinstance(exc, DataError) or isinstance(exc.orig, (ValueError, TypeError))


def record_step(claim: Claim, outcome: Outcome, max_steps: int | None = None,
                max_seconds: float | None = None) -> list[Send]:
    """Store the outcome, go on through the segment, decide what runs next and commit (the
    caller serialises).

    Refused (nothing changes) when the attempt no longer holds the step: its lease lapsed
    and the step was released or taken over. If the database refuses the data, the step
    fails with that error: a redelivery would be refused the same way, for ever.
    """
    try:
        return _store_outcome(claim, outcome, max_steps, max_seconds)
    except StatementError as exc:
        db.session.rollback()
        if not _is_data_error(exc):
            raise  # infrastructure: the message is redelivered
        if len(claim.ran) > 1:
            if claim.run is not None:
                raise _SegmentRefused() from exc
            claim.ran = []
            return record_step(claim, outcome, max_steps=1)  # our blocking step's outcome alone
        logger.warning("step %s of execution %s: the database refused its record: %s",
                       claim.node_id, claim.log_id, exc.orig)
        error = _error(claim.node_id, exc, f"node '{claim.node_id}': the database refused its record: {exc.orig}")
        return fail_step(claim.log_id, claim.node_id, claim.attempt, error)


def fail_step(log_id: int, node_id: str, attempt: int, error: dict[str, Any]) -> list[Send]:
    """Fail a step and its run without storing any of its data (the caller serialises).

    Used when the record of attempt ``attempt`` could not be written; nothing happens when
    the step finished meanwhile or another attempt holds it under a live lease.
    """
    run = load_run(log_id, outputs=False)
    step = run.steps.get(node_id) if run else None
    if run is None or step is None or step.status in FINISHED_STEP or (
        step.status == "running" and step.attempts != attempt and not lease_lapsed(step, utcnow())
    ):
        db.session.rollback()
        return []
    set_step_status(db.session, run.log, step, "failed", error=error, finished_at=utcnow(), lease_expires_at=None,
                    attempts=max(step.attempts, attempt))
    if run.log.status not in FINISHED_EXECUTION:
        fail_execution(run, error)
    run.write()
    db.session.commit()
    return []


def _step_input(run: RunState, node_id: str) -> Any:
    graph = run.graph
    assert graph is not None
    incoming = graph.incoming.get(node_id, [])
    if not incoming:
        return run.log.payload
    delivered = {e.source: run.outputs.get(e.source) for e in incoming if edge_state(e, run.steps) == DELIVERED}
    node_cls = run.find_type(node_id)
    if node_cls is not None and node_cls.joins_branches:
        return delivered
    return next(iter(delivered.values()), None)


def claim_step(log_id: int, node_id: str) -> Claim | None:
    """Lock the run and claim the step, leaving the transaction open for the caller; None
    (rolled back or committed) when the step is not to run now: it finished, or another
    worker holds it under a live lease.

    A step that may block is marked running under a fresh lease (written; the caller
    commits). A step that only computes is not marked at all: it goes on in this
    transaction (``Claim.run``) and is written once, with its outcome.
    """
    run = load_run(log_id)
    step = run.steps.get(node_id) if run else None
    if run is None or run.log.status in FINISHED_EXECUTION or step is None or step.status in FINISHED_STEP:
        db.session.rollback()
        return None
    now = utcnow()
    if step.status == "running" and not lease_lapsed(step, now):
        db.session.rollback()  # its worker is alive and renewing the lease
        return None
    overdue = execution_overdue(run.log, now, node_id)
    if overdue is not None:
        fail_execution(run, overdue)
        run.write()
        db.session.commit()
        return None
    # A type no longer installed goes on inline: its step fails at once, without a lease.
    node_cls = run.find_type(node_id)
    blocking = node_cls is not None and node_cls.blocking
    claim = _begin(run, node_id, now, leased=blocking)
    if blocking:
        run.write()
    else:
        claim.run = run
    return claim


def _begin(run: RunState, node_id: str, now: Any, *, leased: bool) -> Claim:
    """Start attempt ``attempts + 1`` of a step: under a lease (a running status written
    for the other workers to see), or inline, where only its outcome will be written."""
    graph = run.graph
    assert graph is not None
    step = run.steps[node_id]
    node_def = graph.nodes[node_id]
    step_input = _step_input(run, node_id)
    if run.log.status == "queued":
        set_execution_status(db.session, run.log, "running")
    # attempts is also the lease's fencing token: taking a step over bumps it, and the
    # renewals and the record of the attempt that was taken over then match nothing.
    fields = {"attempts": step.attempts + 1, "started_at": now, "finished_at": None, "next_attempt_at": None,
              "input": step_input, "node_version": run.node_version(node_id)}
    if leased:
        set_step_status(db.session, run.log, step, "running", lease_expires_at=lease_expiry(now), **fields)
    else:
        for name, value in fields.items():
            setattr(step, name, value)
    log = run.log
    scope = {
        "input": step_input,
        "nodes": dict(run.outputs),
        "trigger": run.outputs.get(run.trigger_id, log.payload),
        "execution": {"id": log.id, "workflow_id": log.workflow_id, "started_at": log.started_at.isoformat()},
    }
    node_cls = run.find_type(node_id)
    limits = StepLimits.of(node_cls, node_def) if node_cls is not None else StepLimits(0, 0.0, 0.0)
    return Claim(log.id, log.workflow_id, log.owner_id, node_id, step.id, node_def, step.attempts,
                 limits, scope, node_cls=node_cls, node_type=step.type)


def execute_step(claim: Claim) -> Outcome:
    """Evaluate the params, open the node's credential, run the node under its time limit
    and check that its output can be stored. What the node produced (output, error, log
    lines) is stored with the credential's secret values masked.

    A ``NodeError`` (a missing or foreign credential among them) fails the step at once;
    a ``RetryableNodeError`` or any other exception is retried while ``max_retries``
    allows (``should_retry``), after the node's backoff or its ``retry_after`` if longer.
    """
    node_cls = claim.node_cls
    if node_cls is None:
        return Outcome(error=_missing_type_error(claim), final=True)
    ctx = NodeContext(
        execution_id=claim.log_id, workflow_id=claim.workflow_id, node_id=claim.node_id,
        attempt=claim.attempt, settings={"HTTP_ALLOW_PRIVATE": current_app.config["HTTP_ALLOW_PRIVATE"]},
        step_id=claim.step_id,
    )
    secrets: Secrets | None = None
    try:
        params = evaluate_params(claim.node_def.get("params") or {}, claim.scope, claim.node_id)
        try:
            params = load_params(node_cls, params)
        except ValidationError as exc:
            raise ValueError(f"node '{claim.node_id}': params are invalid after evaluating expressions: {exc.messages}") from None
        secrets = ctx.credential = _open_credential(claim, node_cls, params)
        with time_limit(claim.limits.timeout_seconds):
            result = node_cls().execute(ctx, params, claim.scope["input"])
    except StepTimedOut as exc:
        return _failed(claim, ctx, secrets, exc, message=f"node '{claim.node_id}' {exc}")
    except Exception as exc:  # a node may raise anything; it becomes the step's error
        return _failed(claim, ctx, secrets, exc)
    finally:
        ctx.close()
    if result is STOP:
        return Outcome(output=None, port=None, logs=_scrubbed(secrets, ctx.log_lines))
    port, data = (result.port, result.data) if isinstance(result, Emit) else ("main", result)
    try:
        output = storable_output(_scrubbed(secrets, data), claim.node_id, current_app.config["STEP_OUTPUT_MAX_BYTES"])
    except (UnstorableOutput, StepOutputTooLarge) as exc:
        return _failed(claim, ctx, secrets, exc, final=True)
    return Outcome(output=output, port=port, logs=_scrubbed(secrets, ctx.log_lines))


def _open_credential(claim: Claim, node_cls: type, params: dict[str, Any]) -> Secrets | None:
    """The decrypted credential named by the node's param of kind credential, checked to
    be the run owner's and of the node's ``credential_type``; None when the node declares
    no credential type or the param is empty. Raises CredentialError (a NodeError)."""
    expected = getattr(node_cls, "credential_type", None)
    if not expected:
        return None
    credential_id = next((params[name] for name in credential_params(node_cls) if params.get(name) is not None), None)
    if credential_id is None:
        return None
    try:
        return decrypt_for_run(claim.owner_id, credential_id, expected)
    finally:
        if claim.run is None:
            # A blocking step runs outside any transaction: end the read's, so that no
            # connection sits idle in a transaction while the node waits.
            db.session.rollback()


def _scrubbed(secrets: Secrets | None, value: Any) -> Any:
    return value if secrets is None else secrets.scrub(value)


def _failed(claim: Claim, ctx: NodeContext, secrets: Secrets | None, exc: BaseException, *,
            message: str | None = None, final: bool | None = None) -> Outcome:
    """The outcome of an attempt that raised ``exc``: final unless ``should_retry``."""
    error = _error(claim.node_id, exc, message, secrets)
    return Outcome(error=error, final=not should_retry(exc) if final is None else final,
                   retry_after=retry_after(exc), logs=_scrubbed(secrets, ctx.log_lines))


def _missing_type_error(claim: Claim) -> dict[str, Any]:
    """Why a step of a node type that is no longer installed (or is disabled) fails."""
    message = (f"node '{claim.node_id}': node type '{claim.node_type}' is not installed (or is disabled); "
               f"install its package or change the workflow")
    return {"message": storable_text(message), "type": "UnknownNodeType", "node_id": claim.node_id,
            "traceback": None}


def _error(node_id: str, exc: BaseException, message: str | None = None,
           secrets: Secrets | None = None) -> dict[str, Any]:
    # Messages may quote data (a fail node's, an HTTP body): keep them storable too. The
    # secrets are masked before the text is cut, so no part of one survives at the cut.
    def text(value: str) -> str:
        return storable_text(_scrubbed(secrets, value))

    return {
        "message": text(message or str(exc) or type(exc).__name__),
        "type": type(exc).__name__,
        "node_id": node_id,
        "traceback": text("".join(traceback.format_exception(exc))),
    }


def _store_outcome(claim: Claim, outcome: Outcome, max_steps: int | None, max_seconds: float | None) -> list[Send]:
    max_steps = MAX_SEGMENT_STEPS if max_steps is None else max_steps
    max_seconds = MAX_SEGMENT_SECONDS if max_seconds is None else max_seconds
    run = claim.run
    if run is None:
        run = load_run(claim.log_id)
        step = run.steps.get(claim.node_id) if run else None
        if run is None or step is None or step.status != "running" or step.attempts != claim.attempt:
            db.session.rollback()  # our lease lapsed and the step was released or taken over
            logger.warning("step %s of execution %s: attempt %s was taken over, its outcome is dropped",
                           claim.node_id, claim.log_id, claim.attempt)
            return []
    deadline = time.monotonic() + max_seconds
    claim.ran = [claim.node_id]
    ready, sends = decide(run, claim, outcome)
    while not sends and len(ready) == 1 and len(claim.ran) < max_steps and time.monotonic() < deadline:
        # Exactly one successor is ready: if it only computes, it runs here and now (a type
        # no longer installed too: its step fails at once).
        node_id = ready[0]
        node_cls = run.find_type(node_id)
        if (node_cls is not None and node_cls.blocking) or run.log.status in FINISHED_EXECUTION:
            break
        now = utcnow()
        overdue = execution_overdue(run.log, now, node_id)
        if overdue is not None:
            fail_execution(run, overdue)
            ready = []
            break
        step_claim = _begin(run, node_id, now, leased=False)
        claim.ran.append(node_id)
        ready, sends = decide(run, step_claim, execute_step(step_claim))
    finish_if_done(run)
    run.write()
    db.session.commit()
    claim.committed = run.log
    if run.log.status in FINISHED_EXECUTION:
        return []
    return sends or [Send(run.id, node_id) for node_id in ready]


def decide(run: RunState, claim: Claim, outcome: Outcome) -> tuple[list[str], list[Send]]:
    """Store a step's outcome on the run: success (and its successors now ready), a retry
    after its backoff (its message), or failure (of the run too)."""
    log = run.log
    step = run.steps[claim.node_id]
    now = utcnow()
    if outcome.logs is not None:
        step.logs = outcome.logs or None
    if outcome.error is None:
        set_step_status(db.session, log, step, "success", output=outcome.output, output_port=outcome.port,
                        error=None, finished_at=now, lease_expires_at=None)
        run.outputs[claim.node_id] = outcome.output
        if log.status not in FINISHED_EXECUTION:
            return advance(run, claim.node_id), []
        return [], []
    if not outcome.final and claim.attempt <= claim.limits.max_retries and log.status not in FINISHED_EXECUTION:
        delay = min(MAX_BACKOFF_SECONDS, max(claim.limits.backoff(claim.attempt), outcome.retry_after or 0.0))
        set_step_status(db.session, log, step, "pending", error=outcome.error, lease_expires_at=None,
                        next_attempt_at=now + timedelta(seconds=delay))
        return [], [Send(log.id, claim.node_id, delay)]
    set_step_status(db.session, log, step, "failed", error=outcome.error, finished_at=now, lease_expires_at=None)
    if log.status not in FINISHED_EXECUTION:
        fail_execution(run, outcome.error)
    return [], []
