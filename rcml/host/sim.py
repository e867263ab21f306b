"""Simulation control (calls-api §9): play the other side of calls, set endpoints, move time."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, current_app, request

from rcml.host import representation as rep
from rcml.host.auth import authenticate
from rcml.host.errors import invalid
from rcml.host.service import MAX_ADVANCE_S, HostService
from rcml.store import CallRecord

routes = Blueprint("sim", __name__, url_prefix="/sim")


def service() -> HostService:
    host: HostService = current_app.extensions["rcml"]
    return host


def body() -> Mapping[str, Any]:
    """A JSON object body, or form fields; 20001 for anything else."""
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise invalid("Invalid body: expected a JSON object")
        return data
    return request.form.to_dict()


def _text(data: Mapping[str, Any], name: str, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise invalid(f"Missing field '{name}'")
        return None
    if not isinstance(value, str):
        raise invalid(f"Invalid {name}: expected text")
    return value


def _number(data: Mapping[str, Any], name: str, default: float, low: float, high: float) -> float:
    value = data.get(name, default)
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise invalid(f"Invalid {name}: expected a number from {low:g} to {high:g}")
    if not low <= value <= high:
        raise invalid(f"Invalid {name}: expected a number from {low:g} to {high:g}")
    return float(value)


def json_response(payload: object, status: int = 200) -> Response:
    return Response(rep.dumps(payload), status, content_type=rep.JSON_TYPE)


def call_response(record: CallRecord, status: int = 200) -> Response:
    return json_response(rep.call_json(record, record.api_version), status)


@routes.post("/calls")
def place_call() -> Response:
    host = service()
    account = authenticate(host)
    data = body()
    from_, to = _text(data, "from"), _text(data, "to")
    assert from_ is not None and to is not None
    record = host.place_inbound(
        account, from_, to, _text(data, "caller_name", False), _text(data, "forwarded_from", False)
    )
    return call_response(record, 201)


@routes.post("/calls/<sid>/digits")
def press(sid: str) -> Response:
    host = service()
    account = authenticate(host)
    digits = _text(body(), "digits")
    assert digits is not None
    return call_response(host.press(account, sid, digits))


@routes.post("/calls/<sid>/speech")
def speak(sid: str) -> Response:
    host = service()
    account = authenticate(host)
    data = body()
    text = _text(data, "text")
    assert text is not None
    confidence = _number(data, "confidence", 0.9, 0.0, 1.0)
    return call_response(host.speak(account, sid, text, confidence))


@routes.post("/calls/<sid>/hangup")
def hang_up(sid: str) -> Response:
    host = service()
    account = authenticate(host)
    return call_response(host.hang_up(account, sid))


@routes.get("/calls/<sid>/events")
def events(sid: str) -> Response:
    host = service()
    account = authenticate(host)
    found = host.call_events(account, sid)
    return json_response({
        "call_sid": found.call_sid, "events": found.events, "requests": found.requests,
        "errors": found.errors,
    })  # fmt: skip


@routes.put("/endpoints/<path:target>")
def set_endpoint(target: str) -> Response:
    host = service()
    authenticate(host)
    try:
        return json_response(host.set_endpoint(target, body()))
    except ValueError as exc:
        raise invalid(f"Invalid endpoint: {exc}") from None


@routes.post("/clock/advance")
def advance() -> Response:
    host = service()
    authenticate(host)
    host.require_virtual_clock()
    data = body()
    if "seconds" not in data:
        raise invalid("Missing field 'seconds'")
    seconds = _number(data, "seconds", 0, 0, MAX_ADVANCE_S)
    return json_response({"now": host.advance(seconds)})
