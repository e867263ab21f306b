"""`Simulation`: run calls against simulated parties from Python; the pytest fixture `rcml_sim`.

```python
sim = Simulation(flows={"http://app.test/ivr": "<Response><Say>Hi</Say></Response>"})
call = sim.call(from_="+15550001111", to="+15551112222", url="http://app.test/ivr")
result = sim.run()          # the same dict as `rcml run --json`
```
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from rcml import values
from rcml.engine import (
    Account,
    AppCallback,
    Behaviour,
    Direction,
    Endpoints,
    Engine,
    Leg,
    Progress,
    Reaction,
)
from rcml.engine.endpoints import target_address
from rcml.engine.modify import ModifyError, parse_modification
from rcml.http import VIRTUAL_EPOCH
from rcml.interpreter import FetchStart, InlineStart
from rcml.loaders import ScenarioLoader
from rcml.scheduler import Scheduler, VirtualClock, WallClock
from rcml.wsgi import MountedApps, WsgiApp

DEFAULT_FROM = "+15550001111"
DEFAULT_TO = "+15551112222"
WALL_LEAD_S = 0.01
# Without `until`, a run that never settles (a wait document requested forever) stops here.
SAFETY_HORIZON_MS = 86_400_000


def status_callback_events(raw: object) -> tuple[str, ...]:
    """`status_callback_event` as a string of names (spaces/commas) or a list; ValueError."""
    if raw is None:
        return ("completed",)
    if isinstance(raw, str):
        words = raw
    elif isinstance(raw, list | tuple) and all(isinstance(word, str) for word in raw):
        words = " ".join(raw)
    else:
        raise ValueError(f"status_callback_event: expected event names, got {raw!r}")
    try:
        parsed = values.EVENTS.parse(words)
    except ValueError:
        raise ValueError(
            f"status_callback_event: '{words}' is not a list of initiated, ringing, answered, "
            "completed"
        ) from None
    assert isinstance(parsed, tuple)
    return parsed


def modification_params(raw: Mapping[str, object]) -> dict[str, str | list[str]]:
    """Modification parameters given as Python or YAML values, as the REST API receives them:
    booleans as `true`/`false`, numbers as text, a list as a repeated parameter; None: absent.
    ValueError for anything else.
    """
    params: dict[str, str | list[str]] = {}
    for name, value in raw.items():
        if not isinstance(name, str):
            raise ValueError(f"modify: parameter names are text, got {name!r}")
        if value is None:
            continue
        if isinstance(value, list | tuple):
            params[name] = [_param_text(name, item) for item in value]
        else:
            params[name] = _param_text(name, value)
    return params


def _param_text(name: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise ValueError(f"modify.{name}: expected text, a number or true/false, got {value!r}")


class Call:
    """A handle on one leg of a Simulation: act as its remote party, look at its state."""

    def __init__(self, sim: Simulation, leg: Leg) -> None:
        self._sim = sim
        self._leg = leg

    @property
    def sid(self) -> str:
        return self._leg.sid

    @property
    def status(self) -> str:
        return str(self._leg.status)

    @property
    def leg_object(self) -> Leg:
        return self._leg

    def press(self, digits: str) -> Call:
        """The remote party presses keys now."""
        self._sim.act(lambda: self._sim.engine.press(self._leg, digits))
        return self

    def speak(self, text: str, confidence: float = 0.9) -> Call:
        """The remote party says `text` now."""
        self._sim.act(lambda: self._sim.engine.speak(self._leg, text, confidence))
        return self

    def hangup(self) -> Call:
        """The remote party hangs up now."""
        self._sim.act(lambda: self._sim.engine.remote_hangup(self._leg))
        return self

    def modify(self, **params: object) -> Call:
        """Live call modification now, with the REST API's parameters (calls-api.md §8):
        `Url`, `Method`, `Twiml`, `Status`, `FallbackUrl`, `FallbackMethod`, `StatusCallback`,
        `StatusCallbackMethod`, `MoveConnectedCallLeg` (True/False or text). A modification the
        API would reject changes nothing and is recorded in `errors` with its code and message.
        """
        given = modification_params(params)

        def modify() -> None:
            self._sim.modify_leg(self._leg, given)

        self._sim.act(modify)
        return self

    def events(self, *types: str) -> list[dict[str, Any]]:
        """This leg's events so far, in order; only those of `types` when given."""
        return self._sim.events_of(self, types or None)

    @property
    def said(self) -> list[str]:
        """What was said to this leg so far: the text of each `say`, in order."""
        return [event["text"] for event in self.events("say")]

    def requests(self, url: str | None = None) -> list[dict[str, Any]]:
        """The requests made for this leg so far (as in the result); only those to `url` (without
        the parameters GET appends) when given."""
        return [
            record.to_json() for record in self._sim.engine.journal.requests
            if record.call_sid == self.sid and (url is None or record.url == url)
        ]  # fmt: skip

    def leg(self, target: str) -> Call:
        """The latest leg this call dialed (directly or further down) to `target`."""
        address = target_address(target)
        for leg in reversed(self._sim.engine.legs):
            if leg.to == address and _descends_from(leg, self._leg):
                return Call(self._sim, leg)
        raise LookupError(f"{self.sid} has not dialed {target}")

    def __repr__(self) -> str:
        return f"<Call {self.sid} {self.status}>"


def _descends_from(leg: Leg, root: Leg) -> bool:
    parent = leg.parent
    while parent is not None:
        if parent is root:
            return True
        parent = parent.parent
    return False


class Simulation:
    """Calls against scenario maps (`flows`, `http`, `endpoints`) in virtual time.

    Time only moves through `advance()` and `run()`; `clock=WallClock(speed=…)` runs the same
    simulation in (sped-up) real time instead. `apps` mounts WSGI apps (Flask, Django…) at base
    URLs: requests under a base that the maps do not answer are answered by calling the app in
    process, signed as the platform signs them (`rcml.wsgi`).
    """

    def __init__(
        self,
        flows: Mapping[str, str] | None = None,
        http: Mapping[str, Mapping[str, object]] | None = None,
        endpoints: Mapping[str, object] | None = None,
        *,
        account_sid: str | None = None,
        auth_token: str | None = None,
        epoch: datetime = VIRTUAL_EPOCH,
        base_dir: str | Path | None = None,
        clock: VirtualClock | WallClock | None = None,
        apps: Mapping[str, WsgiApp] | None = None,
    ) -> None:
        account = Account()
        if account_sid is not None or auth_token is not None:
            account = Account(account_sid or account.sid, auth_token or account.auth_token)
        if isinstance(clock, WallClock):
            # Restart the clock so that virtual time 0 lies just ahead, then wait for it: the
            # simulation starts at 0 exactly, and (as the scheduler gives every callback its due
            # time) every later instant is exactly what a virtual clock would give.
            clock.origin_s = time.monotonic() + WALL_LEAD_S
            clock.start_ms = 0
        self.scheduler = Scheduler(clock or VirtualClock())
        if isinstance(clock, WallClock):
            self.scheduler.run(0)
        self._base_dir = Path(base_dir) if base_dir is not None else None
        self._flows: dict[str, str] = dict(flows or {})
        self._http: dict[str, Mapping[str, object]] = dict(http or {})
        self._apps = MountedApps(apps)
        self.loader = ScenarioLoader(self._flows, self._http, self._base_dir, apps=self._apps)
        self.engine = Engine(
            self.scheduler, self.loader, account=account, endpoints=Endpoints(endpoints),
            epoch=epoch,
        )  # fmt: skip
        self.calls: list[Call] = []
        self.until: float | None = None  # run()'s default end (a scenario's `until`)

    def configure(
        self,
        flows: Mapping[str, str] | None = None,
        http: Mapping[str, Mapping[str, object]] | None = None,
        endpoints: Mapping[str, object] | None = None,
        apps: Mapping[str, WsgiApp] | None = None,
    ) -> Simulation:
        """Add (or replace) entries of the scenario maps and mounted apps; calls placed later
        see them.
        """
        if flows or http:
            self._flows.update(flows or {})
            self._http.update(http or {})
            loader = ScenarioLoader(
                self._flows, self._http, self._base_dir, self.loader.cache, apps=self._apps
            )
            self.loader = self.engine.loader = loader
        for base, app in (apps or {}).items():
            self._apps.mount(base, app)
        if endpoints:
            for address, behaviour in Endpoints(endpoints).items():
                self.engine.endpoints.set(address, behaviour)
        return self

    # --- calls -----------------------------------------------------------------------------------

    def call(
        self,
        from_: str = DEFAULT_FROM,
        to: str = DEFAULT_TO,
        url: str | None = None,
        method: str = "POST",
        direction: str = "inbound",
        **options: Any,
    ) -> Call:
        """Place a call now: `inbound` (runs `url` while ringing) or `outbound-api` (rings `to`
        as its endpoint says, else answers after `answer_after` s; runs `url` once answered).

        Options: `twiml` (a document instead of `url`), `fallback_url`, `fallback_method`,
        `status_callback`, `status_callback_method`, `status_callback_event`, `caller_name`,
        `forwarded_from`, `timeout` (outbound ring timeout, default 60 s), `answer_after`.
        """
        place = self.placer(from_, to, url, method, direction, **options)
        placed: list[Call] = []
        self.act(lambda: placed.append(place()))
        return placed[0]

    def placer(
        self,
        from_: str = DEFAULT_FROM,
        to: str = DEFAULT_TO,
        url: str | None = None,
        method: str = "POST",
        direction: str = "inbound",
        *,
        twiml: str | None = None,
        fallback_url: str | None = None,
        fallback_method: str = "POST",
        status_callback: str | None = None,
        status_callback_method: str = "POST",
        status_callback_event: object = None,
        caller_name: str | None = None,
        forwarded_from: str | None = None,
        timeout: float = 60,
        answer_after: float = 0,
    ) -> Callable[[], Call]:
        """A checked call, as a function that places it when called (on the scheduler)."""
        start = _start(url, method, twiml, fallback_url, fallback_method)
        engine = self.engine
        place: Callable[[], Leg]
        if direction == Direction.INBOUND:
            callback = None
            if status_callback:
                callback = AppCallback(status_callback, status_callback_method.upper())

            def place() -> Leg:
                return engine.place_inbound(
                    from_, to, start, caller_name=caller_name, forwarded_from=forwarded_from,
                    status_callback=callback,
                )  # fmt: skip
        elif direction == Direction.OUTBOUND_API:
            address = target_address(to)
            behaviour = engine.endpoints.get(address) or Behaviour(
                Reaction.ANSWER, round(answer_after * 1000)
            )
            progress = None
            if status_callback:
                events = frozenset(status_callback_events(status_callback_event))
                progress = Progress(status_callback, status_callback_method.upper(), events)

            def place() -> Leg:
                return engine.place_outbound(
                    from_, address, start, behaviour=behaviour, timeout_ms=round(timeout * 1000),
                    progress=progress,
                )  # fmt: skip
        else:
            raise ValueError(f"direction must be inbound or outbound-api, got {direction!r}")

        def placed() -> Call:
            call = Call(self, place())
            self.calls.append(call)
            return call

        return placed

    def find(self, sid: str) -> Call:
        return Call(self, self.engine.by_sid[sid])

    def modify_leg(self, leg: Leg, params: Mapping[str, str | list[str]]) -> bool:
        """Apply a live modification to `leg` now (on the scheduler); False when rejected, with
        the rejection recorded in `errors` (semantics §8 clarification 5)."""
        try:
            modification = parse_modification(params)
            self.engine.modify(leg.sid, modification)
        except ModifyError as problem:
            self.engine.error(leg, problem.code, problem.message)
            return False
        return True

    # --- time ------------------------------------------------------------------------------------

    @property
    def now(self) -> float:
        """Virtual seconds since the start."""
        return self.scheduler.now_ms / 1000

    def at(self, seconds: float, action: Callable[[], None]) -> None:
        """Schedule `action` at virtual time `seconds` (scripted events)."""
        self.scheduler.call_at(round(seconds * 1000), action)

    def act(self, action: Callable[[], None]) -> None:
        """Do `action` now, on the scheduler, and everything it makes due now."""
        self.scheduler.call_soon(action)
        self.scheduler.run_due()

    def advance(self, seconds: float) -> Simulation:
        """Run virtual time forward by `seconds`."""
        self.scheduler.advance(round(seconds * 1000))
        return self

    def run(self, until: float | None = None) -> dict[str, Any]:
        """Run until nothing is left to do (every call ended, every scripted event run) or until
        virtual time `until`; the result (interfaces.md §3.2).
        """
        scheduler = self.scheduler
        if until is None:
            until = self.until
        if until is None:
            horizon = scheduler.now_ms + SAFETY_HORIZON_MS
            while scheduler.pending and scheduler.now_ms <= horizon and scheduler.step():
                pass
        else:
            scheduler.run(round(until * 1000))
        return self.result()

    # --- results ---------------------------------------------------------------------------------

    def result(self) -> dict[str, Any]:
        return self.engine.result()

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.engine.journal.events

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.engine.journal.errors

    @property
    def requests(self) -> list[dict[str, Any]]:
        return [record.to_json() for record in self.engine.journal.requests]

    def events_of(self, call: Call, types: Iterable[str] | None = None) -> list[dict[str, Any]]:
        wanted = set(types) if types is not None else None
        return [
            event for event in self.events
            if event["call_sid"] == call.sid and (wanted is None or event["type"] in wanted)
        ]  # fmt: skip

    @classmethod
    def from_scenario(cls, source: str | Path | Mapping[str, Any]) -> Simulation:
        """A simulation with a scenario's call placed and its events scheduled (rcml.scenario)."""
        from rcml.scenario import load_scenario

        return load_scenario(source).simulation()


def _start(
    url: str | None, method: str, twiml: str | None, fallback_url: str | None, fallback_method: str
) -> FetchStart | InlineStart:
    if twiml is not None:
        if url is not None:
            raise ValueError("give a call either url or twiml, not both")
        from rcml.xml_reader import parse_xml

        return InlineStart(parse_xml(twiml), None)
    if url is None:
        raise ValueError("a call needs a url (or twiml)")
    return FetchStart(url, method.upper(), fallback_url, fallback_method.upper())


try:  # the pytest plugin (entry point `pytest11`); pytest is a test dependency only
    import pytest
except ImportError:  # pragma: no cover - without pytest there is no plugin to offer
    pass
else:

    @pytest.fixture
    def rcml_sim() -> Simulation:
        """A fresh Simulation with no flows, no http entries and no endpoints."""
        return Simulation()
