"""The ``email_send`` node: one message over SMTP, through the user's ``smtp`` credential."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from automateos.nodes.base import Node, NodeContext, NodeError, RetryableNodeError
from automateos.nodes.http import policy_from_settings

from .transport import GuardedSMTP, GuardedSMTPSSL, tls_context

MAX_RECIPIENTS = 100
_NO_NEWLINE = validate.Regexp(r"^[^\r\n]*$", error="Must be one line.")


class Addresses(fields.List):
    """A list of email addresses; a single string is accepted too, split on commas (an
    expression such as ``{{ input.email }}`` gives one)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(fields.Email(), validate=validate.Length(max=MAX_RECIPIENTS), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        return super()._deserialize(value, attr, data, **kwargs)


class SendEmailParams(Schema):
    """Params of ``email_send`` (the ``credential`` param, an ``smtp`` credential, is added
    for you); each may be an expression such as ``{{ input.email }}``."""

    to = Addresses(required=True, metadata={"description": "Recipients (a list, or one string of comma-separated addresses)."})
    cc = Addresses(load_default=list, metadata={"description": "Copied recipients, shown to all."})
    bcc = Addresses(load_default=list, metadata={"description": "Hidden recipients: in the envelope, never in the headers."})
    sender = fields.Email(required=True, data_key="from",
                          metadata={"description": "The From address (the server may require its own)."})
    reply_to = fields.Email(load_default=None, allow_none=True, metadata={"description": "Reply-To address."})
    subject = fields.String(required=True, validate=[validate.Length(max=998), _NO_NEWLINE],
                            metadata={"description": "Subject line."})
    text = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1_000_000),
                         metadata={"description": "Plain-text body."})
    html = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1_000_000),
                         metadata={"description": "HTML body; with text, both are sent (multipart/alternative)."})

    @validates_schema
    def _needs_a_body_and_a_recipient(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data.get("text") and not data.get("html"):
            raise ValidationError("give text, html or both", "text")
        if not data.get("to"):
            raise ValidationError("give at least one recipient", "to")


class SendEmail(Node):
    """Sends one email over SMTP; outputs ``{message_id, recipients}``.

    The ``smtp`` credential says where (host, port) and how (``starttls``, ``tls`` or
    ``none``; an optional login). Recipients refused by the server or a 5xx answer fail the
    step; a connection that fails or a 4xx (temporary) answer is retried.
    """

    type = "email_send"
    name = "Send email"
    description = "Sends an email over SMTP (STARTTLS, TLS or plain), text and/or HTML."
    category = "action"
    version = 1
    params_schema = SendEmailParams
    credential_type = "smtp"
    blocking = True  # it waits on the SMTP server
    max_retries = 2
    retry_backoff = 5.0
    timeout_seconds = 60.0  # above the credential's socket timeout (50 s at most)

    def execute(self, ctx: NodeContext, params: dict[str, Any], input: Any) -> dict[str, Any]:
        """Build the message, connect as the credential says, send it."""
        assert ctx.credential is not None  # the engine fills it: credential_type is set
        smtp = ctx.credential
        message = build_message(params)
        recipients = list(dict.fromkeys(params["to"] + params["cc"] + params["bcc"]))
        where = f"SMTP server {smtp['host']}:{smtp['port']}"
        # The SSRF guard's BlockedDestination is a NodeError: it passes through as it is.
        try:
            with connect(ctx, smtp) as server:
                if smtp.get("username"):
                    server.login(smtp["username"], smtp["password"])
                refused = server.send_message(message, params["sender"], recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            raise _refused_error(exc.recipients, sent_to=0) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise _answer_error(f"{where} refused the login", exc.smtp_code, exc.smtp_error) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise NodeError(f"{where}: {exc} (check the credential's security mode)") from None
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused, ...
            raise _answer_error(f"{where} refused the message", exc.smtp_code, exc.smtp_error) from None
        except ssl.SSLCertVerificationError as exc:
            raise NodeError(f"{where}: TLS certificate not trusted: {exc.verify_message} "
                            "(a private CA goes in the credential's ca_certificate)") from None
        except ssl.SSLError as exc:
            raise NodeError(f"{where}: TLS failed ({exc.reason}); is the security mode right "
                            "for this port (tls: 465, starttls: 587)?") from None
        except (smtplib.SMTPException, OSError) as exc:  # refused, reset, timed out, DNS
            raise RetryableNodeError(f"{where}: could not send: {type(exc).__name__}: {exc}") from None
        if refused:  # some accepted: the message went out, so no retry (no duplicates)
            raise _refused_error(refused, sent_to=len(recipients) - len(refused))
        ctx.log.info("sent %s to %d recipient(s)", message["Message-ID"], len(recipients))
        return {"message_id": message["Message-ID"], "recipients": recipients}


def build_message(params: dict[str, Any]) -> EmailMessage:
    """The MIME message: headers (never Bcc), text and/or HTML body."""
    message = EmailMessage()
    message["From"] = params["sender"]
    message["To"] = ", ".join(params["to"])
    if params["cc"]:
        message["Cc"] = ", ".join(params["cc"])
    if params["reply_to"]:
        message["Reply-To"] = params["reply_to"]
    message["Subject"] = params["subject"]
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=params["sender"].rsplit("@", 1)[1])
    if params["text"]:
        message.set_content(params["text"])
        if params["html"]:
            message.add_alternative(params["html"], subtype="html")
    else:
        message.set_content(params["html"], subtype="html")
    return message


def connect(ctx: NodeContext, smtp: Any) -> smtplib.SMTP:
    """An SMTP session to the credential's server, TLS as it says, EHLO done."""
    policy = policy_from_settings(ctx.settings)
    timeout = float(smtp["timeout"])
    if smtp["security"] == "tls":
        server: smtplib.SMTP = GuardedSMTPSSL(policy, timeout=timeout, context=tls_context(smtp.get("ca_certificate")))
    else:
        server = GuardedSMTP(policy, timeout=timeout)
    try:
        server.connect(smtp["host"], int(smtp["port"]))
        server.ehlo()
        if smtp["security"] == "starttls":
            server.starttls(context=tls_context(smtp.get("ca_certificate")))
            server.ehlo()
    except BaseException:
        server.close()
        raise
    return server


def _answer_error(what: str, code: int, answer: bytes | str) -> NodeError:
    """4xx is temporary (retried), 5xx permanent (fails the step)."""
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    message = f"{what}: {code} {text[:200]}"
    return RetryableNodeError(message) if 400 <= code < 500 else NodeError(message)


def _refused_error(refused: dict[str, tuple[int, bytes]], *, sent_to: int) -> NodeError:
    """Recipients the server refused; a retry would resend to the others, so never retried
    once one was accepted."""
    listed = "; ".join(f"{address}: {code} {answer.decode('utf-8', 'replace')[:100]}"
                       for address, (code, answer) in refused.items())
    if sent_to:
        return NodeError(f"sent to {sent_to} recipient(s), but the server refused {listed}")
    if all(400 <= code < 500 for code, _ in refused.values()):
        return RetryableNodeError(f"the server refused every recipient for now: {listed}")
    return NodeError(f"the server refused every recipient: {listed}")


__all__ = ["SendEmail", "SendEmailParams", "build_message", "connect"]
