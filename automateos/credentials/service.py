"""Credential rules: ownership, validation against the type, sealing, use by runs.

Secrets are write-only. What the API shows of a credential (:func:`present`): the values
of its type's non-secret fields (a host, a user name: the user needs them to tell two
credentials apart) and, for each secret field, ``"set"`` or ``"unset"``. Nothing of a
secret value leaves this module except through :func:`decrypt_for_run`, for the engine.
"""
from __future__ import annotations

from typing import Any

from marshmallow import RAISE, ValidationError
from sqlalchemy import Select, column, select, table

from ..db_types import JSONType
from ..errors import abort
from ..extensions import db
from ..nodes.base import NodeError
from ..nodes.registry import UnknownNodeType, get_node_type
from ..redaction import REDACTED
from .crypto import CryptoError
from .keys import current_keyring
from .models import CREDENTIAL_ID_MAX, Credential
from .types import CredentialType, credential_params, get_credential_type

SET, UNSET = "set", "unset"
MIN_MASKED_CHARS = 4
# The columns of ``workflows`` the in-use check reads. A projection rather than an import:
# the workflows package sits above the engine, which sits above credentials.
_workflows = table("workflows", column("owner_id"), column("name"), column("definition", JSONType))


class CredentialError(NodeError):
    """A run cannot use the credential its node names (missing, not the owner's, of
    another type, or unreadable). A NodeError: the step fails at once, without retry."""


class Secrets(dict):
    """The decrypted fields of a credential: a plain dict whose repr hides the values, so
    that a node logging its context or a traceback printing locals shows no secret.

    :meth:`scrub` masks the secret values in what a node produced (output, error, log
    lines) before the engine stores it: a careless node that returns or logs its token
    stores ``[redacted]``.
    """

    def __init__(self, data: dict[str, Any], secret_fields: tuple[str, ...] | None = None) -> None:
        super().__init__(data)
        # Type unknown: every text field counts as secret.
        names = self.keys() if secret_fields is None else secret_fields
        values = {str(data[n]) for n in names if isinstance(data.get(n), (str, int)) and not isinstance(data[n], bool)}
        # Longest first, so that a secret containing another is masked whole; very short
        # values are left alone (masking "eu" everywhere would garble any output).
        self._masked = sorted((v for v in values if len(v) >= MIN_MASKED_CHARS), key=len, reverse=True)

    def __repr__(self) -> str:
        return "Secrets({" + ", ".join(f"{k!r}: '***'" for k in self) + "})"

    __str__ = __repr__

    def scrub(self, value: Any) -> Any:
        """A copy of JSON-like ``value`` with every secret value, in any string or key at
        any depth, replaced by ``[redacted]``."""
        if isinstance(value, str):
            for secret in self._masked:
                value = value.replace(secret, REDACTED)
            return value
        if isinstance(value, dict):
            return {self.scrub(k): self.scrub(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.scrub(v) for v in value]
        return value


# -- reading ----------------------------------------------------------------------------------

def owned_credentials(owner_id: int, type_name: str | None = None) -> Select:
    """Query of the caller's credentials (of one type, if given), newest first."""
    query = select(Credential).where(Credential.owner_id == owner_id)
    if type_name is not None:
        query = query.where(Credential.type == type_name)
    return query.order_by(Credential.id.desc())


def _find(credential_id: int) -> Credential | None:
    """The credential with this id, or None; an id the column cannot hold reads as missing
    (no query, and no error from the database)."""
    return db.session.get(Credential, credential_id) if 1 <= credential_id <= CREDENTIAL_ID_MAX else None


def get_owned(owner_id: int, credential_id: int) -> Credential:
    """The caller's credential, or 404 (also when it is someone else's)."""
    credential = _find(credential_id)
    if credential is None or credential.owner_id != owner_id:
        abort(404, message="Credential not found.")
    return credential


def _open(credential: Credential) -> dict[str, Any]:
    return current_keyring().open(credential.owner_id, credential.type, credential.ciphertext, credential.key_id)


def present(credential: Credential) -> dict[str, Any]:
    """The credential as the API shows it: non-secret values, secret fields as set/unset,
    and ``problem`` when its type is not installed or its data cannot be opened."""
    shown: dict[str, Any] = {
        "id": credential.id, "name": credential.name, "type": credential.type, "data": {}, "secrets": {},
        "problem": None, "created_at": credential.created_at, "updated_at": credential.updated_at,
    }
    cred_type = get_credential_type(credential.type)
    try:
        data = _open(credential)
    except CryptoError:
        shown["problem"] = "The stored data cannot be decrypted with the configured keys."
        return shown
    if cred_type is None:
        # Which fields are secret is unknown: every field counts as one.
        shown["problem"] = f"Credential type {credential.type!r} is not installed."
        shown["secrets"] = {name: SET for name in data}
        return shown
    secret = set(cred_type.secret_fields)
    shown["data"] = {k: v for k, v in data.items() if k not in secret}
    shown["secrets"] = {name: SET if data.get(name) not in (None, "") else UNSET for name in cred_type.secret_fields}
    return shown


# -- writing ----------------------------------------------------------------------------------

def _credential_type(name: str) -> type[CredentialType]:
    cred_type = get_credential_type(name)
    if cred_type is None:
        abort(422, message=f"Unknown credential type {name!r}.",
              errors={"json": {"type": [f"No installed package declares credential type {name!r}."]}})
    return cred_type


def validate_data(cred_type: type[CredentialType], data: dict[str, Any]) -> dict[str, Any]:
    """``data`` loaded by the type's schema (defaults filled in) and dumped back to JSON
    (a date field is stored as its text); 422 naming each bad field otherwise."""
    schema = cred_type.fields_schema()
    try:
        loaded = schema.load(data, unknown=RAISE)
    except ValidationError as err:
        abort(422, message="Invalid credential data.", errors={"json": {"data": err.normalized_messages()}})
    return schema.dump(loaded)


def create(owner_id: int, name: str, type_name: str, data: dict[str, Any]) -> Credential:
    """Save a new credential after validating ``data`` against its type."""
    loaded = validate_data(_credential_type(type_name), data)
    ciphertext, key_id = current_keyring().seal(owner_id, type_name, loaded)
    credential = Credential(owner_id=owner_id, name=name, type=type_name, ciphertext=ciphertext, key_id=key_id)
    db.session.add(credential)
    db.session.commit()
    return credential


def update(credential: Credential, changes: dict[str, Any]) -> Credential:
    """Rename and/or change fields. ``data`` is merged into the stored fields (a field
    left out keeps its value, so a secret need not be sent again; ``null`` removes one),
    and the result is validated as a whole. The type never changes."""
    if "data" in changes:
        cred_type = _credential_type(credential.type)
        try:
            current = _open(credential)
        except CryptoError:
            current = {}  # unreadable: the new data must then be complete on its own
        merged = {**current, **changes["data"]}
        loaded = validate_data(cred_type, {k: v for k, v in merged.items() if v is not None})
        credential.ciphertext, credential.key_id = current_keyring().seal(credential.owner_id, credential.type, loaded)
    if "name" in changes:
        credential.name = changes["name"]
    db.session.commit()
    return credential


def credentials_in_use(credential: Credential | int) -> list[str]:
    """Names of the owner's workflows whose saved definition holds this credential's id
    in a param of kind credential (``CredentialId``); sorted, empty when none."""
    if isinstance(credential, int):
        found = _find(credential)
        if found is None:
            return []
        credential = found
    rows = db.session.execute(
        select(_workflows.c.name, _workflows.c.definition).where(_workflows.c.owner_id == credential.owner_id)
    ).all()
    return sorted({name for name, definition in rows if _names_credential(definition, credential.id)})


def _credential_refs(definition: Any) -> list[tuple[str, str, Any, str | None]]:
    """``(node id, param, value, credential type)`` of every param of kind credential in
    a definition (nodes of a type no longer installed are skipped: their params cannot
    be read)."""
    refs = []
    nodes = definition.get("nodes") if isinstance(definition, dict) else None
    for node in nodes if isinstance(nodes, list) else ():
        if not isinstance(node, dict) or not isinstance(node.get("params"), dict):
            continue
        try:
            node_cls = get_node_type(node.get("type"))
        except UnknownNodeType:
            continue
        for param, kind in credential_params(node_cls).items():
            if param in node["params"]:
                refs.append((str(node.get("id")), param, node["params"][param], kind))
    return refs


def _names_credential(definition: Any, credential_id: int) -> bool:
    return any(value == credential_id for _, _, value, _ in _credential_refs(definition))


def credential_problems(owner_id: int, definition: Any) -> dict[str, dict[str, list[str]]]:
    """``{node id: {param: [message]}}`` for params of kind credential that name no
    credential of ``owner_id`` of the node's type; for a workflow's save (422) so that a
    run does not fail on it later. A param holding an expression is checked at run time."""
    problems: dict[str, dict[str, list[str]]] = {}
    for node_id, param, value, kind in _credential_refs(definition):
        if isinstance(value, bool) or not isinstance(value, int):
            continue  # an expression (or a type error the params schema reports)
        found = _find(value)
        if found is None or found.owner_id != owner_id:
            message = f"Credential {value} does not exist."
        elif kind is not None and found.type != kind:
            message = f"Credential {value} ({found.name!r}) is of type {found.type!r}; this node needs {kind!r}."
        else:
            continue
        problems.setdefault(node_id, {})[param] = [message]
    return problems


def delete(credential: Credential) -> None:
    """Delete a credential; 409 naming the workflows that still use it."""
    users = credentials_in_use(credential)
    if users:
        abort(409, message="This credential is used by workflows: " + ", ".join(users) + ".",
              errors={"workflows": users})
    db.session.delete(credential)
    db.session.commit()


# -- runs -------------------------------------------------------------------------------------

def decrypt_for_run(owner_id: int, credential_id: Any, expected_type: str) -> Secrets:
    """The decrypted fields of the credential a node names, for the engine.

    Raises :class:`CredentialError` (a NodeError: the step fails without retry) when the
    id is no credential of ``owner_id`` (someone else's reads as missing), the credential
    is of another type, or its data cannot be opened.
    """
    if isinstance(credential_id, bool) or not isinstance(credential_id, int) \
            or not 1 <= credential_id <= CREDENTIAL_ID_MAX:
        raise CredentialError(f"Credential {credential_id!r} is not a credential id.")
    credential = db.session.get(Credential, credential_id)
    if credential is None or credential.owner_id != owner_id:
        raise CredentialError(f"Credential {credential_id} does not exist (or belongs to another user).")
    if credential.type != expected_type:
        raise CredentialError(f"Credential {credential_id} ({credential.name!r}) is of type {credential.type!r}; "
                              f"this node needs a credential of type {expected_type!r}.")
    cred_type = get_credential_type(credential.type)
    try:
        return Secrets(_open(credential), cred_type.secret_fields if cred_type else None)
    except CryptoError as exc:
        raise CredentialError(f"Credential {credential_id} ({credential.name!r}) cannot be decrypted: {exc}.") from None
