"""The call model: accounts, legs with the status lifecycle of semantics §3, sessions, sids."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rcml.engine.modify import Handover
    from rcml.engine.runner import Runner


class Status(StrEnum):
    QUEUED = "queued"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    BUSY = "busy"
    FAILED = "failed"
    NO_ANSWER = "no-answer"
    CANCELED = "canceled"


FINAL = frozenset({Status.COMPLETED, Status.BUSY, Status.FAILED, Status.NO_ANSWER, Status.CANCELED})

# Semantics §3.2: every transition that exists. Final statuses never change.
TRANSITIONS: dict[Status | None, frozenset[Status]] = {
    None: frozenset({Status.RINGING, Status.QUEUED}),
    Status.QUEUED: frozenset({Status.RINGING, Status.BUSY, Status.FAILED, Status.CANCELED}),
    Status.RINGING: frozenset(
        {
            Status.IN_PROGRESS,
            Status.BUSY,
            Status.NO_ANSWER,
            Status.COMPLETED,
            Status.FAILED,
            Status.CANCELED,
        }
    ),  # fmt: skip
    Status.IN_PROGRESS: frozenset({Status.COMPLETED}),
}


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND_API = "outbound-api"
    OUTBOUND_DIAL = "outbound-dial"


DEFAULT_ACCOUNT_SID = "AC" + "0" * 32
DEFAULT_AUTH_TOKEN = "0" * 32
SIMULATION_API_VERSION = "2012-04-24"


@dataclass(frozen=True, slots=True)
class Account:
    """Who owns calls: requests are signed with `auth_token`."""

    sid: str = DEFAULT_ACCOUNT_SID
    auth_token: str = DEFAULT_AUTH_TOKEN


class Sids:
    """New sids: per-prefix counters (`CA…01`, `CA…02`…) for simulations, random on the host."""

    def __init__(self, deterministic: bool = True) -> None:
        self.deterministic = deterministic
        self._counters: dict[str, itertools.count[int]] = {}

    def new(self, prefix: str) -> str:
        if not self.deterministic:
            return prefix + secrets.token_hex(16)
        counter = self._counters.get(prefix)
        if counter is None:
            counter = self._counters[prefix] = itertools.count(1)
        return f"{prefix}{next(counter):032x}"


@dataclass(slots=True)
class Progress:
    """A call-progress callback registration (semantics §6.1): events selected, and sent so far."""

    url: str
    method: str
    events: frozenset[str]
    sequence: int = 0
    sent: set[str] = field(default_factory=set)


@dataclass(slots=True)
class AppCallback:
    """A number's application callback (semantics §6.2): one request at the final status."""

    url: str
    method: str = "POST"


class Session:
    """One telephony session (call tree): its root leg and every leg of the tree as parties.

    Legs know their session and party number, so a Call Control view can be laid over them.
    """

    __slots__ = ("id", "root", "parties")

    def __init__(self, session_id: str, root: Leg) -> None:
        self.id = session_id
        self.root = root
        self.parties: list[Leg] = []

    def join(self, leg: Leg) -> int:
        self.parties.append(leg)
        return len(self.parties)


class Leg:
    """One call resource (a CallSid): its addresses, status, times and what it is doing now.

    `runner` runs the leg's own program (its documents, or a callee's screening document);
    `aux` runs a wait program (conference or queue wait music) or a `<Queue>` url document beside
    a main runner that is waiting in the room or queue. `activity` is what the leg is part of
    (a Dial it was dialed by, a bridge), told when the leg answers or ends.
    """

    __slots__ = (
        "sid", "account", "parent", "direction", "from_", "to", "status", "created_ms",
        "answered_ms", "ended_ms", "api_version", "caller_name", "forwarded_from", "headers",
        "base_params", "runner", "aux", "activity", "progress", "app_callback", "session",
        "party", "remote_timer", "behaviour", "start", "extra", "burst_at", "burst", "handover",
        "final", "sip_auth",
    )  # fmt: skip

    def __init__(
        self,
        sid: str,
        account: Account,
        direction: Direction,
        from_: str,
        to: str,
        created_ms: int,
        *,
        parent: Leg | None = None,
        api_version: str = SIMULATION_API_VERSION,
        caller_name: str | None = None,
        forwarded_from: str | None = None,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.sid = sid
        self.account = account
        self.parent = parent
        self.direction = direction
        self.from_ = from_
        self.to = to
        self.status: Status | None = None
        # Whether `status` is in FINAL: kept by Engine.set_status (the only writer of `status`),
        # because the engine asks at almost every step.
        self.final = False
        self.created_ms = created_ms
        self.answered_ms: int | None = None
        self.ended_ms: int | None = None
        self.api_version = api_version
        self.caller_name = caller_name
        self.forwarded_from = forwarded_from
        self.headers = headers
        self.base_params: dict[str, str] = {}
        self.runner: Runner | None = None
        self.aux: Runner | None = None
        self.activity: Any = None
        self.progress: Progress | None = None
        self.app_callback: AppCallback | None = None
        self.session: Session | None = None
        self.party = 0
        self.remote_timer: Any = None  # the simulated remote party's next move (answer, hang up)
        self.behaviour: Any = None
        self.start: Any = None  # outbound-api: the document to run once answered
        self.extra: dict[str, Any] | None = None  # e.g. Client <Parameter>s sent to the party
        self.burst_at = -1  # the instant of the last document request, and how many were made
        self.burst = 0
        self.handover: Handover | None = None  # a modification's document waiting to start
        # SIP credentials (username, password) a REST create gave for a sip: target: recorded,
        # with no effect on the simulated party (calls-api §5.1).
        self.sip_auth: tuple[str, str] | None = None

    @property
    def answered(self) -> bool:
        return self.answered_ms is not None

    @property
    def remote_address(self) -> str:
        """The remote party: the caller of an inbound leg, the called party otherwise."""
        return self.from_ if self.direction is Direction.INBOUND else self.to

    def __repr__(self) -> str:
        return f"<Leg {self.sid} {self.direction} {self.from_} -> {self.to} {self.status}>"


@dataclass(frozen=True, slots=True)
class Recording:
    """A Recording resource: its sid, call, duration in whole seconds and media URL."""

    sid: str
    call_sid: str
    duration: int
    url: str
    start_ms: int


StatusListener = Callable[[Leg, "Status | None", Status, "str | None"], None]
