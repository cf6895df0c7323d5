"""``flask logs``: statistics and cleanup of the execution history (all users).

    flask logs stats [--top 10] [--json]
    flask logs cleanup --days 30 [--status failed] [--workflow ID] [--dry-run] [--batch-size N]
    flask logs cleanup-status failed --days 7 [--dry-run]
"""
from __future__ import annotations

import json
import sys
import time
from datetime import timedelta
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import select
from tqdm import tqdm

from ..db_types import utcnow
from ..extensions import db
from ..workflows.models import WORKFLOW_ID_MAX, Workflow
from ..engine.models import FINISHED_EXECUTION
from .retention import DEFAULT_BATCH_SIZE, Purge, matching_counts, purge_logs, reclaim_space
from .stats import history_stats

logs_cli = AppGroup("logs", help="Execution history: statistics and cleanup.")

DAYS = click.IntRange(min=1)
STATUS = click.Choice(FINISHED_EXECUTION)
# SQLite binds every id of a batch as one parameter: stay well under its 32,766 limit.
BATCH_SIZE = click.IntRange(min=1, max=20_000)


def _bytes(n: int | None) -> str:
    if n is None:
        return "n/a"
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"


def _table(headers: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    cells = [tuple(str(c) for c in headers), *(tuple("" if c is None else str(c) for c in r) for r in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        click.echo("  ".join(c.rjust(w) if c.replace(",", "").isdigit() else c.ljust(w)
                             for c, w in zip(row, widths)).rstrip())


@logs_cli.command("stats")
@click.option("--top", type=click.IntRange(min=1, max=1000), default=10, show_default=True,
              help="How many of the busiest workflows to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def stats_command(top: int, as_json: bool) -> None:
    """Runs by status and per workflow, oldest and newest run, rows and size on disk."""
    stats = history_stats(top)
    if as_json:
        click.echo(json.dumps(stats, indent=2))
        return
    click.echo(f"Runs: {stats['runs']:,}   steps: {stats['steps']:,}")
    click.echo(f"Oldest run: {stats['oldest_run'] or '-'}   newest run: {stats['newest_run'] or '-'}")
    click.echo("")
    _table(("status", "runs"), [(s, f"{n:,}") for s, n in stats["by_status"].items()])
    click.echo("")
    click.echo(f"Busiest workflows (top {top}):")
    _table(("id", "name", "owner", "runs"),
           [(w["workflow_id"], w["name"], w["owner"], f"{w['runs']:,}") for w in stats["top_workflows"]])
    click.echo("")
    click.echo("On disk (table + indexes):")
    _table(("table", "size", "free"), [
        (name, _bytes(size.get("total_bytes")), _bytes(size["free_bytes"]) if "free_bytes" in size else "")
        for name, size in stats["sizes"].items()
    ])


def run_cleanup(days: int, statuses: tuple[str, ...], workflow_id: int | None, dry_run: bool, batch_size: int,
                jobs: int = 1) -> int:
    """Print what matches; unless a dry run, delete it with a progress bar. Returns the
    number deleted."""
    if workflow_id is not None and db.session.get(Workflow, workflow_id) is None:
        raise click.BadParameter(f"there is no workflow {workflow_id}.", param_hint="'--workflow'")
    cutoff = utcnow() - timedelta(days=days)
    purge = Purge(before=cutoff, statuses=statuses, workflow_id=workflow_id)
    counts = matching_counts(purge)
    total = sum(n for _wf, _status, n in counts)
    click.echo(f"Finished runs ({', '.join(statuses)}) that started before {cutoff.isoformat(timespec='seconds')} "
               f"({days} day(s) ago){f' in workflow {workflow_id}' if workflow_id else ''}: {total:,}")
    if counts:
        names = dict(db.session.execute(select(Workflow.id, Workflow.name).where(
            Workflow.id.in_({wf for wf, _status, _n in counts}))).tuples().all())
        _table(("workflow", "name", "status", "runs"),
               [(wf, names.get(wf, ""), status, f"{n:,}") for wf, status, n in counts])
    if dry_run:
        click.echo("Dry run: nothing deleted.")
        return 0
    if not total:
        click.echo("Nothing to delete.")
        return 0
    started = time.monotonic()
    with tqdm(total=total, unit="run", unit_scale=True, desc="Deleting", file=sys.stderr) as bar:
        deleted = purge_logs(purge, batch_size=batch_size, progress=bar.update, jobs=jobs)
    elapsed = time.monotonic() - started
    click.echo(f"Deleted {deleted:,} run(s) and their steps in {elapsed:.1f} s "
               f"({deleted / elapsed if elapsed else 0:,.0f} runs/s).")
    click.echo(reclaim_space())
    return deleted


@logs_cli.command("cleanup")
@click.option("--days", type=DAYS, required=True, help="Delete runs that started more than DAYS days ago.")
@click.option("--status", type=STATUS, default=None, help="Only runs of this status (default: success and failed).")
@click.option("--workflow", "workflow_id", type=click.IntRange(min=1, max=WORKFLOW_ID_MAX), default=None,
              help="Only this workflow's runs.")
@click.option("--dry-run", is_flag=True, help="Print what would be deleted; delete nothing.")
@click.option("--batch-size", type=BATCH_SIZE, default=DEFAULT_BATCH_SIZE, show_default=True,
              help="Runs deleted per transaction.")
@click.option("--jobs", type=click.IntRange(min=1, max=16), default=1, show_default=True,
              help="PostgreSQL, all workflows: delete in this many parallel parts (one connection each).")
def cleanup_command(days: int, status: str | None, workflow_id: int | None, dry_run: bool, batch_size: int,
                    jobs: int) -> None:
    """Delete finished runs older than --days, with their steps. Queued and running runs
    are never deleted."""
    run_cleanup(days, (status,) if status else FINISHED_EXECUTION, workflow_id, dry_run, batch_size, jobs)


@logs_cli.command("cleanup-status")
@click.argument("status", type=STATUS)
@click.option("--days", type=DAYS, required=True, help="Delete runs that started more than DAYS days ago.")
@click.option("--dry-run", is_flag=True, help="Print what would be deleted; delete nothing.")
@click.option("--batch-size", type=BATCH_SIZE, default=DEFAULT_BATCH_SIZE, show_default=True,
              help="Runs deleted per transaction.")
def cleanup_status_command(status: str, days: int, dry_run: bool, batch_size: int) -> None:
    """Delete finished runs of STATUS older than --days (the historical spelling of
    ``cleanup --status``)."""
    run_cleanup(days, (status,), None, dry_run, batch_size)
