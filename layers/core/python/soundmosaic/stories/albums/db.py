"""The albums SQL database: one schema with numbered migrations, writes, read-only queries.

Migrations are the ``migrations/NNN_name.sql`` files, applied in order, each once, inside a
transaction that also records it in ``schema_version`` (``version``, ``name``, ``applied_at``).
Two backends speak the same portable SQL with ``:name`` parameters:

- ``sqlite:///PATH``: SQLite (``sqlite3``, stdlib) locally; the default is
  ``$SOUNDMOSAIC_DATA_DIR/albums.sqlite3`` (``.data`` when unset).
- ``rds-data://CLUSTER_ARN?secret=SECRET_ARN&database=NAME``: Aurora Serverless v2 PostgreSQL
  in AWS through the RDS Data API (boto3 ``rds-data``; no driver or VPC link in the Lambda).

``query(sql)`` runs one read-only statement: a statement that is not a single ``SELECT`` /
``WITH`` is refused, and it runs in SQLite with an authorizer that denies every action but
reading (and ``PRAGMA query_only``), so a ``WITH ... DELETE`` or a function with side effects is
refused by the engine, not only by the check. ``artist_id`` copies only that artist's rows into
a private in-memory database first, so a query cannot reach another tenant's rows.

Environment variables
---------------------
ALBUMS_DATABASE_URL
    Where the database is (see above).
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlparse

from soundmosaic.platform import clock

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
TABLES = ("albums", "tracks", "prompts", "assets", "runs")
MAX_ROWS = 1000
_MIGRATION = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
_READ_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION}
_lock = threading.Lock()
SCHEMA_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
    "applied_at TEXT NOT NULL)"
)


class QueryRefused(ValueError):
    """A statement the read-only query refuses (a write, several statements, bad SQL)."""


class Backend(Protocol):
    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]: ...

    @contextmanager
    def transaction(self) -> Iterator[None]: ...


def migrations() -> list[tuple[int, str, str]]:
    """``(version, name, sql)`` of every migration file, in order (numbers must not repeat)."""
    found = []
    for path in sorted(MIGRATIONS.iterdir()):
        match = _MIGRATION.match(path.name)
        if match:
            found.append((int(match[1]), match[2], path.read_text()))
    versions = [v for v, _, _ in found]
    assert versions == sorted(set(versions)), f"migration numbers repeat: {versions}"
    return found


def statements(sql: str) -> list[str]:
    """The statements of a migration file (comments dropped; split on ``;`` at line ends)."""
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in re.split(r";\s*(?:\n|$)", body) if s.strip()]


class SQLite:
    """A SQLite file (one connection per call: the local stack runs handlers on threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA foreign_keys = ON")
        return connection

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            return [dict(r) for r in connection.execute(sql, dict(params or {})).fetchall()]
        connection = self._connect()
        try:
            return [dict(r) for r in connection.execute(sql, dict(params or {})).fetchall()]
        finally:
            connection.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        connection = self._connect()
        connection.execute("BEGIN IMMEDIATE")
        self._local.connection = connection
        try:
            yield
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        finally:
            self._local.connection = None
            connection.close()


class DataApi:
    """Aurora PostgreSQL through the RDS Data API."""

    def __init__(self, cluster_arn: str, secret_arn: str, database: str) -> None:
        from soundmosaic.platform import aws

        self.client = aws.client("rds-data")
        self.target = {"resourceArn": cluster_arn, "secretArn": secret_arn, "database": database}
        self._local = threading.local()

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        extra = {"transactionId": self._local.tx} if getattr(self._local, "tx", None) else {}
        reply = self.client.execute_statement(
            **self.target,
            **extra,
            sql=sql,
            includeResultMetadata=True,
            parameters=[_param(k, v) for k, v in (params or {}).items()],
        )
        names = [c["name"] for c in reply.get("columnMetadata", [])]
        return [dict(zip(names, (_value(f) for f in row), strict=True)) for row in reply.get("records", [])]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        tx = self.client.begin_transaction(**self.target)["transactionId"]
        self._local.tx = tx
        try:
            yield
            self.client.commit_transaction(
                resourceArn=self.target["resourceArn"], secretArn=self.target["secretArn"], transactionId=tx
            )
        except BaseException:
            self.client.rollback_transaction(
                resourceArn=self.target["resourceArn"], secretArn=self.target["secretArn"], transactionId=tx
            )
            raise
        finally:
            self._local.tx = None


def _param(name: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {"name": name, "value": {"isNull": True}}
    if isinstance(value, bool):
        return {"name": name, "value": {"booleanValue": value}}
    if isinstance(value, int):
        return {"name": name, "value": {"longValue": value}}
    if isinstance(value, float):
        return {"name": name, "value": {"doubleValue": value}}
    return {"name": name, "value": {"stringValue": str(value)}}


def _value(field: dict[str, Any]) -> Any:
    if field.get("isNull"):
        return None
    return next(iter(field.values()))


def url() -> str:
    given = os.environ.get("ALBUMS_DATABASE_URL")
    if given:
        return given
    return f"sqlite:///{Path(os.environ.get('SOUNDMOSAIC_DATA_DIR', '.data')).resolve() / 'albums.sqlite3'}"


def connect(database_url: str | None = None) -> Backend:
    """The backend for ``database_url`` (default: ``url()``), migrated to the newest schema."""
    parsed = urlparse(database_url or url())
    backend: Backend
    if parsed.scheme == "sqlite":
        backend = SQLite(Path("/" + parsed.path.lstrip("/")))  # sqlite:///abs and sqlite:////abs
    elif parsed.scheme == "rds-data":
        query = parse_qs(parsed.query)
        backend = DataApi(
            f"{parsed.netloc}{parsed.path}", query["secret"][0], query.get("database", ["albums"])[0]
        )
    else:
        raise ValueError(f"ALBUMS_DATABASE_URL: unknown scheme {parsed.scheme!r} (sqlite or rds-data)")
    migrate(backend)
    return backend


def migrate(backend: Backend) -> list[int]:
    """Apply the migrations not yet recorded in ``schema_version``; returns those applied."""
    with _lock:
        backend.execute(SCHEMA_VERSION_TABLE)
        done = {int(r["version"]) for r in backend.execute("SELECT version FROM schema_version")}
        applied = []
        for version, name, sql in migrations():
            if version in done:
                continue
            with backend.transaction():
                for statement in statements(sql):
                    backend.execute(statement)
                backend.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (:v, :n, :t)",
                    {"v": version, "n": name, "t": clock.iso()},
                )
            applied.append(version)
        return applied


def version(backend: Backend) -> int:
    rows = backend.execute("SELECT MAX(version) AS v FROM schema_version")
    return int(rows[0]["v"] or 0)


# --- read-only queries ---------------------------------------------------------------------------


def _authorize(action: int, *_: Any) -> int:
    return sqlite3.SQLITE_OK if action in _READ_ACTIONS else sqlite3.SQLITE_DENY


def check_read_only(sql: str) -> str:
    text = sql.strip().rstrip(";").strip()
    if not text:
        raise QueryRefused("the query is empty")
    if not sqlite3.complete_statement(text + ";") or ";" in _without_literals(text):
        raise QueryRefused("one SELECT statement only")
    if not re.match(r"^(select|with)\b", text, re.I):
        raise QueryRefused("read-only: only SELECT (or WITH ... SELECT) is allowed")
    return text


def _without_literals(sql: str) -> str:
    return re.sub(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"", "''", sql)


def query(
    backend: Backend, sql: str, artist_id: str | None = None, limit: int = MAX_ROWS
) -> tuple[list[str], list[Sequence[Any]]]:
    """Column names and up to ``limit`` rows of one read-only statement (see the module docstring)."""
    text = check_read_only(sql)
    if isinstance(backend, SQLite) and artist_id is None:
        connection = sqlite3.connect(f"file:{backend.path}?mode=ro", uri=True)
    else:
        connection = _tenant_copy(backend, artist_id)
    try:
        connection.execute("PRAGMA query_only = ON")
        connection.set_authorizer(_authorize)
        try:
            cursor = connection.execute(text)
            rows = cursor.fetchmany(limit)
        except sqlite3.DatabaseError as err:
            raise QueryRefused(f"the query failed: {err}") from err
        return [d[0] for d in cursor.description or ()], [tuple(r) for r in rows]
    finally:
        connection.close()


def _tenant_copy(backend: Backend, artist_id: str | None) -> sqlite3.Connection:
    """An in-memory database with the schema, its versions and (only) ``artist_id``'s rows."""
    copy = sqlite3.connect(":memory:")
    copy.execute(SCHEMA_VERSION_TABLE)
    for row in backend.execute("SELECT version, name, applied_at FROM schema_version"):
        copy.execute("INSERT INTO schema_version VALUES (:version, :name, :applied_at)", row)
    for _, _, sql in migrations():
        for statement in statements(sql):
            copy.execute(statement)
    for table in TABLES:
        where, params = ("WHERE artist_id = :a", {"a": artist_id}) if artist_id else ("", {})
        rows = backend.execute(f"SELECT * FROM {table} {where}", params)  # noqa: S608 (fixed names)
        for row in rows:
            columns = ", ".join(row)
            copy.execute(
                f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + c for c in row)})",  # noqa: S608
                row,
            )
    copy.commit()
    return copy
