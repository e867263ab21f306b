"""Call records in SQLite (stdlib sqlite3, WAL): calls, recordings, errors, call logs; recovery."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

FINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
STATUSES = ("queued", "ringing", "in-progress", *sorted(FINAL_STATUSES))
RECOVERED_STATUS = "failed"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    seq INTEGER PRIMARY KEY,
    sid TEXT NOT NULL UNIQUE,
    account_sid TEXT NOT NULL,
    parent_call_sid TEXT,
    to_address TEXT NOT NULL,
    from_address TEXT NOT NULL,
    status TEXT NOT NULL,
    direction TEXT NOT NULL,
    api_version TEXT NOT NULL,
    caller_name TEXT,
    forwarded_from TEXT,
    created_ms INTEGER NOT NULL,
    created_s INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    start_ms INTEGER,
    answered_ms INTEGER,
    end_ms INTEGER
);
CREATE INDEX IF NOT EXISTS calls_by_account ON calls (account_sid, created_s DESC, seq DESC);
CREATE INDEX IF NOT EXISTS calls_live ON calls (end_ms) WHERE end_ms IS NULL;
CREATE TABLE IF NOT EXISTS recordings (
    sid TEXT PRIMARY KEY,
    call_sid TEXT NOT NULL,
    account_sid TEXT NOT NULL,
    duration INTEGER NOT NULL,
    url TEXT NOT NULL,
    start_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS recordings_by_call ON recordings (call_sid);
CREATE TABLE IF NOT EXISTS errors (
    seq INTEGER PRIMARY KEY,
    call_sid TEXT,
    at_ms INTEGER NOT NULL,
    code INTEGER NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS errors_by_call ON errors (call_sid);
CREATE TABLE IF NOT EXISTS call_logs (
    call_sid TEXT PRIMARY KEY,
    events TEXT NOT NULL,
    requests TEXT NOT NULL,
    errors TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value NOT NULL
);
"""

_CALL_COLUMNS = (
    "sid", "account_sid", "parent_call_sid", "to_address", "from_address", "status", "direction",
    "api_version", "caller_name", "forwarded_from", "created_ms", "created_s", "updated_ms",
    "start_ms", "answered_ms", "end_ms",
)  # fmt: skip
_UPDATED_COLUMNS = ("status", "updated_ms", "start_ms", "answered_ms", "end_ms")
_UPSERT_CALL = (
    f"INSERT INTO calls ({', '.join(_CALL_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _CALL_COLUMNS)}) "
    f"ON CONFLICT(sid) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in _UPDATED_COLUMNS)
)
_SELECT_CALL = f"SELECT {', '.join(_CALL_COLUMNS)}, seq FROM calls"
_HEARTBEAT = "heartbeat_ms"


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One call as stored: addresses, status and its moments in Unix milliseconds (UTC).

    `start_ms` is when the call began for its caller (arrival, or when dialing started; None while
    queued), `answered_ms` when it was answered, `end_ms` when it reached its final status.
    """

    sid: str
    account_sid: str
    to: str
    from_: str
    status: str
    direction: str
    api_version: str
    created_ms: int
    updated_ms: int
    parent_call_sid: str | None = None
    caller_name: str | None = None
    forwarded_from: str | None = None
    start_ms: int | None = None
    answered_ms: int | None = None
    end_ms: int | None = None

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def duration_s(self) -> int | None:
        """Whole seconds from answer to end (0 if never answered); None while live."""
        if self.end_ms is None:
            return None
        if self.answered_ms is None:
            return 0
        return _whole_seconds(self.end_ms - self.answered_ms)

    @property
    def ring_duration_s(self) -> int | None:
        """Seconds from start to answer (or to end if never answered); None while ringing."""
        if self.start_ms is None:
            return None
        stop = self.answered_ms if self.answered_ms is not None else self.end_ms
        return None if stop is None else _whole_seconds(stop - self.start_ms)

    def _row(self) -> tuple[object, ...]:
        return (
            self.sid, self.account_sid, self.parent_call_sid, self.to, self.from_, self.status,
            self.direction, self.api_version, self.caller_name, self.forwarded_from,
            self.created_ms, self.created_ms // 1000, self.updated_ms, self.start_ms,
            self.answered_ms, self.end_ms,
        )  # fmt: skip


def _whole_seconds(ms: int) -> int:
    return (ms + 500) // 1000


def _record(row: Sequence[Any]) -> CallRecord:
    return CallRecord(
        sid=row[0], account_sid=row[1], parent_call_sid=row[2], to=row[3], from_=row[4],
        status=row[5], direction=row[6], api_version=row[7], caller_name=row[8],
        forwarded_from=row[9], created_ms=row[10], updated_ms=row[12], start_ms=row[13],
        answered_ms=row[14], end_ms=row[15],
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class RecordingRecord:
    sid: str
    call_sid: str
    account_sid: str
    duration: int  # whole seconds
    url: str
    start_ms: int  # Unix ms


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    call_sid: str | None
    at_ms: int  # Unix ms
    code: int
    message: str


@dataclass(frozen=True, slots=True)
class CallLog:
    """What one leg did, as the simulation control shows it: events, requests, errors (JSON)."""

    call_sid: str
    events: list[dict[str, Any]]
    requests: list[dict[str, Any]]
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A half-open range [`min_ms`, `max_ms`) of Unix milliseconds; None is unbounded."""

    min_ms: int | None = None
    max_ms: int | None = None

    def __and__(self, other: TimeRange) -> TimeRange:
        return TimeRange(
            _bound(max, self.min_ms, other.min_ms), _bound(min, self.max_ms, other.max_ms)
        )

    @property
    def unbounded(self) -> bool:
        return self.min_ms is None and self.max_ms is None


def _bound(pick: Any, left: int | None, right: int | None) -> int | None:
    if left is None:
        return right
    if right is None:
        return left
    return int(pick(left, right))


@dataclass(frozen=True, slots=True)
class CallFilter:
    """Conditions a listed call meets, all of them (calls-api §7.1); a null time never matches."""

    to: str | None = None
    from_: str | None = None
    status: str | None = None
    parent_call_sid: str | None = None
    start: TimeRange = field(default_factory=TimeRange)
    end: TimeRange = field(default_factory=TimeRange)

    def where(self, account_sid: str) -> tuple[str, list[object]]:
        clauses: list[str] = ["account_sid = ?"]
        args: list[object] = [account_sid]
        for column, value in (
            ("to_address", self.to),
            ("from_address", self.from_),
            ("status", self.status),
            ("parent_call_sid", self.parent_call_sid),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                args.append(value)
        for column, span in (("start_ms", self.start), ("end_ms", self.end)):
            if span.min_ms is not None:
                clauses.append(f"{column} >= ?")
                args.append(span.min_ms)
            if span.max_ms is not None:
                clauses.append(f"{column} < ?")
                args.append(span.max_ms)
        return " AND ".join(clauses), args


@dataclass(frozen=True, slots=True)
class CallPage:
    """One page of a listing: its calls, the index of the first in the whole ordered list, and
    whether any call follows the last one."""

    calls: list[CallRecord]
    start: int
    has_next: bool


class UnknownPageToken(LookupError):
    """A paging token names no call of the listed set."""


_NEWEST_FIRST = "ORDER BY created_s DESC, seq DESC"
_OLDEST_FIRST = "ORDER BY created_s ASC, seq ASC"
_NEWER = "(created_s, seq) > (?, ?)"
_OLDER = "(created_s, seq) < (?, ?)"


class Store:
    """The host's records in one SQLite file in WAL mode, safe to use from any thread.

    Each thread gets its own connection; writes are short transactions, so readers (the API's
    threads) never wait for the writer (the engine's thread). `recover()` closes calls that were
    live when a previous process stopped without closing them.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        connection = self._connection()
        connection.execute("PRAGMA journal_mode = WAL")
        connection.executescript(_SCHEMA)

    # --- connections ---------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is not None:
            return connection
        if self._closed:
            raise sqlite3.ProgrammingError("the store is closed")
        connection = sqlite3.connect(
            self.path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        # WAL with NORMAL sync: a commit survives a crash of the process, only a power loss
        # can take the last ones back, which a development host can afford for its speed.
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = OFF")
        self._local.connection = connection
        with self._lock:
            self._connections.append(connection)
        return connection

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def close(self) -> None:
        """Close every thread's connection; the store cannot be used afterwards."""
        with self._lock:
            self._closed = True
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()
        self._local = threading.local()

    @property
    def journal_mode(self) -> str:
        return str(self._connection().execute("PRAGMA journal_mode").fetchone()[0])

    # --- writing -------------------------------------------------------------------------------

    def save(
        self,
        calls: Iterable[CallRecord] = (),
        recordings: Iterable[RecordingRecord] = (),
        errors: Iterable[ErrorRecord] = (),
        logs: Iterable[CallLog] = (),
    ) -> None:
        """Insert or update records in one transaction (a call's row is replaced by its sid)."""
        call_rows = [record._row() for record in calls]
        recording_rows = [
            (r.sid, r.call_sid, r.account_sid, r.duration, r.url, r.start_ms) for r in recordings
        ]
        error_rows = [(r.call_sid, r.at_ms, r.code, r.message) for r in errors]
        log_rows = [
            (log.call_sid, json.dumps(log.events), json.dumps(log.requests), json.dumps(log.errors))
            for log in logs
        ]
        if not (call_rows or recording_rows or error_rows or log_rows):
            return
        with self._transaction() as connection:
            if call_rows:
                connection.executemany(_UPSERT_CALL, call_rows)
            if recording_rows:
                connection.executemany(
                    "INSERT OR REPLACE INTO recordings VALUES (?, ?, ?, ?, ?, ?)", recording_rows
                )
            if error_rows:
                connection.executemany(
                    "INSERT INTO errors (call_sid, at_ms, code, message) VALUES (?, ?, ?, ?)",
                    error_rows,
                )
            if log_rows:
                connection.executemany(
                    "INSERT OR REPLACE INTO call_logs VALUES (?, ?, ?, ?)", log_rows
                )

    def heartbeat(self, now_ms: int) -> None:
        """Note that the host is alive at `now_ms`: a later `recover()` ends calls there."""
        self.set_meta(_HEARTBEAT, now_ms)

    def set_meta(self, name: str, value: str | int) -> None:
        """Keep a named value (the demo account, the heartbeat) across restarts."""
        self._connection().execute(
            "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value)
        )

    def meta(self, name: str) -> str | int | None:
        row = (
            self._connection().execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        )
        return None if row is None else row[0]

    def recover(self, now_ms: int) -> list[CallRecord]:
        """Close every call left live by a process that stopped: status `failed`, ended at the
        last heartbeat (or its last change, if later; `now_ms` without any heartbeat).
        Returns the closed calls as they are now stored.
        """
        with self._transaction() as connection:
            row = connection.execute(
                "SELECT value FROM meta WHERE name = ?", (_HEARTBEAT,)
            ).fetchone()
            last_alive = row[0] if row is not None else now_ms
            live = [
                _record(found)
                for found in connection.execute(f"{_SELECT_CALL} WHERE end_ms IS NULL ORDER BY seq")
            ]
            closed = []
            for record in live:
                end_ms = max(last_alive, record.updated_ms)
                start_ms = record.start_ms if record.start_ms is not None else record.created_ms
                closed.append(
                    replace(
                        record, status=RECOVERED_STATUS, end_ms=end_ms, updated_ms=end_ms,
                        start_ms=start_ms,
                    )
                )  # fmt: skip
            connection.executemany(_UPSERT_CALL, [record._row() for record in closed])
            connection.execute("DELETE FROM meta WHERE name = ?", (_HEARTBEAT,))
        return closed

    # --- reading -------------------------------------------------------------------------------

    def get_call(self, sid: str, account_sid: str | None = None) -> CallRecord | None:
        """The call `sid`, if it exists (and belongs to `account_sid` when given)."""
        row = self._connection().execute(f"{_SELECT_CALL} WHERE sid = ?", (sid,)).fetchone()
        if row is None or (account_sid is not None and row[1] != account_sid):
            return None
        return _record(row)

    def list_calls(
        self,
        account_sid: str,
        where: CallFilter = CallFilter(),  # noqa: B008 - frozen, so sharing it is harmless
        page_size: int = 50,
        *,
        offset: int = 0,
        after_sid: str | None = None,
        before_sid: str | None = None,
    ) -> CallPage:
        """One page of the account's calls, newest first (calls-api §7.2).

        `after_sid`: the page starting just after that call; `before_sid`: the page ending just
        before it; otherwise the page at `offset`. A token sid that is not in the filtered set
        raises UnknownPageToken.
        """
        clause, args = where.where(account_sid)
        connection = self._connection()
        if after_sid is None and before_sid is None:
            rows = connection.execute(
                f"{_SELECT_CALL} WHERE {clause} {_NEWEST_FIRST} LIMIT ? OFFSET ?",
                [*args, page_size + 1, offset],
            ).fetchall()
            return CallPage(
                [_record(row) for row in rows[:page_size]], offset, len(rows) > page_size
            )
        token = after_sid if after_sid is not None else before_sid
        key = connection.execute(
            f"SELECT created_s, seq FROM calls WHERE {clause} AND sid = ?", [*args, token]
        ).fetchone()
        if key is None:
            raise UnknownPageToken(token)
        newer = connection.execute(
            f"SELECT count(*) FROM calls WHERE {clause} AND {_NEWER}", [*args, *key]
        ).fetchone()[0]
        if after_sid is not None:
            rows = connection.execute(
                f"{_SELECT_CALL} WHERE {clause} AND {_OLDER} {_NEWEST_FIRST} LIMIT ?",
                [*args, *key, page_size + 1],
            ).fetchall()
            calls = [_record(row) for row in rows[:page_size]]
            return CallPage(calls, newer + 1, len(rows) > page_size)
        rows = connection.execute(
            f"{_SELECT_CALL} WHERE {clause} AND {_NEWER} {_OLDEST_FIRST} LIMIT ?",
            [*args, *key, page_size],
        ).fetchall()
        calls = [_record(row) for row in reversed(rows)]
        return CallPage(calls, newer - len(calls), True)

    def live_calls(self) -> list[CallRecord]:
        rows = self._connection().execute(f"{_SELECT_CALL} WHERE end_ms IS NULL ORDER BY seq")
        return [_record(row) for row in rows]

    def recordings(self, call_sid: str) -> list[RecordingRecord]:
        rows = self._connection().execute(
            "SELECT sid, call_sid, account_sid, duration, url, start_ms FROM recordings "
            "WHERE call_sid = ? ORDER BY start_ms, sid",
            (call_sid,),
        )
        return [RecordingRecord(*row) for row in rows]

    def errors(self, call_sids: Iterable[str]) -> list[ErrorRecord]:
        """The errors of these calls, in the order they were recorded."""
        sids = list(call_sids)
        marks = ", ".join("?" for _ in sids)
        rows = self._connection().execute(
            f"SELECT call_sid, at_ms, code, message FROM errors WHERE call_sid IN ({marks}) "
            "ORDER BY seq",
            sids,
        )
        return [ErrorRecord(*row) for row in rows]

    def call_log(self, call_sid: str) -> CallLog | None:
        query = "SELECT events, requests, errors FROM call_logs WHERE call_sid = ?"
        row = self._connection().execute(query, (call_sid,)).fetchone()
        if row is None:
            return None
        events, requests, errors = (json.loads(column) for column in row)
        return CallLog(call_sid, events, requests, errors)

    def children(self, parent_sid: str) -> list[CallRecord]:
        rows = self._connection().execute(
            f"{_SELECT_CALL} WHERE parent_call_sid = ? ORDER BY seq", (parent_sid,)
        )
        return [_record(row) for row in rows]
