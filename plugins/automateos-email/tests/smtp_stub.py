"""The pieces of a local SMTP stand-in: the server's handler and authenticator, a
self-signed certificate, a free port. The fixtures are in conftest.py."""
from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER, PASSWORD = "mailer", "s3cret-pass"
REFUSED_DOMAIN = "refused.example"  # the server answers 550 to recipients there


@dataclass
class Certificate:
    """A self-signed certificate for 127.0.0.1: its PEM (what a client trusts) and files."""

    pem: str
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


class Recorder:
    """aiosmtpd handler: refuses recipients at REFUSED_DOMAIN, keeps every message."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if address.endswith("@" + REFUSED_DOMAIN):
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                              "data": envelope.content.decode("utf-8", "replace"),
                              "tls": server.transport.get_extra_info("ssl_object") is not None,
                              "login": getattr(session.auth_data, "login", None)})
        return "250 Message accepted"


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    """The one account the server knows."""
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() \
        and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


def free_port() -> int:
    """A loopback port nothing listens on (just now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SmtpServer:
    """A running local SMTP server and what it received."""

    port: int
    recorder: Recorder
    controller: Controller = field(repr=False)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.recorder.messages


def make_certificate(folder: Path) -> Certificate:
    """A self-signed certificate whose subject alternative name is 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "automateos-email test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    (folder / "cert.pem").write_text(pem)
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return Certificate(pem, folder / "cert.pem", folder / "key.pem")
