"""Fixtures: a self-signed certificate for the session, and real local SMTP servers
(aiosmtpd) started per test."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from smtp_stub import Certificate, Recorder, SmtpServer, authenticate, free_port, make_certificate


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate whose subject alternative name is 127.0.0.1."""
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp_server(certificate: Certificate) -> Iterator[Callable[..., SmtpServer]]:
    """Start a server: ``smtp_server(security="none" | "starttls" | "tls", auth=False)``.
    With ``auth`` it requires a login (over TLS only, as aiosmtpd insists by default)."""
    started: list[Controller] = []

    def start(security: str = "none", auth: bool = False) -> SmtpServer:
        recorder = Recorder()
        kwargs: dict[str, Any] = {}
        if security == "starttls":
            kwargs.update(tls_context=certificate.server_context(), require_starttls=True)
        if security == "tls":
            kwargs.update(ssl_context=certificate.server_context())
        if auth:
            kwargs.update(authenticator=authenticate, auth_required=True)
        controller = Controller(recorder, hostname="127.0.0.1", port=free_port(), **kwargs)
        controller.start()
        started.append(controller)
        return SmtpServer(controller.port, recorder, controller)

    yield start
    for controller in started:
        controller.stop()
