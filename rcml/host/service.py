"""The engine-facing service: commands run on the engine's thread, records kept in the store.

API-neutral: the Calls API (Twilio/Restcomm), the simulation control and a later Call Control
view all call these methods with plain values and get records or `ApiError`s back. No Flask.

Commands run on the engine thread (`rcml.host.runtime`); records reach SQLite through the
writer thread, and reads come from the writer's recent records or the store.
"""

from __future__ import annotations

import hmac
import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar, cast
from urllib.parse import urljoin

from rcml.engine import Account, AppCallback, Endpoints, Engine, Leg, Progress, Sids, Status
from rcml.engine.endpoints import parse_behaviour, target_address
from rcml.engine.model import Direction
from rcml.engine.modify import Modification, ModifyError
from rcml.host.config import HostConfig, NumberConfig
from rcml.host.errors import ApiError, NotFound, invalid, not_in_progress
from rcml.host.params import CallOrder, Listing, invalid_page_token
from rcml.host.runtime import Batch, EngineThread, GaugedLoader, StoreWriter
from rcml.host.transport import HostHttpLoader
from rcml.interpreter import FetchStart
from rcml.loaders import Loader
from rcml.scheduler import Scheduler, VirtualClock, WallClock
from rcml.store import (
    CallLog,
    CallPage,
    CallRecord,
    ErrorRecord,
    RecordingRecord,
    Store,
    UnknownPageToken,
)

log = logging.getLogger("rcml.host")

T = TypeVar("T")
HTTP_WORKERS = 16  # threads making document requests; more only contend for the interpreter
HEARTBEAT_MS = 1000
FLUSH_DELAY_MS = 10
MAX_ADVANCE_S = 86_400
# Ended call trees kept in memory (older ones live in the store only), pruned in batches.
KEEP_ENDED_SESSIONS = 1000
PRUNE_BATCH = 1000
_DIGITS = frozenset("0123456789*#")


# --- the service -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallEvents:
    """A leg's events, requests and errors with its descendants' (simulation control)."""

    call_sid: str
    events: list[dict[str, Any]]
    requests: list[dict[str, Any]]
    errors: list[dict[str, Any]]


class HostService:
    """Calls, simulated parties and records for every account of one host.

    `start(base_url)` starts the engine (calls still marked live in the store from an earlier
    process are closed as `failed` first); `stop()` ends it and closes what is still live.
    """

    def __init__(
        self,
        config: HostConfig,
        store: Store,
        *,
        loader: Loader | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.store = store
        self.accounts: dict[str, Account] = {account.sid: account for account in config.accounts}
        self.numbers: Mapping[str, NumberConfig] = config.numbers
        self._own_loader = loader is None
        self._inner_loader: Loader | None = loader  # an HttpLoader is made at start
        self._now = now
        self.base_url = config.base_url()
        self.recovered: list[CallRecord] = []
        self.engine: Engine | None = None
        self.thread: EngineThread | None = None
        self.writer: StoreWriter | None = None
        self._epoch_ms = 0
        self._dirty: dict[str, Leg] = {}
        self._flush_pending = False
        self._saved = {"recordings": 0, "errors": 0}
        self._ended_roots: deque[Leg] = deque()
        self.keep_ended = KEEP_ENDED_SESSIONS
        self.prune_batch = PRUNE_BATCH

    # --- life cycle ----------------------------------------------------------------------------

    @property
    def virtual(self) -> bool:
        return self.config.clock == "virtual"

    def start(self, base_url: str | None = None) -> None:
        if base_url is not None:
            self.base_url = base_url.rstrip("/")
        epoch = self._now()
        self._epoch_ms = int(epoch.timestamp() * 1000)
        self.recovered = self.store.recover(self._epoch_ms)
        for record in self.recovered:
            log.warning("call %s was live when the host stopped: closed as failed", record.sid)
        clock = VirtualClock() if self.virtual else WallClock()
        scheduler = Scheduler(clock)
        if self._inner_loader is None:
            self._inner_loader = HostHttpLoader(workers=HTTP_WORKERS)
        gauge = GaugedLoader(self._inner_loader, threading.Event())
        default = self.config.accounts[0] if self.config.accounts else Account()
        self.engine = Engine(
            scheduler, gauge, account=default, endpoints=Endpoints(self.config.endpoints),
            epoch=epoch, public_url=self.base_url, sids=Sids(deterministic=False),
        )  # fmt: skip
        self.engine.listeners.append(self._status_changed)
        self.writer = StoreWriter(self.store)
        self.thread = EngineThread(scheduler, gauge, self._flush)
        if not self.virtual:
            scheduler.call_soon(self._heartbeat)
        self.thread.start()

    def stop(self) -> None:
        """Stop the engine; calls still live are closed as `failed`, everything is written."""
        thread, writer = self.thread, self.writer
        if thread is None or writer is None:
            return
        if thread.alive:
            self.run(lambda: None)  # whatever is pending is flushed first
        thread.stop()
        self._flush(final=True)
        writer.close()
        now = self._epoch_ms + self._engine().now_ms
        self.store.heartbeat(now)
        self.store.recover(now)
        close = getattr(self._inner_loader, "close", None)
        if self._own_loader and close is not None:
            close()
        self.thread = self.writer = None

    def _engine(self) -> Engine:
        if self.engine is None:
            raise RuntimeError("the host service is not started")
        return self.engine

    def run(self, action: Callable[[], object], render: Callable[[Any], T] | None = None) -> T:
        """Run a command on the engine thread; the reply once the records it shows are written."""
        if self.thread is None or self.writer is None:
            raise RuntimeError("the host service is not started")
        value, ticket = self.thread.call(action, render)
        self.writer.wait(ticket)
        return value

    # --- accounts ------------------------------------------------------------------------------

    def account(self, sid: str, token: str) -> Account | None:
        """The account these credentials open, if any (the token compared in constant time)."""
        found = self.accounts.get(sid)
        candidate = found.auth_token if found is not None else "\0" * len(token)
        matches = hmac.compare_digest(candidate.encode("utf-8"), token.encode("utf-8"))
        return found if found is not None and matches else None

    # --- records -------------------------------------------------------------------------------

    def _to_unix(self, engine_ms: int | None) -> int | None:
        return None if engine_ms is None else self._epoch_ms + engine_ms

    def record(self, leg: Leg) -> CallRecord:
        """The leg as stored, now (times in Unix ms)."""
        status = leg.status.value if leg.status is not None else Status.QUEUED.value
        queued = leg.direction is not Direction.INBOUND and leg.status is Status.QUEUED
        created = self._epoch_ms + leg.created_ms
        return CallRecord(
            sid=leg.sid, account_sid=leg.account.sid, to=leg.to, from_=leg.from_,
            status=status, direction=leg.direction.value, api_version=leg.api_version,
            created_ms=created, updated_ms=self._epoch_ms + self._engine().now_ms,
            parent_call_sid=leg.parent.sid if leg.parent is not None else None,
            caller_name=leg.caller_name, forwarded_from=leg.forwarded_from,
            start_ms=None if queued else created, answered_ms=self._to_unix(leg.answered_ms),
            end_ms=self._to_unix(leg.ended_ms),
        )  # fmt: skip

    def _status_changed(self, leg: Leg, old: Status | None, new: Status, cause: str | None) -> None:
        self._dirty[leg.sid] = leg
        if not self._flush_pending:
            self._flush_pending = True
            # Changes nobody waits for are gathered for a moment, so a busy host writes fewer,
            # larger batches; a reply flushes at once.
            self._engine().scheduler.call_later(0 if self.virtual else FLUSH_DELAY_MS, self._flush)
        session = leg.session
        if leg.final and session is not None and session.root is leg:
            self._ended_roots.append(leg)

    def _flush(self, final: bool = False) -> int:
        """Hand what changed since the last flush to the writer (engine thread); its ticket."""
        self._flush_pending = False
        engine, writer = self._engine(), self.writer
        assert writer is not None
        calls = [self.record(leg) for leg in self._dirty.values()]
        self._dirty.clear()
        recordings = self._new_recordings(engine)
        errors = self._new_errors(engine)
        if final:
            logs = self._logs_of(engine, {leg.sid for leg in engine.legs})
        else:
            logs = self._prune(engine)
        if not (calls or recordings or errors or logs):
            return writer.last_ticket
        alive = self._epoch_ms + engine.now_ms
        return writer.submit(Batch(calls, recordings, errors, logs, alive))

    def _new_recordings(self, engine: Engine) -> list[RecordingRecord]:
        start = self._saved["recordings"]
        if start == len(engine.recordings):
            return []
        fresh = engine.recordings[start:]
        self._saved["recordings"] = len(engine.recordings)
        return [
            RecordingRecord(
                r.sid,
                r.call_sid,
                _account_of(engine, r.call_sid),
                r.duration,
                r.url,
                self._epoch_ms + r.start_ms,
            )  # fmt: skip
            for r in fresh
        ]

    def _new_errors(self, engine: Engine) -> list[ErrorRecord]:
        start = self._saved["errors"]
        fresh = engine.journal.errors[start:]
        self._saved["errors"] = len(engine.journal.errors)
        return [
            ErrorRecord(
                e["call_sid"], self._epoch_ms + round(e["at"] * 1000), e["code"], e["message"]
            )
            for e in fresh
        ]

    def _heartbeat(self) -> None:
        engine, writer = self._engine(), self.writer
        assert writer is not None
        now = self._to_unix(engine.now_ms)
        writer.submit(Batch([], [], [], [], now))
        engine.scheduler.call_later(HEARTBEAT_MS, self._heartbeat)

    def _prune(self, engine: Engine) -> list[CallLog]:
        """Move ended call trees beyond the newest `keep_ended` out of memory into the store's
        logs, once `prune_batch` more than that have piled up.

        A long-running host would otherwise hold every leg and journal entry forever. A tree
        goes when all its legs are final and none of its requests is still in flight.
        """
        keep = self.keep_ended
        if len(self._ended_roots) <= keep + self.prune_batch:
            return []
        gauge = self._gauge(engine)
        gone: set[str] = set()
        held: list[Leg] = []
        while len(self._ended_roots) > keep:
            root = self._ended_roots.popleft()
            parties = root.session.parties if root.session is not None else [root]
            if any(not leg.final or leg.sid in gauge.by_call for leg in parties):
                held.append(root)
                continue
            gone.update(leg.sid for leg in parties)
        self._ended_roots.extendleft(reversed(held))
        if not gone:
            return []
        logs = self._logs_of(engine, gone)
        engine.forget(gone)
        # Errors and recordings are in the store already (flushed before pruning): the
        # watermarks follow what is left.
        self._saved = {"recordings": len(engine.recordings), "errors": len(engine.journal.errors)}
        return logs

    def _gauge(self, engine: Engine) -> GaugedLoader:
        return cast(GaugedLoader, engine.loader)

    def _logs_of(self, engine: Engine, sids: set[str]) -> list[CallLog]:
        journal = engine.journal
        logs = {sid: CallLog(sid, [], [], []) for sid in sids}
        for event in journal.events:
            if event["call_sid"] in logs:
                logs[event["call_sid"]].events.append(self._timestamped(event))
        for record in journal.requests:
            if record.call_sid in logs:
                logs[record.call_sid].requests.append(self._timestamped(record.to_json()))
        for error in journal.errors:
            if error["call_sid"] in logs:
                logs[error["call_sid"]].errors.append(self._timestamped(error))
        return list(logs.values())

    def _timestamped(self, entry: dict[str, Any]) -> dict[str, Any]:
        stamped = dict(entry)
        unix_ms = self._epoch_ms + round(entry["at"] * 1000)
        stamped["timestamp"] = rfc3339(unix_ms)
        return stamped

    # --- reading calls -------------------------------------------------------------------------

    def sync(self) -> None:
        """Virtual clock: wait until everything due now is done (wall clock: nothing to wait)."""
        if self.virtual:
            self.run(lambda: None)

    def get_call(self, account: Account, sid: str) -> CallRecord:
        self.sync()
        writer = self.writer
        found = writer.recent.get(sid) if writer is not None else None
        if found is None:
            found = self.store.get_call(sid)
        if found is None or found.account_sid != account.sid:
            raise NotFound(sid)
        return found

    def list_calls(self, account: Account, listing: Listing) -> CallPage:
        self.sync()
        try:
            return self.store.list_calls(
                account.sid, listing.where, listing.page_size, offset=listing.offset,
                after_sid=listing.after_sid, before_sid=listing.before_sid,
            )  # fmt: skip
        except UnknownPageToken:
            raise invalid_page_token() from None

    # --- commands ------------------------------------------------------------------------------

    def _leg(self, account: Account, sid: str) -> Leg:
        """A leg of this account that the engine still holds (engine thread)."""
        leg = self._engine().by_sid.get(sid)
        if leg is None or leg.account.sid != account.sid:
            if self.store.get_call(sid, account.sid) is not None:
                raise _Ended()
            raise NotFound(sid)
        return leg

    def create_call(self, account: Account, order: CallOrder, api_version: str) -> CallRecord:
        """An outbound-api call (calls-api §5.2): its record as created (`queued`)."""

        def place() -> CallRecord:
            engine = self._engine()
            progress = None
            if order.status_callback is not None:
                progress = Progress(
                    order.status_callback, order.status_callback_method,
                    order.status_callback_events,
                )  # fmt: skip
            leg = engine.place_outbound(
                order.from_, order.to, order.start, behaviour=engine.endpoints.behaviour(order.to),
                timeout_ms=order.timeout_s * 1000, progress=progress, account=account,
                api_version=api_version, headers=order.headers, sip_auth=order.sip_credentials,
            )  # fmt: skip
            created = self.record(leg)
            return replace(
                created, status=Status.QUEUED.value, updated_ms=created.created_ms,
                start_ms=None, answered_ms=None, end_ms=None,
            )  # fmt: skip

        return self.run(place)

    def modify_call(self, account: Account, sid: str, change: Modification) -> CallRecord:
        """Live modification (calls-api §8): the engine checks the call's state (checks 7, 8)
        and applies the change; the record as it is after the synchronous part of the change.
        """

        def apply() -> Leg:
            try:
                leg = self._leg(account, sid)
                return self._engine().modify(leg.sid, change)
            except _Ended:
                raise not_in_progress(redirect=True) from None
            except ModifyError as error:
                raise ApiError(error.status, error.code, error.message) from None

        return self.run(apply, self.record)

    # --- simulation control --------------------------------------------------------------------

    def number(self, account: Account, to: str) -> NumberConfig:
        entry = self.numbers.get(to)
        if entry is None or entry.account_sid != account.sid:
            raise ApiError(404, 20404, f"The number {to} is not configured for this account")
        return entry

    def place_inbound(
        self,
        account: Account,
        from_: str,
        to: str,
        caller_name: str | None = None,
        forwarded_from: str | None = None,
    ) -> CallRecord:
        """A call from `from_` to a configured number (§3.3), as it is after its first step."""
        entry = self.number(account, to)
        start = FetchStart(
            self.resolve(entry.voice_url), entry.voice_method,
            self.resolve(entry.voice_fallback_url) if entry.voice_fallback_url else None,
            entry.voice_fallback_method,
        )  # fmt: skip
        callback = None
        if entry.status_callback is not None:
            callback = AppCallback(
                self.resolve(entry.status_callback), entry.status_callback_method
            )

        def place() -> Leg:
            return self._engine().place_inbound(
                from_, to, start, caller_name=caller_name, forwarded_from=forwarded_from,
                status_callback=callback, account=account, api_version="2012-04-24",
            )  # fmt: skip

        return self.run(place, self.record)

    def resolve(self, url: str) -> str:
        """A configured URL: absolute as is, `/path` on the host's public address."""
        if not url.startswith("/"):
            return url
        return urljoin(self.base_url + "/", url.lstrip("/"))

    def _remote(self, account: Account, sid: str, act: Callable[[Engine, Leg], None]) -> CallRecord:
        def apply() -> Leg:
            try:
                leg = self._leg(account, sid)
            except _Ended:
                raise not_in_progress(redirect=False) from None
            if leg.final:
                raise not_in_progress(redirect=False)
            act(self._engine(), leg)
            return leg

        return self.run(apply, self.record)

    def press(self, account: Account, sid: str, digits: str) -> CallRecord:
        if not digits or not set(digits) <= _DIGITS:
            raise invalid("Invalid digits: must be keys from 0-9, * and #")
        return self._remote(account, sid, lambda engine, leg: engine.press(leg, digits))

    def speak(self, account: Account, sid: str, text: str, confidence: float = 0.9) -> CallRecord:
        return self._remote(account, sid, lambda engine, leg: engine.speak(leg, text, confidence))

    def hang_up(self, account: Account, sid: str) -> CallRecord:
        return self._remote(account, sid, lambda engine, leg: engine.remote_hangup(leg))

    def set_endpoint(self, target: str, behaviour: Mapping[str, object]) -> dict[str, object]:
        """How a target behaves when dialed from now on; ValueError when the input is bad."""
        address = target_address(target)
        parsed = parse_behaviour("behaviour", dict(behaviour))

        def apply() -> dict[str, object]:
            self._engine().endpoints.set(address, parsed)
            return {"target": address, **parsed.to_json()}

        return self.run(apply)

    def require_virtual_clock(self) -> None:
        if not self.virtual:
            raise ApiError(409, 20001, "The clock is wall-clock; advancing needs --clock virtual")

    def advance(self, seconds: float) -> float:
        """Virtual clock only: run time forward; the new time in seconds since the epoch."""
        self.require_virtual_clock()
        thread = self.thread
        assert thread is not None

        def move() -> float:
            thread.advance(round(seconds * 1000))
            return self._engine().now_ms / 1000

        return self.run(move)

    def call_events(self, account: Account, sid: str) -> CallEvents:
        """Events, requests and errors of a leg and its descendants, in order."""

        def collect() -> CallEvents:
            engine = self._engine()
            leg = engine.by_sid.get(sid)
            if leg is not None and leg.account.sid == account.sid:
                return self._live_events(engine, leg)
            return self._stored_events(account, sid)

        return self.run(collect)

    def _live_events(self, engine: Engine, leg: Leg) -> CallEvents:
        sids = {leg.sid}
        for other in engine.legs:
            parent = other.parent
            while parent is not None:
                if parent.sid in sids or parent is leg:
                    sids.add(other.sid)
                    break
                parent = parent.parent
        journal = engine.journal
        return CallEvents(
            leg.sid,
            [self._timestamped(event) for event in journal.events if event["call_sid"] in sids],
            [
                self._timestamped(record.to_json())
                for record in journal.requests
                if record.call_sid in sids
            ],
            [self._timestamped(error) for error in journal.errors if error["call_sid"] in sids],
        )

    def _stored_events(self, account: Account, sid: str) -> CallEvents:
        record = self.store.get_call(sid, account.sid)
        if record is None:
            raise NotFound(sid)
        sids = [sid]
        for parent in sids:
            sids.extend(child.sid for child in self.store.children(parent))
        logs = [found for each in sids if (found := self.store.call_log(each)) is not None]
        # Each leg's entries are in order; the legs' are merged by time (stable: a leg's order
        # is kept among entries of the same instant).
        return CallEvents(
            sid,
            sorted((e for log in logs for e in log.events), key=_at),
            sorted((r for log in logs for r in log.requests), key=_at),
            sorted((e for log in logs for e in log.errors), key=_at),
        )


def _at(entry: dict[str, Any]) -> float:
    return float(entry["at"])


class _Ended(Exception):
    """The call exists in the store but the engine no longer holds it: it has ended."""


def _account_of(engine: Engine, call_sid: str) -> str:
    leg = engine.by_sid.get(call_sid)
    return leg.account.sid if leg is not None else ""


def rfc3339(unix_ms: int) -> str:
    instant = datetime.fromtimestamp(unix_ms / 1000, tz=UTC)
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"
