"""The readable transcript of a run: one line per event, request and error, then the calls."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rcml.engine.journal import Entry, call_json
from rcml.engine.model import Leg
from rcml.loaders import RequestRecord

# Parameters every request carries (§4.2): left out of the transcript, which shows the rest.
STANDARD_PARAMS = frozenset({
    "CallSid", "AccountSid", "From", "To", "CallStatus", "ApiVersion", "Direction", "CallerName",
    "ForwardedFrom", "ParentCallSid", "CallTimestamp",
})  # fmt: skip


def short_sid(sid: str | None) -> str:
    """`CA…0001` for `CA00000000000000000000000000000001`."""
    if not sid:
        return "-"
    return f"{sid[:2]}…{sid[-4:]}"


def _quoted(text: object) -> str:
    return '"' + str(text).replace('"', '\\"') + '"'


def _pairs(fields: dict[str, Any], skip: Iterable[str] = ()) -> str:
    skipped = set(skip)
    return " ".join(f"{key}={_value(value)}" for key, value in fields.items() if key not in skipped)


def _value(value: object) -> str:
    if isinstance(value, str):
        return _quoted(value) if (" " in value or not value) else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def _say(fields: dict[str, Any]) -> str:
    voice, language, loop = fields["voice"], fields["language"], fields["loop"]
    return f"{_quoted(fields['text'])} ({voice}, {language}, loop {loop})"


def _play(fields: dict[str, Any]) -> str:
    if "digits" in fields:
        return f"tones {fields['digits']}"
    return f"{fields['url']} (loop {fields['loop']})"


def _digits(fields: dict[str, Any]) -> str:
    return f"{fields['digits']}" + (" (ignored)" if fields["ignored"] else "")


def _speech(fields: dict[str, Any]) -> str:
    return _quoted(fields["text"]) + (" (ignored)" if fields["ignored"] else "")


def _targets(fields: dict[str, Any]) -> str:
    rest = _pairs(fields, ("targets",))
    return ", ".join(fields["targets"]) + (f"  {rest}" if rest else "")


def _conference(fields: dict[str, Any]) -> str:
    return f"{fields['action']} {fields['name']}  " + _pairs(fields, ("action", "name"))


EVENT_TEXT: dict[str, Callable[[dict[str, Any]], str]] = {
    "status": lambda fields: fields["status"],
    "say": _say,
    "play": _play,
    "pause": lambda fields: f"{fields['length']} s",
    "digits": _digits,
    "speech": _speech,
    "dial": _targets,
    "bridge": lambda fields: f"with {short_sid(fields['with'])}",
    "hangup": lambda fields: fields["cause"],
    "redirect": lambda fields: fields["url"],
    "conference": _conference,
    "modify": lambda fields: _pairs(fields["params"]),
}


def _event_line(event: dict[str, Any]) -> str:
    fields = {k: v for k, v in event.items() if k not in ("at", "call_sid", "type")}
    describe = EVENT_TEXT.get(event["type"])
    text = describe(fields) if describe else _pairs(fields)
    return _line(event["at"], event["call_sid"], event["type"], text)


def _request_line(record: RequestRecord) -> str:
    extra = {k: v for k, v in record.params.items() if k not in STANDARD_PARAMS}
    status = str(record.status) if record.status is not None else "no answer"
    text = f"{record.method} {record.url} ({record.kind}) -> {status}"
    if "CallStatus" in record.params:
        text += f"  CallStatus={record.params['CallStatus']}"
    if extra:
        text += "  " + _pairs(extra)
    return _line(record.at_ms / 1000, record.call_sid, "request", text)


def _error_line(error: dict[str, Any]) -> str:
    return _line(error["at"], error["call_sid"], "error", f"{error['code']}: {error['message']}")


def _line(at: float, sid: str | None, kind: str, text: str) -> str:
    return f"{at:10.3f}  {short_sid(sid)}  {kind:<12} {text}".rstrip()


LINES: dict[str, Callable[[Any], str]] = {
    "event": _event_line,
    "request": _request_line,
    "error": _error_line,
}


def transcript(timeline: Iterable[Entry], legs: Iterable[Leg]) -> str:
    """Every entry of the timeline in the order it happened, then a summary of every call."""
    lines = [LINES[kind](entry) for kind, entry in timeline]
    lines.append("")
    lines.append("calls:")
    for leg in legs:
        call = call_json(leg)
        parent = f" (child of {short_sid(call['parent_call_sid'])})" if leg.parent else ""
        duration = "" if call["duration"] is None else f", {call['duration']} s"
        lines.append(
            f"  {short_sid(call['sid'])}  {call['direction']} {call['from']} -> {call['to']}"
            f"{parent}: {call['status']}{duration}"
        )
    return "\n".join(lines) + "\n"
