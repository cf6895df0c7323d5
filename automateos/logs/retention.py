"""Deleting execution logs: the retention policy, cleanups, and reclaiming the space.

Every deletion goes through :func:`purge_logs`. It walks an index oldest first, one
bounded batch of entries per transaction: it finds where the batch ends on the index
alone, then deletes that key range with one statement. Memory stays flat however many
rows go, locks are held for one batch only (new runs are inserted meanwhile, never
blocked), and only finished runs are ever deleted, so queued and running executions
survive. Steps go with their log through the ``ON DELETE CASCADE`` of their foreign key.

A purge of one owner or one workflow walks ``ix_execution_logs_workflow_status_started``
one (workflow, status) range at a time; a purge of everything walks
``ix_execution_logs_started``, which follows the order the rows were written in, so each
table page is visited once.
"""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator

from flask import current_app
from sqlalchemy import BigInteger, ColumnElement, Connection, Engine, func, literal, select, tuple_
from sqlalchemy.exc import OperationalError

from ..db_types import BIGINT_MAX, UTCDateTime, utcnow
from ..extensions import db
from ..workflows.models import Workflow
from ..engine.models import FINISHED_EXECUTION, ExecutionLog

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 5000
NEVER = datetime(9999, 12, 31, tzinfo=timezone.utc)  # later than any run
WORKFLOW_PAGE = 1000


@dataclass(frozen=True)
class Purge:
    """Which finished runs to delete: started before ``before`` (or, with ``before_id``,
    before the run (before, before_id) in (started_at, id) order), of ``statuses``,
    optionally of one owner or one workflow.

    Parameters:
        before: the cut-off on ``started_at`` (exclusive).
        statuses: a subset of the finished statuses (success, failed).
        owner_id: only this owner's runs.
        workflow_id: only this workflow's runs.
        before_id: makes the cut-off the exact position of one run.
    """

    before: datetime
    statuses: tuple[str, ...] = FINISHED_EXECUTION
    owner_id: int | None = None
    workflow_id: int | None = None
    before_id: int | None = None

    def __post_init__(self) -> None:
        if not self.statuses or not set(self.statuses) <= set(FINISHED_EXECUTION):
            raise ValueError(f"only finished runs can be deleted, not {self.statuses!r}")

    def age_condition(self) -> ColumnElement[bool]:
        """started_at (and id) before the cut-off."""
        if self.before_id is None:
            return ExecutionLog.started_at < self.before
        return _key() < _key_value((self.before, self.before_id))


def _workflow_ids(purge: Purge) -> Iterator[int]:
    """The workflows in the purge's scope, by pages of ids."""
    if purge.workflow_id is not None:
        yield purge.workflow_id
        return
    last = 0
    while True:
        query = select(Workflow.id).where(Workflow.id > last).order_by(Workflow.id).limit(WORKFLOW_PAGE)
        if purge.owner_id is not None:
            query = query.where(Workflow.owner_id == purge.owner_id)
        ids = db.session.scalars(query).all()
        if not ids:
            return
        yield from ids
        last = ids[-1]


def matching_counts(purge: Purge) -> list[tuple[int, str, int]]:
    """(workflow_id, status, count) of the runs the purge would delete."""
    query = (
        select(ExecutionLog.workflow_id, ExecutionLog.status, func.count())
        .where(ExecutionLog.status.in_(purge.statuses), purge.age_condition())
        .group_by(ExecutionLog.workflow_id, ExecutionLog.status)
        .order_by(ExecutionLog.workflow_id, ExecutionLog.status)
    )
    if purge.workflow_id is not None:
        query = query.where(ExecutionLog.workflow_id == purge.workflow_id)
    elif purge.owner_id is not None:
        query = query.where(ExecutionLog.owner_id == purge.owner_id)
    return [(wf, status, n) for wf, status, n in db.session.execute(query)]


def _key() -> ColumnElement:
    return tuple_(ExecutionLog.started_at, ExecutionLog.id)


def _key_value(position: tuple[datetime, int]) -> ColumnElement:
    return tuple_(literal(position[0], UTCDateTime()), literal(position[1], BigInteger()))


def _delete_batch(conn: Connection, walk: list[ColumnElement[bool]], only: list[ColumnElement[bool]],
                  after: tuple[datetime, int] | None, batch_size: int) -> tuple[int, tuple[datetime, int] | None]:
    """Delete the runs among the next ``batch_size`` entries of the walked index range.

    ``walk`` are conditions the index alone answers, ``only`` the other ones (status).
    The batch ends at its last entry, found on the index alone; the runs up to it go in
    one range delete (no list of ids). Returns how many runs went and where the batch
    ended (None: the range is done).
    """
    conditions = [*walk, *([_key() > _key_value(after)] if after is not None else [])]
    batch_end = (select(ExecutionLog.started_at, ExecutionLog.id).where(*conditions)
                 .order_by(ExecutionLog.started_at, ExecutionLog.id).offset(batch_size - 1).limit(1))
    table = ExecutionLog.__table__
    finished = [*only, table.c.status.in_(FINISHED_EXECUTION)]
    if conn.dialect.name == "postgresql":
        # One round trip per batch: find the end, delete up to it, count.
        end = batch_end.cte("batch_end")
        # Without an end (the last batch) the bound is past every run; an OR instead
        # would keep the planner from using the bound in the index scan.
        end_key = tuple_(func.coalesce(select(end.c.started_at).scalar_subquery(), literal(NEVER, UTCDateTime())),
                         func.coalesce(select(end.c.id).scalar_subquery(), literal(BIGINT_MAX, BigInteger())))
        gone = table.delete().where(*conditions, *finished, _key() <= end_key).returning(table.c.id).cte("gone")
        count, end_at, end_id = conn.execute(select(
            select(func.count()).select_from(gone).scalar_subquery(),
            select(end.c.started_at).scalar_subquery(), select(end.c.id).scalar_subquery(),
        )).one()
        return count, None if end_id is None else (end_at, end_id)
    last = conn.execute(batch_end).first()
    if last is not None:
        conditions.append(_key() <= _key_value((last.started_at, last.id)))
    return conn.execute(table.delete().where(*conditions, *finished)).rowcount, None if last is None else tuple(last)


def _delete_batch_retrying(conn: Connection, walk: list[ColumnElement[bool]], only: list[ColumnElement[bool]],
                           after: tuple[datetime, int] | None, batch_size: int) -> tuple[int, tuple[datetime, int] | None]:
    # Parallel jobs can deadlock on a re-run whose original is in the other job's range
    # (its retry_of is set to NULL while the other job deletes it): PostgreSQL cancels one
    # statement, whose batch simply runs again.
    for attempt in range(1, 6):
        try:
            return _delete_batch(conn, walk, only, after, batch_size)
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) != "40P01" or attempt == 5:
                raise
            logger.info("cleanup batch deadlocked with a parallel job, running it again")
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


def _purge_walk(engine: Engine, walk: list[ColumnElement[bool]], only: list[ColumnElement[bool]], batch_size: int,
                progress: Callable[[int], None] | None, after: tuple[datetime, int] | None = None) -> int:
    """Delete, oldest first, the matching runs of an index range (after ``after``), each
    batch committed on its own (an autocommit connection: one statement, one transaction)."""
    deleted = 0
    no_disk_wait = False
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        try:
            while True:
                count, after = _delete_batch_retrying(conn, walk, only, after, batch_size)
                deleted += count
                if count and progress is not None:
                    progress(count)
                if after is None:
                    return deleted
                if not no_disk_wait and conn.dialect.name == "postgresql":
                    # A big purge: losing its last batches in a crash only means the next
                    # cleanup deletes them again, so its commits need not wait for the disk.
                    conn.exec_driver_sql("SET synchronous_commit = off")
                    no_disk_wait = True
        finally:
            if no_disk_wait:
                conn.exec_driver_sql("RESET synchronous_commit")  # the connection goes back to the pool


def _purge_in_parallel(walk: list[ColumnElement[bool]], only: list[ColumnElement[bool]], batch_size: int,
                       progress: Callable[[int], None] | None, jobs: int) -> int:
    """Split the walked range into ``jobs`` consecutive parts of equal size (found on the
    index) and purge them at once, each on its own connection."""
    engine = db.engine
    entries = db.session.scalar(select(func.count()).select_from(ExecutionLog).where(*walk)) or 0
    jobs = max(1, min(jobs, entries // batch_size))
    cuts = [db.session.execute(select(ExecutionLog.started_at, ExecutionLog.id).where(*walk)
                               .order_by(ExecutionLog.started_at, ExecutionLog.id)
                               .offset(entries * part // jobs - 1).limit(1)).first() for part in range(1, jobs)]
    db.session.commit()
    cuts = sorted({tuple(cut) for cut in cuts if cut is not None})  # rows may have gone meanwhile
    ranges = list(zip([None, *cuts], [*cuts, None]))
    lock = threading.Lock()

    def report(count: int) -> None:
        if progress is not None:
            with lock:
                progress(count)

    def purge_range(after: tuple[datetime, int] | None, upto: tuple[datetime, int] | None) -> int:
        bounded = walk if upto is None else [*walk, _key() <= _key_value(upto)]
        return _purge_walk(engine, bounded, only, batch_size, report, after)

    with ThreadPoolExecutor(max_workers=len(ranges), thread_name_prefix="purge") as pool:
        return sum(f.result() for f in [pool.submit(purge_range, a, b) for a, b in ranges])


def purge_logs(purge: Purge, *, batch_size: int = DEFAULT_BATCH_SIZE,
               progress: Callable[[int], None] | None = None, jobs: int = 1) -> int:
    """Delete the runs a purge selects, in batches of ``batch_size`` (each committed);
    ``progress`` is called with the count of every batch. A purge of everyone's runs on
    PostgreSQL can run as ``jobs`` parallel parts. Returns how many were deleted."""
    db.session.commit()  # start from a clean transaction: each batch commits
    if purge.workflow_id is None and purge.owner_id is None:
        walk, only = [purge.age_condition()], [ExecutionLog.status.in_(purge.statuses)]
        if jobs > 1 and db.engine.dialect.name == "postgresql":  # SQLite has one writer anyway
            return _purge_in_parallel(walk, only, batch_size, progress, jobs)
        return _purge_walk(db.engine, walk, only, batch_size, progress)
    deleted = 0
    for workflow_id in _workflow_ids(purge):
        for status in purge.statuses:
            deleted += _purge_walk(db.engine, [ExecutionLog.workflow_id == workflow_id, ExecutionLog.status == status,
                                               purge.age_condition()], [], batch_size, progress)
    return deleted


def _policies() -> Iterator[tuple[int, int | None, int | None]]:
    last = 0
    while True:
        rows = db.session.execute(
            select(Workflow.id, Workflow.retention_days, Workflow.keep_failed_days)
            .where(Workflow.id > last).order_by(Workflow.id).limit(WORKFLOW_PAGE)
        ).all()
        if not rows:
            return
        yield from ((r.id, r.retention_days, r.keep_failed_days) for r in rows)
        last = rows[-1].id


def apply_retention_policy(now: datetime | None = None, *, batch_size: int = DEFAULT_BATCH_SIZE) -> dict[str, int]:
    """Delete the runs past the retention policy; returns counts ``expired`` and ``over_limit``.

    Per workflow: successful runs older than its ``retention_days`` (else
    ``LOG_RETENTION_DAYS``), failed runs older than its ``keep_failed_days`` (else the
    same days as successes), then finished runs beyond the newest
    ``LOG_RETENTION_MAX_PER_WORKFLOW`` runs. A setting of 0 turns that rule off.
    Queued and running runs are never deleted.
    """
    config = current_app.config
    now = now or utcnow()
    default_days = int(config["LOG_RETENTION_DAYS"])
    max_per_workflow = int(config["LOG_RETENTION_MAX_PER_WORKFLOW"])
    report = {"expired": 0, "over_limit": 0}
    for workflow_id, retention_days, keep_failed_days in _policies():
        days = retention_days or default_days
        for status, status_days in (("success", days), ("failed", keep_failed_days or days)):
            if status_days:
                report["expired"] += purge_logs(Purge(before=now - timedelta(days=status_days), statuses=(status,),
                                                      workflow_id=workflow_id), batch_size=batch_size)
        if max_per_workflow:
            last_kept = db.session.execute(
                select(ExecutionLog.started_at, ExecutionLog.id).where(ExecutionLog.workflow_id == workflow_id)
                .order_by(ExecutionLog.started_at.desc(), ExecutionLog.id.desc()).offset(max_per_workflow - 1).limit(1)
            ).first()
            if last_kept is not None:
                report["over_limit"] += purge_logs(Purge(before=last_kept.started_at, before_id=last_kept.id,
                                                         workflow_id=workflow_id), batch_size=batch_size)
    db.session.commit()
    if report["expired"] or report["over_limit"]:
        logger.info("retention deleted %(expired)d expired run(s) and %(over_limit)d over the per-workflow limit", report)
        reclaim_space()
    return report


def reclaim_space() -> str:
    """Make the space of deleted rows reusable, and say what was done.

    SQLite (incremental auto-vacuum, set by migration 0002): ``PRAGMA incremental_vacuum``
    hands the free pages back to the filesystem, then ``wal_checkpoint(TRUNCATE)``
    empties the WAL file. PostgreSQL: autovacuum marks dead rows reusable on its own;
    nothing to run here (see docs/history.md for VACUUM and pg_repack).
    """
    if db.engine.dialect.name != "sqlite":
        return "PostgreSQL: autovacuum makes the freed space reusable (VACUUM ANALYZE to do it now)."
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        page_size = conn.exec_driver_sql("PRAGMA page_size").scalar() or 0
        free_before = conn.exec_driver_sql("PRAGMA freelist_count").scalar() or 0
        incremental = conn.exec_driver_sql("PRAGMA auto_vacuum").scalar() == 2
        if incremental and free_before:
            # executescript steps the pragma to the end; execute() would free one page.
            conn.connection.dbapi_connection.executescript("PRAGMA incremental_vacuum;")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        free_after = conn.exec_driver_sql("PRAGMA freelist_count").scalar() or 0
    returned = (free_before - free_after) * page_size
    if incremental:
        return f"SQLite: incremental vacuum returned {returned / 1e6:.1f} MB to the filesystem."
    return (f"SQLite: {free_after * page_size / 1e6:.1f} MB of free pages will be reused; "
            "run VACUUM to shrink the file (auto_vacuum is off on this database).")
