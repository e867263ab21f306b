"""Scenario files (interfaces.md §3.1): read, check, and run them as a Simulation."""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rcml.engine.endpoints import target_address
from rcml.testing import (
    DEFAULT_FROM,
    DEFAULT_TO,
    Call,
    Simulation,
    modification_params,
    status_callback_events,
)
from rcml.yaml_places import YamlSyntaxError, place_of, read_yaml

TOP_KEYS = ("flows", "http", "endpoints", "call", "calls", "events", "until", "apps")
# `apps` (an rcml extension): base URL -> "module:attribute" of a WSGI app answered in process.
_APP_REF = re.compile(r"([A-Za-z_][\w.]*):([A-Za-z_][\w.]*)", re.ASCII)
CALL_KEYS = (
    "direction", "from", "to", "caller_name", "forwarded_from", "url", "method", "fallback_url",
    "fallback_method", "status_callback", "status_callback_method", "status_callback_event",
    "timeout", "answer_after",
)  # fmt: skip
MORE_CALL_KEYS = ("name", "at", *CALL_KEYS)  # entries of `calls` (an rcml extension)
ACTIONS = ("digits", "speech", "hangup", "modify")
EVENT_KEYS = ("at", "call", "caller", "confidence", *ACTIONS)
MAIN = "main"
DIRECTIONS = ("inbound", "outbound-api")
METHODS = ("GET", "POST")
KEYS_PATTERN = re.compile(r"[0-9*#]+", re.ASCII)


class ScenarioError(ValueError):
    """A scenario that cannot run: the message says where in the scenario and why.

    A scenario read from a file also carries the file and, where it can be found, the line and
    column (1-based) of the entry the message is about; `str()` then starts with them.
    """

    def __init__(
        self,
        message: str,
        filename: str | None = None,
        line: int | None = None,
        col: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.filename = filename
        self.line = line
        self.col = col

    def location(self) -> str | None:
        """`FILE:LINE:COL` (the parts that are known), or None for a scenario given as a dict."""
        if self.filename is None:
            return None
        if self.line is None:
            return self.filename
        return f"{self.filename}:{self.line}" + (f":{self.col}" if self.col is not None else "")

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True, slots=True)
class ScriptedEvent:
    """One entry of `events`: at `at_ms`, something happens to a leg: the call named `caller`
    (default: the main call) or, with `target`, the latest leg it dialed there. Its remote party
    presses keys, speaks or hangs up, or the leg is modified (`value`: the parameters as the
    REST API receives them).
    """

    at_ms: int
    action: str  # one of ACTIONS
    value: Any
    target: str | None = None
    confidence: float = 0.9
    caller: str = MAIN


@dataclass(slots=True)
class Scenario:
    """A checked scenario, ready to become a Simulation."""

    flows: dict[str, str] = field(default_factory=dict)
    http: dict[str, Any] = field(default_factory=dict)
    endpoints: dict[str, Any] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)  # the main call first
    apps: dict[str, Any] = field(default_factory=dict)  # base URL -> imported WSGI app
    events: list[ScriptedEvent] = field(default_factory=list)
    until: float | None = None
    base_dir: Path | None = None
    # The file it was read from and its YAML node tree, to place errors found when it runs.
    origin: _Origin | None = field(default=None, repr=False, compare=False)

    def simulation(self) -> Simulation:
        """The Simulation with its calls and scripted events scheduled, calls first."""
        try:
            return self._simulation()
        except ScenarioError as problem:
            if self.origin is not None:
                self.origin.place(problem)
            raise

    def _simulation(self) -> Simulation:
        try:
            sim = Simulation(
                self.flows, self.http, self.endpoints, base_dir=self.base_dir, apps=self.apps
            )
        except ValueError as problem:
            raise ScenarioError(str(problem)) from None
        handles: dict[str, Call] = {}
        for index, call in enumerate(self.calls):
            where = "call" if index == 0 else f"calls[{index - 1}]"
            try:
                place = sim.placer(
                    call.get("from", DEFAULT_FROM), call.get("to", DEFAULT_TO), call["url"],
                    call.get("method", "POST"), call.get("direction", "inbound"),
                    fallback_url=call.get("fallback_url"),
                    fallback_method=call.get("fallback_method", "POST"),
                    status_callback=call.get("status_callback"),
                    status_callback_method=call.get("status_callback_method", "POST"),
                    status_callback_event=call.get("status_callback_event"),
                    caller_name=call.get("caller_name"),
                    forwarded_from=call.get("forwarded_from"),
                    timeout=call.get("timeout", 60), answer_after=call.get("answer_after", 0),
                )  # fmt: skip
            except ValueError as problem:
                raise ScenarioError(f"{where}: {problem}") from None
            sim.at(call.get("at", 0), _placing(handles, call["name"], place))
        for event in self.events:
            sim.at(event.at_ms / 1000, _scripted(sim, handles, event))
        sim.until = self.until
        return sim

    def run(self) -> tuple[Simulation, dict[str, Any]]:
        sim = self.simulation()
        return sim, sim.run()


def _placing(handles: dict[str, Call], name: str, place: Callable[[], Call]) -> Callable[[], None]:
    def act() -> None:
        handles[name] = place()

    return act


def _scripted(
    sim: Simulation, handles: dict[str, Call], event: ScriptedEvent
) -> Callable[[], None]:
    def act() -> None:
        call = handles.get(event.caller)
        if call is None:
            _no_leg(sim, event, event.caller)  # that call has not been placed yet
            return
        leg = call.leg_object
        if event.target is not None:
            found = _dialed(sim, call, event.target)
            if found is None:
                _no_leg(sim, event, event.target)  # nothing was dialed there (yet)
                return
            leg = found
        engine = sim.engine
        if event.action == "digits":
            engine.press(leg, event.value)
        elif event.action == "speech":
            engine.speak(leg, event.value, event.confidence)
        elif event.action == "hangup":
            engine.remote_hangup(leg)
        else:
            sim.modify_leg(leg, event.value)

    return act


def _no_leg(sim: Simulation, event: ScriptedEvent, name: str) -> None:
    """Nobody is there to act. Keys, speech and hang-ups then do nothing; a modification is what
    the API answers for an unknown call, 20404 (calls-api §3), the name standing for the path."""
    if event.action == "modify":
        sim.engine.error(None, 20404, f"The requested resource {name} was not found")


def _dialed(sim: Simulation, call: Call, target: str) -> Any:
    try:
        return call.leg(target).leg_object
    except LookupError:
        address = target_address(target)
        for leg in reversed(sim.engine.legs):
            if leg.to == address:
                return leg
        return None


# --- reading -------------------------------------------------------------------------------------


class _Origin:
    """A scenario file and its YAML node tree: where each entry an error names is written."""

    def __init__(self, filename: str, root: yaml.Node | None) -> None:
        self.filename = filename
        self.root = root

    def place(self, problem: ScenarioError) -> None:
        """Give `problem` this file and the line and column of the entry its message names."""
        problem.filename = self.filename
        place = place_of(self.root, problem.message)
        if place is not None:
            problem.line, problem.col = place


def load_scenario(source: str | Path | Mapping[str, Any]) -> Scenario:
    """A scenario from a YAML/JSON file or a dict; ScenarioError if it is not a valid one.

    Errors in a file carry the file, line and column of the entry they are about.
    """
    if isinstance(source, Mapping):
        return _checked(source, None, None)
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as problem:
        raise ScenarioError(f"cannot read: {problem}", str(path)) from None
    try:
        data, root = read_yaml(text)
    except YamlSyntaxError as problem:
        raise ScenarioError(problem.message, str(path), problem.line, problem.col) from None
    origin = _Origin(str(path), root)
    try:
        return _checked(data, path.parent, origin)
    except ScenarioError as problem:
        origin.place(problem)
        raise


def _checked(data: object, base_dir: Path | None, origin: _Origin | None) -> Scenario:
    if not isinstance(data, Mapping):
        raise ScenarioError("a scenario is a map with the keys " + ", ".join(TOP_KEYS))
    _no_unknown("scenario", data, TOP_KEYS)
    scenario = Scenario(base_dir=base_dir, origin=origin)
    scenario.flows = dict(_map(data, "flows"))
    scenario.http = dict(_map(data, "http"))
    scenario.endpoints = dict(_map(data, "endpoints"))
    scenario.apps = {
        str(base): _import_app(f"apps['{base}']", ref, base_dir)
        for base, ref in _map(data, "apps").items()
    }
    more = _list(data, "calls")
    if data.get("call") is None and not more:
        raise ScenarioError("call: expected a map with at least `url`")
    if data.get("call") is not None:
        scenario.calls.append(_call("call", data["call"], CALL_KEYS) | {"name": MAIN})
    for index, entry in enumerate(more):
        call = _call(f"calls[{index}]", entry, MORE_CALL_KEYS)
        call.setdefault("name", MAIN if not scenario.calls else f"call{index + 1}")
        scenario.calls.append(call)
    names = [call["name"] for call in scenario.calls]
    for name in names:
        if names.count(name) > 1:
            raise ScenarioError(f"calls: the name '{name}' is used twice")
    scenario.events = [_event(index, entry) for index, entry in enumerate(_list(data, "events"))]
    for index, event in enumerate(scenario.events):
        if event.caller not in names:
            raise ScenarioError(f"events[{index}].caller: no call is named '{event.caller}'")
    until = data.get("until")
    if until is not None:
        scenario.until = _seconds("until", until)
    return scenario


def _import_app(where: str, ref: object, base_dir: Path | None) -> Any:
    """The WSGI app `module:attribute` names, imported with the scenario's folder on the path
    (as a WSGI server imports the app it serves from its working folder)."""
    match = _APP_REF.fullmatch(ref) if isinstance(ref, str) else None
    if match is None:
        raise ScenarioError(f"{where}: expected 'module:attribute' naming a WSGI app, got {ref!r}")
    folder = str((base_dir or Path.cwd()).resolve())
    if folder not in sys.path:
        sys.path.insert(0, folder)
    module_name, attribute = match.groups()
    try:
        found: Any = importlib.import_module(module_name)
        for name in attribute.split("."):
            found = getattr(found, name)
    except Exception as exc:  # the user's module may fail in any way while it loads
        raise ScenarioError(
            f"{where}: cannot import '{ref}': {type(exc).__name__}: {exc}"
        ) from None
    return found


def _no_unknown(where: str, data: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(str(key) for key in data if key not in allowed)
    if unknown:
        raise ScenarioError(
            f"{where}: unknown key '{unknown[0]}'; expected one of {', '.join(allowed)}"
        )


def _map(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ScenarioError(f"{key}: expected a map")
    return value


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ScenarioError(f"{key}: expected a list")
    return value


def _seconds(where: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ScenarioError(f"{where}: expected a number of seconds >= 0, got {value!r}")
    return float(value)


def _text(where: str, value: object) -> str:
    if not isinstance(value, str):
        hint = ' (quote phone numbers: "+1555…")' if isinstance(value, int) else ""
        raise ScenarioError(f"{where}: expected text, got {value!r}{hint}")
    return value


def _call(where: str, raw: object, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"{where}: expected a map with at least `url`")
    _no_unknown(where, raw, allowed)
    call: dict[str, Any] = {}
    for key, value in raw.items():
        if value is None:
            continue
        if key in ("timeout", "answer_after", "at"):
            call[key] = _seconds(f"{where}.{key}", value)
        elif key == "status_callback_event":
            try:
                call[key] = status_callback_events(value)
            except ValueError as problem:
                raise ScenarioError(f"call.{problem}") from None
        else:
            call[key] = _text(where, value)
    if "url" not in call:
        raise ScenarioError("call: `url` is required (the first document of the call)")
    direction = call.get("direction", "inbound")
    if direction not in DIRECTIONS:
        raise ScenarioError(f"call.direction: expected inbound or outbound-api, got '{direction}'")
    for key in ("method", "fallback_method", "status_callback_method"):
        if key in call:
            call[key] = call[key].upper()
            if call[key] not in METHODS:
                raise ScenarioError(f"call.{key}: expected GET or POST, got '{raw[key]}'")
    for key in ("from", "to"):
        if key in call and direction == "outbound-api" and key == "to":
            try:
                target_address(call[key])
            except ValueError as problem:
                raise ScenarioError(f"call.to: {problem}") from None
    return call


def _event(index: int, raw: object) -> ScriptedEvent:
    where = f"events[{index}]"
    if not isinstance(raw, Mapping):
        raise ScenarioError(f'{where}: expected a map such as {{at: 3, digits: "1#"}}')
    _no_unknown(where, raw, EVENT_KEYS)
    if "at" not in raw:
        raise ScenarioError(f"{where}: `at` (virtual seconds) is required")
    at_ms = round(_seconds(f"{where}.at", raw["at"]) * 1000)
    actions = [key for key in ACTIONS if key in raw]
    if len(actions) != 1:
        raise ScenarioError(f"{where}: give exactly one of {', '.join(ACTIONS)}")
    action = actions[0]
    value = raw[action]
    target = raw.get("call")
    if target is not None:
        target = _text(f"{where}.call", target)
        try:
            target_address(target)
        except ValueError as problem:
            raise ScenarioError(f"{where}.call: {problem}") from None
    caller = raw.get("caller", MAIN)
    caller = _text(f"{where}.caller", caller)
    confidence = 0.9
    if "confidence" in raw:
        if action != "speech":
            raise ScenarioError(f"{where}: `confidence` goes with `speech`")
        confidence = raw["confidence"]
        if isinstance(confidence, bool) or not isinstance(confidence, int | float):
            raise ScenarioError(f"{where}.confidence: expected a number from 0 to 1")
        if not 0 <= confidence <= 1:
            raise ScenarioError(f"{where}.confidence: expected a number from 0 to 1")
    if action == "digits":
        value = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(value, str) or not KEYS_PATTERN.fullmatch(value):
            raise ScenarioError(f"{where}.digits: expected keys 0-9, * and #, got {value!r}")
    elif action == "speech":
        value = _text(f"{where}.speech", value)
    elif action == "hangup":
        if value is not True:
            raise ScenarioError(f"{where}.hangup: expected true")
    else:
        # Only the shape is checked here: the API's checks run when the event does, and a
        # rejection is recorded in `errors` (calls-api §3, §8.6).
        if not isinstance(value, Mapping):
            raise ScenarioError(f"{where}.modify: expected a map of parameters such as "
                                "{Url: http://app.test/bye}")  # fmt: skip
        try:
            value = modification_params(value)
        except ValueError as problem:
            raise ScenarioError(f"{where}.{problem}") from None
    return ScriptedEvent(at_ms, action, value, target, float(confidence), caller)


def run_scenario(source: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """Load and run a scenario to its end: the result of `rcml run --json`."""
    return load_scenario(source).run()[1]
