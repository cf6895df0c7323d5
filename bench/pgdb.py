"""PostgreSQL helpers shared by the benchmarks: each works in a database of its own."""
from __future__ import annotations

import psycopg


def recreate_database(pg_url: str, name: str) -> None:
    """Drop (if left over) and create the benchmark's database."""
    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(pg_url: str, name: str) -> None:
    """Drop the benchmark's database (its connections are closed by force)."""
    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
