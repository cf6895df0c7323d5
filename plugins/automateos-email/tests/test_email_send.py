"""email_send against real local SMTP servers, through AutomateOS's kit only."""
from __future__ import annotations

from email import message_from_string
from typing import Any

from automateos.nodes.base import NodeError, RetryableNodeError
from automateos.nodes.ssrf import BlockedDestination

from automateos_email.credentials import SmtpCredential
from automateos_email.nodes import SendEmail

from smtp_stub import PASSWORD, REFUSED_DOMAIN, USER, free_port

MESSAGE = {"to": "ada@example.com", "from": "robot@example.org", "subject": "Order {{ input.id }}",
           "text": "Order {{ input.id }} shipped."}


def smtp(port: int, security: str = "none", **more: Any) -> dict[str, Any]:
    return {"host": "127.0.0.1", "port": port, "security": security, "timeout": 5, **more}


def send(run_node, port: int, credentials: dict[str, Any], params: dict[str, Any] | None = None,
         input: Any = None) -> Any:
    return run_node(SendEmail, params or MESSAGE, {"id": 42} if input is None else input,
                    credentials=credentials, http_allowed=[("127.0.0.1", port)])


def test_the_node_honours_the_contract_and_is_installed(check_node_contract) -> None:
    check_node_contract(SendEmail, installed=True)
    assert SendEmail.blocking and SendEmail.credential_type == SmtpCredential.name


def test_plain_smtp_delivers_text_to_every_recipient_and_hides_bcc(run_node, smtp_server) -> None:
    server = smtp_server("none")
    params = {**MESSAGE, "to": ["ada@example.com", "bob@example.com"], "cc": "carol@example.com",
              "bcc": ["dan@example.com"], "reply_to": "help@example.org"}

    run = send(run_node, server.port, smtp(server.port), params)

    assert run.ok, run.error
    assert run.output["recipients"] == ["ada@example.com", "bob@example.com", "carol@example.com", "dan@example.com"]
    [received] = server.messages
    assert received["from"] == "robot@example.org" and received["to"] == run.output["recipients"]
    mail = message_from_string(received["data"])
    assert mail["Subject"] == "Order 42" and mail["To"] == "ada@example.com, bob@example.com"
    assert mail["Cc"] == "carol@example.com" and mail["Reply-To"] == "help@example.org"
    assert mail["Bcc"] is None and "dan@example.com" not in received["data"]
    assert mail["Message-ID"] == run.output["message_id"]
    assert mail.get_payload().strip() == "Order 42 shipped."
    assert not received["tls"]
    assert [line["message"] for line in run.logs] == [f"sent {run.output['message_id']} to 4 recipient(s)"]


def test_text_and_html_go_as_alternatives(run_node, smtp_server) -> None:
    server = smtp_server("none")
    run = send(run_node, server.port, smtp(server.port), {**MESSAGE, "html": "<p>Order <b>{{ input.id }}</b></p>"})

    assert run.ok, run.error
    mail = message_from_string(server.messages[0]["data"])
    assert mail.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in mail.get_payload()] == ["text/plain", "text/html"]
    assert "<b>42</b>" in mail.get_payload()[1].get_payload()


def test_starttls_with_a_self_signed_certificate_the_credential_trusts(run_node, smtp_server, certificate) -> None:
    server = smtp_server("starttls")

    run = send(run_node, server.port, smtp(server.port, "starttls", ca_certificate=certificate.pem))

    assert run.ok, run.error
    assert server.messages[0]["tls"]


def test_starttls_refuses_a_certificate_nobody_trusts(run_node, smtp_server) -> None:
    server = smtp_server("starttls")

    run = send(run_node, server.port, smtp(server.port, "starttls"))

    assert run.error["type"] == "NodeError" and "certificate not trusted" in run.error["message"]
    assert len(run.attempts) == 1 and server.messages == []


def test_implicit_tls(run_node, smtp_server, certificate) -> None:
    server = smtp_server("tls")

    run = send(run_node, server.port, smtp(server.port, "tls", ca_certificate=certificate.pem))

    assert run.ok, run.error
    assert server.messages[0]["tls"]


def test_tls_against_a_plain_server_says_the_mode_is_wrong(run_node, smtp_server, certificate) -> None:
    server = smtp_server("none")

    run = send(run_node, server.port, smtp(server.port, "tls", ca_certificate=certificate.pem))

    assert isinstance(run.exception, NodeError) and "security mode" in run.error["message"]
    assert len(run.attempts) == 1


def test_login_over_starttls(run_node, smtp_server, certificate) -> None:
    server = smtp_server("starttls", auth=True)

    run = send(run_node, server.port, smtp(server.port, "starttls", ca_certificate=certificate.pem,
                                           username=USER, password=PASSWORD))

    assert run.ok, run.error
    assert server.messages[0]["login"] == USER.encode()


def test_a_wrong_password_fails_without_retry_and_without_the_password(run_node, smtp_server, certificate) -> None:
    server = smtp_server("starttls", auth=True)

    run = send(run_node, server.port, smtp(server.port, "starttls", ca_certificate=certificate.pem,
                                           username=USER, password="not-the-password"))

    assert run.error["type"] == "NodeError" and "refused the login: 535" in run.error["message"]
    assert "not-the-password" not in run.error["message"] + run.error["traceback"]
    assert len(run.attempts) == 1 and server.messages == []


def test_a_server_that_requires_a_login_refuses_the_message(run_node, smtp_server, certificate) -> None:
    server = smtp_server("starttls", auth=True)

    run = send(run_node, server.port, smtp(server.port, "starttls", ca_certificate=certificate.pem))

    assert run.error["type"] == "NodeError" and "530" in run.error["message"]
    assert server.messages == []


def test_a_refused_recipient_fails_the_step(run_node, smtp_server) -> None:
    server = smtp_server("none")

    run = send(run_node, server.port, smtp(server.port), {**MESSAGE, "to": f"nobody@{REFUSED_DOMAIN}"})

    assert isinstance(run.exception, NodeError) and not isinstance(run.exception, RetryableNodeError)
    assert f"nobody@{REFUSED_DOMAIN}: 550" in run.error["message"]
    assert len(run.attempts) == 1 and server.messages == []


def test_one_refused_among_several_fails_but_is_not_resent(run_node, smtp_server) -> None:
    server = smtp_server("none")

    run = send(run_node, server.port, smtp(server.port),
               {**MESSAGE, "to": ["ada@example.com", f"nobody@{REFUSED_DOMAIN}"]})

    assert run.error["type"] == "NodeError"
    assert run.error["message"].startswith("sent to 1 recipient(s), but the server refused nobody@")
    assert len(run.attempts) == 1 and server.messages[0]["to"] == ["ada@example.com"]


def test_a_connection_refused_is_retried(run_node) -> None:
    port = free_port()  # nothing listens there

    run = send(run_node, port, smtp(port))

    assert isinstance(run.exception, RetryableNodeError) and "ConnectionRefusedError" in run.error["message"]
    assert len(run.attempts) == 1 + SendEmail.max_retries and len(run.delays) == SendEmail.max_retries


def test_a_private_server_is_refused_unless_allowed(run_node, smtp_server) -> None:
    server = smtp_server("none")

    run = run_node(SendEmail, MESSAGE, {"id": 1}, credentials=smtp(server.port))

    assert isinstance(run.exception, BlockedDestination) and len(run.attempts) == 1
    assert server.messages == []
    allowed = run_node(SendEmail, MESSAGE, {"id": 1}, credentials=smtp(server.port),
                       settings={"HTTP_ALLOW_PRIVATE": True})
    assert allowed.ok, allowed.error


def test_params_need_a_body_and_valid_addresses(run_node) -> None:
    no_body = run_node(SendEmail, {k: v for k, v in MESSAGE.items() if k != "text"}, credentials=smtp(25))
    bad_to = run_node(SendEmail, {**MESSAGE, "to": "not an address"}, {"id": 1}, credentials=smtp(25))
    injected = run_node(SendEmail, {**MESSAGE, "subject": "hi\r\nBcc: victim@example.com"}, {"id": 1},
                        credentials=smtp(25))

    for run in (no_body, bad_to, injected):
        assert not run.ok and "params are invalid" in run.error["message"]


def test_the_credential_needs_a_password_with_a_username(run_node) -> None:
    try:
        run_node(SendEmail, MESSAGE, credentials=smtp(25, username=USER))
    except ValueError as exc:
        assert "username and password" in str(exc)
    else:
        raise AssertionError("a username without a password was accepted")
