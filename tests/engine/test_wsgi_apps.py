"""App servers in process (rcml.wsgi): a simulation calls mounted WSGI apps as the platform would
call them over HTTP, signed, with every kind of request, and records what they answer."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
from flask import Flask, request
from twilio.request_validator import RequestValidator

from rcml.testing import Simulation

TOKEN = "0" * 32  # the simulation's default account token
CA1 = f"CA{1:032x}"
XML = {"Content-Type": "text/xml"}


def recording_app(
    answers: dict[str, tuple[str, list[tuple[str, str]], bytes]], seen: list[dict[str, Any]]
) -> Callable[..., Iterable[bytes]]:
    """A bare WSGI app: answers by PATH_INFO, keeps each environ (and the body it was sent)."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen.append({**environ, "body": environ["wsgi.input"].read()})
        status, headers, body = answers.get(
            environ["PATH_INFO"], ("404 Not Found", [("Content-Type", "text/plain")], b"no")
        )
        start_response(status, headers)
        return [body]

    return app


def test_a_flask_app_answers_every_request_and_accepts_the_signatures() -> None:
    app = Flask(__name__)
    validator = RequestValidator(TOKEN)
    seen: list[tuple[str, bool, str | None]] = []

    def signed() -> bool:
        # The URL as requested: Flask's `request.url` re-encodes the query (%3A becomes ':'),
        # which a GET signature covers as it was sent.
        query = request.query_string.decode()
        url = request.base_url + ("?" + query if query else "")
        params = request.form if request.method == "POST" else {}
        return validator.validate(url, params, request.headers["X-Twilio-Signature"])

    @app.post("/ivr")
    def ivr() -> Any:
        seen.append(("ivr", signed(), request.form["CallStatus"]))
        document = '<Response><Gather numDigits="1" action="/menu"><Say>Press 1</Say></Gather>'
        return document + "</Response>", 200, XML

    @app.post("/menu")
    def menu() -> Any:
        seen.append(("menu", signed(), request.form["Digits"]))
        return "<Response><Say>Sales</Say></Response>", 200, XML

    @app.get("/status")
    def status() -> Any:
        seen.append(("status", signed(), request.args["CallStatus"]))
        return ""

    sim = Simulation(apps={"http://app.test": app})
    call = sim.call(
        url="http://app.test/ivr", status_callback="http://app.test/status",
        status_callback_method="GET",
    )  # fmt: skip
    sim.advance(1)
    call.press("1")
    result = sim.run()
    assert seen == [("ivr", True, "ringing"), ("menu", True, "1"), ("status", True, "completed")]
    assert [(r["kind"], r["method"], r["url"], r["status"]) for r in result["requests"]] == [
        ("rcml", "POST", "http://app.test/ivr", 200),
        ("action", "POST", "http://app.test/menu", 200),
        ("status-callback", "GET", "http://app.test/status", 200),
    ]
    assert [e["text"] for e in result["events"] if e["type"] == "say"] == ["Press 1", "Sales"]
    assert result["errors"] == []


def test_the_environ_is_what_a_server_would_pass() -> None:
    seen: list[dict[str, Any]] = []
    answers = {"/ivr": ("200 OK", [("Content-Type", "text/xml")], b"<Response/>")}
    sim = Simulation(apps={"https://App.test:8443/api/": recording_app(answers, seen)})
    sim.call(url="https://app.test:8443/api/ivr?lang=en", method="GET")
    result = sim.run()
    environ = seen[0]
    sent = result["requests"][0]["params"]
    assert {key: environ[key] for key in (
        "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "SERVER_NAME", "SERVER_PORT", "HTTP_HOST",
        "wsgi.url_scheme", "CONTENT_LENGTH", "body",
    )} == {
        "REQUEST_METHOD": "GET", "SCRIPT_NAME": "/api", "PATH_INFO": "/ivr",
        "SERVER_NAME": "app.test", "SERVER_PORT": "8443", "HTTP_HOST": "app.test:8443",
        "wsgi.url_scheme": "https", "CONTENT_LENGTH": "0", "body": b"",
    }  # fmt: skip
    query = environ["QUERY_STRING"]
    assert query.startswith("lang=en&") and f"CallSid={CA1}" in query
    assert sorted(sent) == sorted(part.split("=")[0] for part in query.split("&")[1:])
    assert environ["HTTP_X_TWILIO_SIGNATURE"] == environ["HTTP_X_RESTCOMM_SIGNATURE"] != ""
    assert "CONTENT_TYPE" not in environ  # a GET has no body


def test_a_post_body_is_the_form_the_request_record_shows() -> None:
    seen: list[dict[str, Any]] = []
    answers = {"/ivr": ("200 OK", [("Content-Type", "text/xml")], b"<Response/>")}
    sim = Simulation(apps={"http://app.test": recording_app(answers, seen)})
    sim.call(url="http://app.test/ivr")
    result = sim.run()
    environ = seen[0]
    assert environ["CONTENT_TYPE"] == "application/x-www-form-urlencoded"
    assert int(environ["CONTENT_LENGTH"]) == len(environ["body"]) > 0
    fields = dict(part.split("=", 1) for part in environ["body"].decode().split("&"))
    assert fields["CallSid"] == CA1 and set(fields) == set(result["requests"][0]["params"])


def test_map_entries_win_over_the_app_and_other_hosts_are_not_its() -> None:
    seen: list[dict[str, Any]] = []
    answers = {
        "/a": (
            "200 OK",
            [("Content-Type", "text/xml")],
            b"<Response><Redirect>/b</Redirect></Response>",
        )
    }  # noqa: E501
    sim = Simulation(
        flows={
            "http://app.test/b": "<Response><Redirect>http://other.test/c</Redirect></Response>"
        },
        apps={"http://app.test": recording_app(answers, seen)},
    )
    sim.call(url="http://app.test/a")
    result = sim.run()
    assert [environ["PATH_INFO"] for environ in seen] == ["/a"]  # /b came from the flows map
    assert [(r["url"], r["status"]) for r in result["requests"]] == [
        ("http://app.test/a", 200), ("http://app.test/b", 200), ("http://other.test/c", 404),
    ]  # fmt: skip


def test_an_app_redirect_is_followed_with_the_method_rules_of_http() -> None:
    seen: list[dict[str, Any]] = []
    answers = {
        "/old": ("303 See Other", [("Location", "/new")], b""),
        "/new": (
            "200 OK",
            [("Content-Type", "text/xml")],
            b"<Response><Say>moved</Say></Response>",
        ),  # noqa: E501
    }
    sim = Simulation(apps={"http://app.test": recording_app(answers, seen)})
    sim.call(url="http://app.test/old")
    result = sim.run()
    assert [(e["REQUEST_METHOD"], e["PATH_INFO"]) for e in seen] == [
        ("POST", "/old"),
        ("GET", "/new"),
    ]
    assert [e["text"] for e in result["events"] if e["type"] == "say"] == ["moved"]


def crashing(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    raise RuntimeError("the database is down")


def silent(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    return [b"<Response/>"]  # never calls start_response


def huge(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/xml")])
    return (b"<Response>" + b" " * 65536 for _ in range(17))


@pytest.mark.parametrize(
    ("app", "code", "message", "status"),
    [
        (crashing, 11200, "http://app.test/ivr answered HTTP 500 (the app raised RuntimeError: "
         "the database is down)", 500),
        (silent, 11200, "the app serving http://app.test/ivr answered without calling "
         "start_response", None),
        (huge, 11200, "the response from http://app.test/ivr is larger than 1,048,576 bytes", 200),
    ],
)  # fmt: skip
def test_an_unusable_answer_is_the_error_a_server_would_cause(
    app: Callable[..., Iterable[bytes]], code: int, message: str, status: int | None
) -> None:
    sim = Simulation(apps={"http://app.test": app})
    call = sim.call(url="http://app.test/ivr")
    result = sim.run()
    assert [(e["code"], e["message"]) for e in result["errors"]] == [(code, message)]
    assert result["requests"][0].get("status") == status
    assert call.status == "failed"


def test_configure_mounts_more_apps_and_bad_mounts_are_refused() -> None:
    seen: list[dict[str, Any]] = []
    answers = {"/x": ("200 OK", [("Content-Type", "text/plain")], b"Hello from the app")}
    sim = Simulation()
    sim.configure(apps={"http://app.test": recording_app(answers, seen)})
    sim.call(url="http://app.test/x")
    result = sim.run()
    assert [e["text"] for e in result["events"] if e["type"] == "say"] == ["Hello from the app"]
    with pytest.raises(ValueError, match=r"^apps: 'app\.test' is not a base URL such as "):
        Simulation(apps={"app.test": crashing})
    with pytest.raises(ValueError, match=r"^apps\['http://app\.test'\]: expected a WSGI app"):
        Simulation(apps={"http://app.test": "not an app"})  # type: ignore[dict-item]
