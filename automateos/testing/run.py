"""``run_node``: one node, run the way the engine runs a step, with no server or database.

What the engine does to a step, in order: evaluate the params' expressions (the same
sandbox), validate them with the node's ``params_schema``, build the ``NodeContext`` (the
credential, ``ctx.log``, ``ctx.http``), run ``execute`` under the step's time limit,
check that the output can be stored, and on failure retry with the node's backoff while
``max_retries`` allows, unless the error is final (``NodeError``). The pieces are the
engine's own (expressions, params, ``time_limit``, ``storable_output``, the retry rule of
``nodes.errors``, the runner's ``StepLimits``); only their sequence is written here.
"""
from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from marshmallow import RAISE, ValidationError

from automateos.credentials.service import Secrets
from automateos.credentials.types import get_credential_type
from automateos.engine.runner import StepLimits
from automateos.engine.storable import StepOutputTooLarge, UnstorableOutput, storable_output
from automateos.engine.timeouts import StepTimedOut, time_limit
from automateos.expressions import evaluate_params
from automateos.nodes.base import CREDENTIAL_PARAM, STOP, Emit, Node, NodeContext
from automateos.nodes.errors import retry_after, should_retry
from automateos.nodes.params import load_params
from automateos.nodes.registry import get_node_type

DEFAULT_MAX_OUTPUT_BYTES = 4 * 1024 * 1024  # STEP_OUTPUT_MAX_BYTES's default
PLACEHOLDER_CREDENTIAL_ID = 1  # the id put in params when the test gives the fields only


@dataclass
class Attempt:
    """One try of the node: its output or its error, and the lines it logged."""

    number: int
    output: Any = None
    port: str | None = "main"
    error: dict[str, Any] | None = None
    exception: BaseException | None = field(default=None, repr=False)
    final: bool = False
    logs: list[dict[str, str]] = field(default_factory=list)


@dataclass
class NodeRun:
    """What :func:`run_node` saw.

    Parameters:
      output: the stored output of the last attempt (None when it failed or stopped).
      port: the output port (``main``, an ``Emit``'s port) or None when the branch stopped.
      error: ``{message, type, node_id, traceback}`` as a step stores it, or None.
      params: the params as ``execute`` received them (evaluated and validated).
      attempts: every attempt, in order; ``delays`` the backoff waited (or that would have
        been waited, with ``sleep=False``) before each retry.
    """

    output: Any = None
    port: str | None = "main"
    error: dict[str, Any] | None = None
    params: dict[str, Any] | None = None
    attempts: list[Attempt] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the step succeeded (a stopped branch is a success)."""
        return self.error is None

    @property
    def stopped(self) -> bool:
        """True when the node returned STOP: its branch ends."""
        return self.ok and self.port is None

    @property
    def exception(self) -> BaseException | None:
        """The exception the last attempt raised, if any."""
        return self.attempts[-1].exception if self.attempts else None

    @property
    def logs(self) -> list[dict[str, str]]:
        """Every line ``ctx.log`` kept, across attempts."""
        return [line for attempt in self.attempts for line in attempt.logs]

    def raise_error(self) -> "NodeRun":
        """Re-raise the last attempt's exception if the run failed; else return self."""
        if self.exception is not None and not self.ok:
            raise self.exception
        return self


def run_node(
    node: type[Node] | str,
    params: Mapping[str, Any] | None = None,
    input: Any = None,
    *,
    credentials: Mapping[str, Any] | None = None,
    nodes: Mapping[str, Any] | None = None,
    trigger: Any = None,
    max_retries: int | None = None,
    retry_backoff: float | None = None,
    timeout_seconds: float | None = None,
    sleep: bool | Callable[[float], None] = True,
    settings: Mapping[str, Any] | None = None,
    http_allowed: Iterable[tuple[str, int]] = (),
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
    node_id: str = "node",
) -> NodeRun:
    """Run ``node`` as the engine runs one step of a workflow, and report what happened.

    ``node`` is a Node class or an installed type name (which also checks its entry point).
    ``params`` may hold ``{{ expressions }}``: they see ``input``, ``nodes`` (outputs of
    earlier nodes by id), ``trigger`` (default: ``input``) and ``execution``.
    ``credentials`` are the credential's fields (validated by its installed credential
    type when there is one); the ``credential`` param is filled in if missing.
    ``max_retries`` / ``retry_backoff`` / ``timeout_seconds`` override the node's, as a
    workflow may; ``sleep=False`` records the backoff without waiting (or pass a function).
    ``settings`` are the app settings a node sees; ``http_allowed`` lets ``ctx.http`` reach
    these ``(ip, port)`` pairs although they are private (a local test server).
    Never raises for the node's failure: look at ``.ok``/``.error``, or ``.raise_error()``.
    """
    node_cls = get_node_type(node) if isinstance(node, str) else node
    raw = dict(params or {})
    secrets = _credential(node_cls, credentials)
    if secrets is not None:
        raw.setdefault(CREDENTIAL_PARAM, PLACEHOLDER_CREDENTIAL_ID)
    # The overrides as a workflow's node gives them (None: the type's default).
    limits = StepLimits.of(node_cls, {"max_retries": max_retries, "retry_backoff": retry_backoff,
                                      "timeout_seconds": timeout_seconds})
    merged = {**(settings or {})}
    merged["HTTP_ALLOWED_DESTINATIONS"] = [*merged.get("HTTP_ALLOWED_DESTINATIONS", ()), *http_allowed]
    scope = {
        "input": input, "nodes": dict(nodes or {}), "trigger": input if trigger is None else trigger,
        "execution": {"id": 1, "workflow_id": 1, "started_at": datetime.now(timezone.utc).isoformat()},
    }
    run = NodeRun()
    for number in range(1, limits.max_retries + 2):
        ctx = NodeContext(execution_id=1, workflow_id=1, node_id=node_id, attempt=number,
                          settings=merged, step_id=1, credential=secrets)
        attempt, run.params = _attempt(node_cls, ctx, raw, scope, limits.timeout_seconds, max_output_bytes)
        run.attempts.append(attempt)
        if attempt.error is None or attempt.final or number > limits.max_retries:
            break
        delay = max(limits.backoff(number), retry_after(attempt.exception) or 0.0)  # type: ignore[arg-type]
        run.delays.append(delay)
        if callable(sleep):
            sleep(delay)
        elif sleep:
            time.sleep(delay)
    last = run.attempts[-1]
    run.output, run.port, run.error = last.output, last.port, last.error
    return run


def _attempt(node_cls: type[Node], ctx: NodeContext, raw: dict[str, Any], scope: dict[str, Any],
             limit: float, max_output_bytes: int) -> tuple[Attempt, dict[str, Any] | None]:
    """One attempt, as the runner's execute phase does it."""
    attempt, params = Attempt(ctx.attempt, logs=ctx.log_lines), None
    try:
        params = evaluate_params(raw, scope, ctx.node_id)
        try:
            params = load_params(node_cls, params)
        except ValidationError as exc:
            raise ValueError(f"node '{ctx.node_id}': params are invalid after evaluating expressions: {exc.messages}") from None
        with time_limit(limit):
            result = node_cls().execute(ctx, params, scope["input"])
        if result is STOP:
            attempt.output, attempt.port = None, None
        else:
            attempt.port, data = (result.port, result.data) if isinstance(result, Emit) else ("main", result)
            attempt.output = storable_output(data, ctx.node_id, max_output_bytes)
    except (UnstorableOutput, StepOutputTooLarge) as exc:
        _fail(attempt, ctx.node_id, exc, final=True)
    except StepTimedOut as exc:
        _fail(attempt, ctx.node_id, exc, message=f"node '{ctx.node_id}' {exc}")
    except Exception as exc:  # a node may raise anything; it becomes the step's error
        _fail(attempt, ctx.node_id, exc, final=not should_retry(exc))
    finally:
        ctx.close()
    return attempt, params


def _fail(attempt: Attempt, node_id: str, exc: BaseException, *, final: bool = False,
          message: str | None = None) -> None:
    attempt.output, attempt.exception, attempt.final = None, exc, final
    attempt.error = {"message": message or str(exc) or type(exc).__name__, "type": type(exc).__name__,
                     "node_id": node_id, "traceback": "".join(traceback.format_exception(exc))}


def _credential(node_cls: type[Node], fields: Mapping[str, Any] | None) -> Secrets | None:
    """The credential the node gets, checked by its credential type when installed."""
    if fields is None:
        return None
    if node_cls.credential_type is None:
        raise TypeError(f"{node_cls.__name__} declares no credential_type; it takes no credentials")
    cred_type = get_credential_type(node_cls.credential_type)
    if cred_type is None:
        return Secrets(fields)
    try:
        return Secrets(cred_type.fields_schema().load(dict(fields), unknown=RAISE))
    except ValidationError as exc:
        raise ValueError(f"credentials do not fit credential type {cred_type.name!r}: {exc.messages}") from None


__all__ = ["Attempt", "NodeRun", "run_node"]
