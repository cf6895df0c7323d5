"""``flask nodes list``: every node plugin entry point with its status, for operators."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from .registry import registry

nodes_cli = AppGroup("nodes", help="Installed node types and plugin problems.")

COLUMNS = ("type", "status", "package", "version", "detail")


@nodes_cli.command("list")
@click.option("--problems", "only_problems", is_flag=True, help="Only the entry points that were skipped.")
@click.option("--as-json", is_flag=True, help="One JSON array instead of a table.")
@click.option("--check", is_flag=True, help="Exit with status 1 if any plugin has a problem (for CI).")
def list_command(only_problems: bool, as_json: bool, check: bool) -> None:
    """List node types: loaded, disabled, or skipped with the reason."""
    current = registry()
    entries, problems = current.entries, current.problems()
    shown = problems if only_problems else list(entries)
    if as_json:
        click.echo(json.dumps([e.as_dict() for e in shown], indent=2))
    else:
        rows = [(e.type, str(e.status), e.package or "?", e.package_version or "?",
                 e.message or e.target) for e in shown]
        widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(COLUMNS[:-1])]
        click.echo("  ".join(c.upper().ljust(w) for c, w in zip(COLUMNS, widths + [0])).rstrip())
        for row in rows:
            click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths + [0])).rstrip())
        loaded = len(current.loaded)
        click.echo(f"{loaded} loaded, {len(problems)} with problems, {len(entries) - loaded - len(problems)} disabled")
    if check and problems:
        raise SystemExit(1)
