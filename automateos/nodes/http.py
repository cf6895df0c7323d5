"""``ctx.http``: the HTTP client every node gets, with the platform's rules built in.

A :class:`NodeSession` is a ``requests.Session`` that connects only where the SSRF guard
allows (on every redirect hop too), never through a proxy from the environment, with a
default timeout on every request and a cap on the size of the body it reads. A node uses
it as it would use requests; :func:`raise_for_status` turns an error answer into the
node error the engine understands (4xx fails, 5xx, 408 and 429 are retried).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import requests

from .errors import NodeError, RetryableNodeError
from .ssrf import DestinationPolicy, guard_session

# (connect, read) seconds, used when a request names no timeout: a blocking socket call
# cannot be interrupted by the step's time limit, so no call may wait without bound.
DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 30.0)
MAX_BODY_BYTES = 10 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
# Statuses that say "try again later" rather than "this request is wrong".
RETRYABLE_STATUSES = frozenset({408, 425, 429})


class ResponseTooLarge(NodeError):
    """A response body over the session's size cap; reading it was refused."""


def read_capped(response: requests.Response, max_bytes: int = MAX_BODY_BYTES) -> bytes:
    """The body of a streamed ``response``, refusing more than ``max_bytes`` (decoded)."""
    too_big = ResponseTooLarge(
        f"the response from {response.url} is larger than {_size(max_bytes)}; refusing to read it"
    )
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_big
    received = bytearray()
    for chunk in response.iter_content(CHUNK_BYTES):
        received += chunk
        if len(received) > max_bytes:
            raise too_big
    return bytes(received)


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n % (1024 * 1024) == 0 else f"{n:,} bytes"


class NodeSession(requests.Session):
    """A requests Session for nodes: SSRF-guarded, default timeout, capped bodies.

    Parameters:
      policy: which resolved addresses may be reached (see ``ssrf.DestinationPolicy``).
      timeout: used by every request that gives none (requests' ``timeout`` forms).
      max_body_bytes: largest response body read; past it :class:`ResponseTooLarge`.
    """

    def __init__(self, policy: DestinationPolicy = DestinationPolicy(), *,
                 timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
                 max_body_bytes: int = MAX_BODY_BYTES) -> None:
        super().__init__()
        guard_session(self, policy)
        self.default_timeout = timeout
        self.max_body_bytes = max_body_bytes

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """As ``requests.Session.request``; the body is read under the cap unless ``stream=True``,
        in which case ``iter_content`` enforces it while the node reads."""
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        stream = bool(kwargs.pop("stream", False))
        response = super().request(method, url, *args, stream=True, **kwargs)
        if stream:
            _cap_iteration(response, self.max_body_bytes)
            return response
        with response:
            response._content = read_capped(response, self.max_body_bytes)
        return response


def _cap_iteration(response: requests.Response, max_bytes: int) -> None:
    """Make ``response.iter_content`` (and so ``.content``) stop past ``max_bytes``."""
    plain = response.iter_content

    def capped(chunk_size: int | None = 1, decode_unicode: bool = False) -> Iterator[Any]:
        received = 0
        for chunk in plain(chunk_size, decode_unicode):
            received += len(chunk)
            if received > max_bytes:
                response.close()
                raise ResponseTooLarge(
                    f"the response from {response.url} is larger than {_size(max_bytes)}; refusing to read it"
                )
            yield chunk

    response.iter_content = capped  # type: ignore[method-assign]


def policy_from_settings(settings: Mapping[str, Any]) -> DestinationPolicy:
    """The destination policy the app settings give a node.

    ``HTTP_ALLOW_PRIVATE`` lets every address through (a trusted, self-hosted install);
    ``HTTP_ALLOWED_DESTINATIONS`` lists exact ``(ip, port)`` pairs let through anyway.
    """
    return DestinationPolicy.of(bool(settings.get("HTTP_ALLOW_PRIVATE", False)),
                                settings.get("HTTP_ALLOWED_DESTINATIONS") or ())


def raise_for_status(response: requests.Response, what: str | None = None) -> requests.Response:
    """Return ``response`` if its status is below 400, else raise the node error it means.

    408, 425, 429 and 5xx raise :class:`RetryableNodeError` (honouring ``Retry-After`` in
    seconds); any other 4xx raises :class:`NodeError`. The message names ``what`` (default
    the method and URL), the status and the first 200 characters of the body.
    """
    if response.status_code < 400:
        return response
    request = response.request
    label = what or (f"{request.method} {request.url}" if request is not None else response.url)
    try:
        snippet = response.content[:200].decode("utf-8", errors="replace")
    except ResponseTooLarge:
        snippet = ""
    raise status_error(response, f"{label} returned HTTP {response.status_code} {response.reason}: {snippet}")


def status_error(response: requests.Response, message: str) -> NodeError:
    """The error an answer with ``response``'s status (>= 400) means: retryable for 408,
    425, 429 and 5xx (with ``Retry-After`` in seconds when given), final otherwise."""
    if response.status_code >= 500 or response.status_code in RETRYABLE_STATUSES:
        return RetryableNodeError(message, retry_after=_retry_after(response))
    return NodeError(message)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: the node's own backoff decides
