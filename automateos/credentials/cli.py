"""``flask credentials``: keys and rotation.

    flask credentials generate-key
    flask credentials rotate-key [--new-key KEY] [--batch-size 100]
    flask credentials status
    flask credentials types
"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..extensions import db
from .crypto import CryptoError, generate_key
from .keys import current_keyring
from .models import Credential
from .rotation import DEFAULT_BATCH_SIZE, remaining, rotate
from .types import registry

credentials_cli = AppGroup("credentials", help="Encrypted credentials: keys and rotation.")


@credentials_cli.command("generate-key")
def generate_key_command() -> None:
    """Print a new random key for AUTOMATEOS_ENCRYPTION_KEY."""
    click.echo(generate_key())


@credentials_cli.command("rotate-key")
@click.option("--new-key", envvar="AUTOMATEOS_ENCRYPTION_KEY_NEW", default=None, show_envvar=True,
              help="The key to move every row to (default: the primary AUTOMATEOS_ENCRYPTION_KEY).")
@click.option("--batch-size", type=click.IntRange(min=1, max=10_000), default=DEFAULT_BATCH_SIZE,
              show_default=True, help="Rows per transaction.")
def rotate_key_command(new_key: str | None, batch_size: int) -> None:
    """Re-seal every credential under one key; resumable, one transaction per batch.

    Either set the new key as AUTOMATEOS_ENCRYPTION_KEY with the old one in
    AUTOMATEOS_ENCRYPTION_KEYS_OLD, restart, and run this without --new-key; or give the
    new key here (the app then needs it in AUTOMATEOS_ENCRYPTION_KEY_NEW to read the rows
    already moved). Remove the old key once this reports nothing left.
    """
    ring = current_keyring()
    new_key = new_key or current_app.config.get("ENCRYPTION_KEY_NEW")
    try:
        target = ring.with_primary(new_key) if new_key else ring
    except CryptoError as exc:
        raise click.BadParameter(str(exc), param_hint="--new-key") from None
    click.echo(f"target key {target.primary}: {remaining(target.primary)} credential(s) to re-seal")
    done, failed = 0, []
    for batch in rotate(target, batch_size):
        done += batch.resealed
        failed += batch.failed
        click.echo(f"  re-sealed {done} (up to id {batch.last_id})")
    click.echo(f"done: {done} re-sealed, {remaining(target.primary)} left under other keys")
    if failed:
        raise click.ClickException(
            f"{len(failed)} credential(s) could not be opened with the configured keys: ids {failed[:20]}"
            " - add their key to AUTOMATEOS_ENCRYPTION_KEYS_OLD and run again")


@credentials_cli.command("status")
def status_command() -> None:
    """Key ids of the ring and how many rows each seals."""
    ring = current_keyring()
    counts = dict(db.session.execute(select(Credential.key_id, func.count()).group_by(Credential.key_id)).all())
    for kid in sorted(set(ring.keys) | set(counts)):
        role = "primary" if kid == ring.primary else "accepted" if kid in ring.keys else "MISSING"
        click.echo(f"{kid}  {role:8}  {counts.get(kid, 0)} credential(s)")


@credentials_cli.command("types")
def types_command() -> None:
    """Installed credential types, and the ones that failed to load."""
    for name, cred_type in sorted(registry.all().items()):
        click.echo(f"{name:24} ok       {cred_type.display_name}")
    for problem in registry.problems:
        click.echo(f"{problem.split(':', 1)[0]:24} skipped  {problem.split(':', 1)[1].strip()}")
