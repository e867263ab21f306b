"""Tests of rcml.loaders: scenario maps in virtual time, and real HTTP against a loopback server."""

from __future__ import annotations

import importlib.util
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlsplit

import httpx
import pytest
from twilio.request_validator import RequestValidator

from rcml import nodes as n
from rcml.http import encode_params, signature
from rcml.loaders import (
    DocumentCache,
    FetchResult,
    HttpLoader,
    Request,
    RequestRecord,
    ScenarioLoader,
)
from rcml.scheduler import Scheduler, WallClock

TOKEN = "00000000000000000000000000000000"
PARAMS = {"CallSid": "CA" + "0" * 31 + "1", "From": "+1 555", "Digits": "1#", "Note": "a&b=c"}
HELLO = n.Response(verbs=(n.Say(text="Hello"),))
HELLO_XML = "<Response><Say>Hello</Say></Response>"
needs_flow_reader = pytest.mark.skipif(
    importlib.util.find_spec("rcml.flow_reader") is None, reason="rcml.flow_reader not written yet"
)


def make_request(url: str, method: str = "POST", kind: str = "action", **params: str) -> Request:
    return Request(kind, method, url, params or PARAMS, "CA1", TOKEN)


def records(log: list[RequestRecord]) -> list[tuple[object, ...]]:
    return [(r.at_ms, r.kind, r.method, r.url, r.params, r.status) for r in log]


# --- scenario maps -----------------------------------------------------------------------------


class Run:
    """One fetch through a loader on a virtual clock: when `done` ran, with what, and the log."""

    def __init__(self, loader: ScenarioLoader, request: Request, start_ms: int = 0) -> None:
        self.scheduler = Scheduler()
        self.scheduler.advance(start_ms)
        self.log: list[RequestRecord] = []
        self.calls: list[tuple[int, FetchResult]] = []
        loader.fetch(request, self.scheduler, self.log, self._done)
        assert self.calls == [], "done must never run inside fetch"
        self.scheduler.run()
        assert len(self.calls) == 1

    def _done(self, result: FetchResult) -> None:
        self.calls.append((self.scheduler.now_ms, result))

    @property
    def at_ms(self) -> int:
        return self.calls[0][0]

    @property
    def result(self) -> FetchResult:
        return self.calls[0][1]


def scenario(request: Request, flows=None, http=None, **kwargs) -> Run:
    return Run(ScenarioLoader(flows or {}, http or {}, **kwargs), request)


def test_a_flow_answers_at_once_with_its_document():
    run = scenario(make_request("http://app.test/ivr"), flows={"http://app.test/ivr": HELLO_XML})
    assert run.at_ms == 0
    assert run.result == FetchResult(HELLO, "http://app.test/ivr", 200, None)
    assert records(run.log) == [(0, "action", "POST", "http://app.test/ivr", PARAMS, 200)]
    assert run.log[0].to_json() == {
        "at": 0.0,
        "call_sid": "CA1",
        "kind": "action",
        "method": "POST",
        "url": "http://app.test/ivr",
        "params": PARAMS,
        "status": 200,
    }


def test_a_flow_file_is_read_relative_to_the_base_dir(tmp_path: Path):
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "ivr.xml").write_text(HELLO_XML)
    flows = {"http://app.test/ivr": "flows/ivr.xml"}
    run = scenario(make_request("http://app.test/ivr"), flows=flows, base_dir=tmp_path)
    assert run.result.document == HELLO


def test_a_missing_flow_file_is_reported_when_the_loader_is_built(tmp_path: Path):
    with pytest.raises(ValueError) as caught:
        ScenarioLoader({"http://app.test/ivr": "flows/nope.flow"}, {}, base_dir=tmp_path)
    assert str(caught.value) == (
        f"flows['http://app.test/ivr']: cannot read {tmp_path / 'flows/nope.flow'}: "
        "No such file or directory"
    )


@needs_flow_reader
def test_inline_dsl_and_flow_files_are_compiled(tmp_path: Path):
    dsl = 'say "Hello"\n'
    (tmp_path / "ivr.flow").write_text(dsl)
    flows = {"http://app.test/inline": dsl, "http://app.test/file": "ivr.flow"}
    loader = ScenarioLoader(flows, {}, base_dir=tmp_path)
    for url in flows:
        assert Run(loader, make_request(url)).result.document == HELLO


def test_an_http_entry_answers_after_its_delay():
    http = {"http://app.test/slow": {"delay": 2.5, "body": HELLO_XML}}
    run = scenario(make_request("http://app.test/slow", "GET"), http=http)
    assert run.at_ms == 2_500
    assert run.result == FetchResult(HELLO, "http://app.test/slow", 200, None)
    assert records(run.log) == [(0, "action", "GET", "http://app.test/slow", PARAMS, 200)]


@pytest.mark.parametrize("delay", [15, 20])
def test_a_delay_of_15_s_or_more_times_out_at_15_s(delay):
    http = {"http://app.test/slow": {"delay": delay, "body": HELLO_XML}}
    run = Run(ScenarioLoader({}, http), make_request("http://app.test/slow"), start_ms=1_000)
    assert run.at_ms == 16_000
    message = "no complete response from http://app.test/slow within 15 s"
    assert run.result == FetchResult(None, "http://app.test/slow", None, (11205, message))
    assert records(run.log) == [(1_000, "action", "POST", "http://app.test/slow", PARAMS, None)]
    assert "status" not in run.log[0].to_json()
    assert run.log[0].to_json()["at"] == 1.0


def test_a_delay_just_under_15_s_succeeds():
    http = {"http://app.test/slow": {"delay": 14.999, "body": HELLO_XML}}
    run = scenario(make_request("http://app.test/slow"), http=http)
    assert (run.at_ms, run.result.document, run.result.error) == (14_999, HELLO, None)


def test_redirect_hops_are_each_logged_and_repeat_method_and_params():
    http = {
        "http://app.test/old": {"status": 301, "location": "/older?v=2", "delay": 1},
        "http://app.test/older?v=2": {"status": 307, "location": "http://app.test/new#frag"},
    }
    flows = {"http://app.test/new": HELLO_XML}
    run = scenario(make_request("http://app.test/old#top", "POST"), flows=flows, http=http)
    assert run.at_ms == 1_000
    assert run.result == FetchResult(HELLO, "http://app.test/new", 200, None)
    assert records(run.log) == [
        (0, "action", "POST", "http://app.test/old", PARAMS, 301),
        (1_000, "action", "POST", "http://app.test/older?v=2", PARAMS, 307),
        (1_000, "action", "POST", "http://app.test/new", PARAMS, 200),
    ]


def test_303_switches_to_get():
    http = {"http://app.test/form": {"status": 303, "location": "http://app.test/done"}}
    run = scenario(
        make_request("http://app.test/form", "POST", kind="rcml"),
        flows={"http://app.test/done": HELLO_XML},
        http=http,
    )
    assert records(run.log) == [
        (0, "rcml", "POST", "http://app.test/form", PARAMS, 303),
        (0, "rcml", "GET", "http://app.test/done", PARAMS, 200),
    ]
    assert run.result.url == "http://app.test/done"


def test_the_sixth_redirect_response_is_too_many():
    http = {f"http://app.test/r{i}": {"status": 302, "location": f"r{i + 1}"} for i in range(7)}
    run = scenario(make_request("http://app.test/r0"), http=http)
    message = "too many redirects: http://app.test/r5 redirected again after 5 redirects"
    assert run.result == FetchResult(None, "http://app.test/r5", 302, (11200, message))
    assert [(r.url, r.status) for r in run.log] == [
        (f"http://app.test/r{i}", 302) for i in range(6)
    ]


def test_five_redirects_are_followed():
    http = {f"http://app.test/r{i}": {"status": 302, "location": f"r{i + 1}"} for i in range(5)}
    run = scenario(
        make_request("http://app.test/r0"), flows={"http://app.test/r5": HELLO_XML}, http=http
    )
    assert (run.result.document, run.result.url, len(run.log)) == (HELLO, "http://app.test/r5", 6)


def test_the_15_s_budget_covers_every_hop():
    http = {
        "http://app.test/a": {"status": 302, "location": "/b", "delay": 10},
        "http://app.test/b": {"delay": 6, "body": HELLO_XML},
    }
    run = scenario(make_request("http://app.test/a"), http=http)
    assert run.at_ms == 15_000
    assert run.result.error == (11205, "no complete response from http://app.test/b within 15 s")
    assert [(r.at_ms, r.status) for r in run.log] == [(0, 302), (10_000, None)]


@pytest.mark.parametrize(
    ("location", "error"),
    [
        (None, (11200, "http://app.test/a answered HTTP 302 without a Location header")),
        (
            "ftp://files.test/x",
            (11100, "invalid URL 'ftp://files.test/x': only http and https URLs can be requested"),
        ),
    ],
)
def test_unusable_redirects_fail(location, error):
    entry: dict[str, object] = {"status": 302}
    if location:
        entry["location"] = location
    run = scenario(make_request("http://app.test/a"), http={"http://app.test/a": entry})
    assert run.result == FetchResult(None, "http://app.test/a", 302, error)
    assert len(run.log) == 1


@pytest.mark.parametrize(
    ("entry", "document"),
    [
        (
            {"content_type": "text/plain", "body": "  Hello,\n  world  "},
            [n.Say(text="Hello, world")],
        ),
        ({"content_type": "text/plain; charset=utf-8", "body": ""}, []),
        ({"content_type": "text/plain", "body": " \n "}, []),
        ({"content_type": "text/html", "body": HELLO_XML}, [n.Say(text="Hello")]),
        (
            {"content_type": "application/xml; charset=UTF-8", "body": HELLO_XML},
            [n.Say(text="Hello")],
        ),
        ({"content_type": "Text/XML", "body": HELLO_XML}, [n.Say(text="Hello")]),
        ({"content_type": "audio/mpeg", "body": "ID3..."}, [n.Play(url="http://app.test/x?a=1")]),
    ],
)
def test_the_media_type_decides_what_the_body_is(entry, document):
    run = scenario(
        make_request("http://app.test/x?a=1#f", "GET"), http={"http://app.test/x?a=1": entry}
    )
    assert run.result == FetchResult(
        n.Response(verbs=tuple(document)), "http://app.test/x?a=1", 200
    )


@pytest.mark.parametrize(
    ("content_type", "error"),
    [
        (
            "application/json",
            "http://app.test/x answered with Content-Type 'application/json'; expected text/xml, "
            "application/xml, text/html, text/plain or audio/*",
        ),
        (
            None,
            "http://app.test/x answered with no Content-Type; expected text/xml, "
            "application/xml, text/html, text/plain or audio/*",
        ),
    ],
)
def test_unusable_media_types_fail_with_12300(content_type, error):
    http = {"http://app.test/x": {"content_type": content_type, "body": HELLO_XML}}
    run = scenario(make_request("http://app.test/x"), http=http)
    assert run.result == FetchResult(None, "http://app.test/x", 200, (12300, error))


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            "<Response><Say>a & b</Say></Response>",
            (12100, "http://app.test/x:1:19: a bare '&' is not allowed in XML; write '&amp;'"),
        ),
        (
            '<Response>\n  <Pause length="abc"/>\n</Response>',
            (
                13910,
                "http://app.test/x:2:10: <Pause> attribute 'length': expected an integer from 0 "
                "to 14400, got 'abc'",
            ),
        ),
        (
            '<Response><Pause length="abc"/><Play/><Foo/></Response>',
            (
                13910,
                "http://app.test/x:1:18: <Pause> attribute 'length': expected an integer from 0 "
                "to 14400, got 'abc' (and 2 more problems)",
            ),
        ),
        (
            '<Response><Pause length="abc"/><Play/></Response>',
            (
                13910,
                "http://app.test/x:1:18: <Pause> attribute 'length': expected an integer from 0 "
                "to 14400, got 'abc' (and 1 more problem)",
            ),
        ),
    ],
)
def test_invalid_documents_fail_with_the_first_problem(body, error):
    run = scenario(make_request("http://app.test/x"), flows={"http://app.test/x": body})
    assert run.result == FetchResult(None, "http://app.test/x", 200, error)


def test_the_code_of_a_nonconforming_document_is_its_first_problems():
    run = scenario(make_request("http://app.test/x"), flows={"http://app.test/x": "<Reply/>"})
    code, message = run.result.error or (0, "")
    assert code == 12200
    assert message.startswith("http://app.test/x:1:1: ")


def test_non_2xx_fails_with_11200():
    run = scenario(make_request("http://app.test/x"), http={"http://app.test/x": {"status": 500}})
    assert run.result == FetchResult(
        None, "http://app.test/x", 500, (11200, "http://app.test/x answered HTTP 500")
    )


def test_no_match_is_a_404():
    run = scenario(make_request("http://app.test/missing"), flows={"http://app.test/x": HELLO_XML})
    message = (
        "http://app.test/missing answered HTTP 404 (the scenario has no `flows` or `http` "
        "entry for this URL)"
    )
    assert run.result == FetchResult(None, "http://app.test/missing", 404, (11200, message))
    assert records(run.log) == [(0, "action", "POST", "http://app.test/missing", PARAMS, 404)]


def test_a_status_callback_without_a_match_gets_200_and_no_document():
    run = scenario(make_request("http://app.test/status", kind="status-callback"))
    assert run.result == FetchResult(None, "http://app.test/status", 200, None)
    assert records(run.log) == [
        (0, "status-callback", "POST", "http://app.test/status", PARAMS, 200)
    ]


def test_a_status_callback_ignores_the_body_but_reports_failures():
    http = {
        "http://app.test/junk": {"content_type": "application/json", "body": "{"},
        "http://app.test/broken": {"status": 503},
    }
    loader = ScenarioLoader({}, http)
    junk = Run(loader, make_request("http://app.test/junk", kind="status-callback"))
    assert junk.result == FetchResult(None, "http://app.test/junk", 200, None)
    broken = Run(loader, make_request("http://app.test/broken", kind="status-callback"))
    assert broken.result.error == (11200, "http://app.test/broken answered HTTP 503")


@pytest.mark.parametrize(
    "requested",
    [
        "http://app.test/ivr",
        "HTTP://APP.test:80/ivr",
        "http://app.test/ivr?step=2",
        "http://app.test/ivr#menu",
    ],
)
def test_lookup_normalises_the_url_and_falls_back_to_it_without_query(requested):
    run = scenario(make_request(requested), flows={"http://App.Test:80/ivr": HELLO_XML})
    assert run.result.document == HELLO


def test_the_exact_key_wins_and_http_wins_over_flows_for_the_same_key():
    flows = {
        "http://app.test/ivr": HELLO_XML,
        "http://app.test/ivr?step=2": "<Response><Say>Two</Say></Response>",
        "http://app.test/both": HELLO_XML,
    }
    http = {"http://app.test/ivr": {"status": 500}, "http://app.test/both": {"status": 502}}
    loader = ScenarioLoader(flows, http)
    step2 = Run(loader, make_request("http://app.test/ivr?step=2")).result
    assert step2.document == n.Response(verbs=(n.Say(text="Two"),))
    assert Run(loader, make_request("http://app.test/ivr?step=3")).result.status == 500
    assert Run(loader, make_request("http://app.test/both")).result.status == 502


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/relative", "invalid URL '/relative': only http and https URLs can be requested"),
        ("http:///x", "invalid URL 'http:///x': no host"),
    ],
)
def test_an_unusable_request_url_fails_with_11100_without_a_request(url, message):
    run = scenario(make_request(url))
    assert run.result == FetchResult(None, url, None, (11100, message))
    assert run.log == []


def test_requests_keep_the_order_they_were_issued_in():
    scheduler = Scheduler()
    loader = ScenarioLoader(
        {"http://app.test/fast": HELLO_XML}, {"http://app.test/slow": {"delay": 3}}
    )
    log: list[RequestRecord] = []
    finished: list[tuple[int, str]] = []
    for url in ("http://app.test/slow", "http://app.test/fast"):
        loader.fetch(
            make_request(url), scheduler, log, lambda r: finished.append((scheduler.now_ms, r.url))
        )
    scheduler.run()
    assert [r.url for r in log] == ["http://app.test/slow", "http://app.test/fast"]
    assert finished == [(0, "http://app.test/fast"), (3_000, "http://app.test/slow")]


@pytest.mark.parametrize(
    ("http", "message"),
    [
        (
            {"http://a.test/x": {"stauts": 500}},
            "http['http://a.test/x']: unknown key 'stauts'; "
            "expected one of status, content_type, body, delay, location",
        ),  # fmt: skip
        (
            {"http://a.test/x": {"status": "500"}},
            "http['http://a.test/x']: status must be an HTTP status code (100-599), got '500'",
        ),  # fmt: skip
        (
            {"http://a.test/x": {"delay": -1}},
            "http['http://a.test/x']: delay must be a number of seconds >= 0, got -1",
        ),  # fmt: skip
        ({"http://a.test/x": {"body": 3}}, "http['http://a.test/x']: body must be text, got 3"),
        (
            {"http://a.test/x": 500},
            "http['http://a.test/x']: expected a map of status, "
            "content_type, body, delay, location",
        ),  # fmt: skip
        ({"a.test/x": {}}, "http: key 'a.test/x' is not an absolute http or https URL"),
    ],
)
def test_malformed_maps_are_refused(http, message):
    with pytest.raises(ValueError) as caught:
        ScenarioLoader({}, http)
    assert str(caught.value) == message


def test_a_malformed_flows_value_is_refused():
    with pytest.raises(ValueError) as caught:
        ScenarioLoader({"http://a.test/x": 42}, {})  # type: ignore[dict-item]
    assert (
        str(caught.value) == "flows['http://a.test/x']: expected a document or a file path, got 42"
    )


# --- the parse cache ---------------------------------------------------------------------------


def test_a_hot_flow_is_parsed_once():
    cache = DocumentCache()
    loader = ScenarioLoader(
        {"http://app.test/a": HELLO_XML, "http://app.test/b": HELLO_XML}, {}, cache=cache
    )
    first = Run(loader, make_request("http://app.test/a")).result.document
    again = Run(loader, make_request("http://app.test/a")).result.document
    other = Run(loader, make_request("http://app.test/b")).result.document
    assert first is again is other
    assert (cache.misses, cache.hits, len(cache)) == (1, 2, 1)


def test_the_cache_keeps_errors_and_drops_the_least_recently_used():
    cache = DocumentCache(max_entries=2)
    bad = cache.parse(b"<Nope/>")
    assert bad[0] is None and bad[1][0].code == 12200
    cache.parse(b"<Response/>")
    assert cache.parse(b"<Nope/>") is bad  # refreshed
    cache.parse(b"<Response><Hangup/></Response>")  # evicts <Response/>
    assert len(cache) == 2
    assert cache.parse(b"<Nope/>") is bad
    misses = cache.misses
    cache.parse(b"<Response/>")
    assert cache.misses == misses + 1
    with pytest.raises(ValueError, match="^unknown syntax 'yaml'; expected 'xml' or 'flow'$"):
        cache.parse(b"x", "yaml")


def test_record_json_has_seconds_and_no_status_until_answered():
    record = RequestRecord(1_234, None, "wait", "GET", "http://a.test/w", {"A": "1"})
    assert record.to_json() == {
        "at": 1.234,
        "call_sid": None,
        "kind": "wait",
        "method": "GET",
        "url": "http://a.test/w",
        "params": {"A": "1"},
    }


# --- real HTTP on loopback ---------------------------------------------------------------------


class Received:
    """What the loopback server saw of one request."""

    def __init__(self, method: str, url: str, raw_path: str, headers: dict[str, str], body: bytes):
        self.method = method
        self.url = url
        self.raw_path = raw_path
        self.headers = headers
        self.body = body
        self.form = (
            dict(parse_qsl(body.decode(), keep_blank_values=True)) if method == "POST" else {}
        )
        self.signature_valid = RequestValidator(TOKEN).validate(
            url, self.form, headers.get("X-Twilio-Signature", "")
        )


class Handler(BaseHTTPRequestHandler):
    server: LoopbackServer

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        url = f"http://{self.headers['Host']}{self.path}"
        self.server.received.append(
            Received(self.command, url, self.path, dict(self.headers.items()), body)
        )
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        route = ROUTES.get(parts.path)
        if route is None and parts.path.startswith("/hop/"):
            route = _hop
        if route is None:
            self._send(404, "text/plain", b"not found")
            return
        route(self, parts.path, query)

    def _send(self, status: int, content_type: str | None, body: bytes, **headers: str) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _hop(handler: Handler, path: str, query: dict[str, list[str]]) -> None:
    left = int(path.rsplit("/", 1)[1])
    code = int(query.get("code", ["302"])[0])
    target = f"{left - 1}?code={code}" if left > 0 else "/doc#frag"
    handler._send(code, None, b"", Location=target)


def _slow(handler: Handler, path: str, query: dict[str, list[str]]) -> None:
    handler.server.release.wait(5)
    handler._send(200, "text/xml", HELLO_XML.encode())


def _big_stream(handler: Handler, path: str, query: dict[str, list[str]]) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/xml")
    handler.end_headers()
    chunk = b" " * 65_536
    try:
        for _ in range(64):
            handler.wfile.write(chunk)
    except OSError:
        pass  # the client stopped reading, as it should


def _fixed(status: int, content_type: str | None, body: bytes) -> Callable[..., None]:
    return lambda handler, path, query: handler._send(status, content_type, body)


ROUTES: dict[str, Callable[..., None]] = {
    "/doc": _fixed(200, "text/xml; charset=utf-8", HELLO_XML.encode()),
    "/plain": _fixed(200, "text/plain; charset=iso-8859-1", "Grüß Gott".encode("latin-1")),
    "/audio.mp3": _fixed(200, "audio/mpeg", b"ID3\x00"),
    "/json": _fixed(200, "application/json", b"{}"),
    "/none": _fixed(200, None, HELLO_XML.encode()),
    "/broken": _fixed(500, "text/html", b"<html>oops</html>"),
    "/bad-xml": _fixed(200, "text/xml", b"<Response><Say>a & b</Say></Response>"),
    "/big": _fixed(200, "text/xml", b" " * 5_000),
    "/big-stream": _big_stream,
    "/see-other": _fixed(303, None, b""),
    "/slow": _slow,
}


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.received: list[Received] = []
        self.release = threading.Event()

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up is expected here

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    httpd = LoopbackServer()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def received(server: LoopbackServer) -> list[Received]:
    server.received.clear()
    return server.received


@pytest.fixture
def loader() -> Iterator[HttpLoader]:
    with HttpLoader(timeout_s=5.0, workers=4) as http_loader:
        yield http_loader


def over_http(loader: HttpLoader, request: Request) -> tuple[FetchResult, list[RequestRecord]]:
    scheduler = Scheduler(WallClock())
    log: list[RequestRecord] = []
    results: list[FetchResult] = []

    def done(result: FetchResult) -> None:
        results.append(result)
        scheduler.stop()

    loader.fetch(request, scheduler, log, done)
    assert results == [], "done must never run inside fetch"
    scheduler.run(until_ms=scheduler.now_ms + 10_000)
    assert len(results) == 1
    assert all(0 <= r.at_ms <= scheduler.now_ms for r in log)
    return results[0], log


def hops(log: list[RequestRecord]) -> list[tuple[object, ...]]:
    return [(r.kind, r.method, r.url, r.params, r.status) for r in log]


def test_get_appends_the_params_to_the_urls_own_query(server, received, loader):
    url = server.url("/doc?lang=en")
    result, log = over_http(loader, make_request(url + "#frag", "GET"))
    assert result == FetchResult(HELLO, url, 200, None)
    assert hops(log) == [("action", "GET", url, PARAMS, 200)]
    [got] = received
    assert got.raw_path == "/doc?lang=en&" + encode_params(PARAMS)
    assert got.raw_path == "/doc?lang=en&CallSid=CA00000000000000000000000000000001&Digits=1%23" \
        "&From=%2B1+555&Note=a%26b%3Dc"  # fmt: skip
    assert got.signature_valid
    assert got.body == b""
    assert got.headers["Accept"] == (
        "text/xml, application/xml, text/html, text/plain, audio/*;q=0.8, */*;q=0.1"
    )
    assert got.headers["User-Agent"].startswith("rcml/")
    assert got.headers["X-RestComm-Signature"] == got.headers["X-Twilio-Signature"]
    assert got.headers["X-Twilio-Signature"] == signature(TOKEN, url, "GET", PARAMS)


def test_post_sends_the_params_as_a_sorted_form(server, received, loader):
    url = server.url("/doc?lang=en")
    result, log = over_http(loader, make_request(url, "POST"))
    assert result == FetchResult(HELLO, url, 200, None)
    assert hops(log) == [("action", "POST", url, PARAMS, 200)]
    [got] = received
    assert got.raw_path == "/doc?lang=en"
    assert got.body == b"CallSid=CA00000000000000000000000000000001&Digits=1%23&From=%2B1+555" \
        b"&Note=a%26b%3Dc"  # fmt: skip
    assert got.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert got.form == PARAMS
    assert got.signature_valid


def test_redirects_are_followed_and_each_hop_is_signed(server, received, loader):
    result, log = over_http(loader, make_request(server.url("/hop/2?code=307"), "POST"))
    assert result == FetchResult(HELLO, server.url("/doc"), 200, None)
    assert hops(log) == [
        ("action", "POST", server.url("/hop/2?code=307"), PARAMS, 307),
        ("action", "POST", server.url("/hop/1?code=307"), PARAMS, 307),
        ("action", "POST", server.url("/hop/0?code=307"), PARAMS, 307),
        ("action", "POST", server.url("/doc"), PARAMS, 200),
    ]
    assert [(r.method, r.form, r.signature_valid) for r in received] == [("POST", PARAMS, True)] * 4


def test_303_switches_to_get_with_the_params_in_the_query(server, received, loader):
    result, log = over_http(loader, make_request(server.url("/hop/1?code=303"), "POST"))
    assert result.document == HELLO
    assert hops(log) == [
        ("action", "POST", server.url("/hop/1?code=303"), PARAMS, 303),
        ("action", "GET", server.url("/hop/0?code=303"), PARAMS, 303),
        ("action", "GET", server.url("/doc"), PARAMS, 200),
    ]
    assert [r.raw_path for r in received[1:]] == [
        "/hop/0?code=303&" + encode_params(PARAMS),
        "/doc?" + encode_params(PARAMS),
    ]
    assert all(r.signature_valid for r in received)


def test_the_sixth_redirect_over_http_is_too_many(server, received, loader):
    result, log = over_http(loader, make_request(server.url("/hop/9"), "GET"))
    failed = server.url("/hop/4?code=302")
    message = f"too many redirects: {failed} redirected again after 5 redirects"
    assert result == FetchResult(None, failed, 302, (11200, message))
    assert [r.status for r in log] == [302] * 6
    assert len(received) == 6


def test_a_slow_server_times_out(server, received):
    with HttpLoader(timeout_s=0.3) as impatient:
        started = time.monotonic()
        result, log = over_http(impatient, make_request(server.url("/slow")))
        assert time.monotonic() - started < 3
    message = f"no complete response from {server.url('/slow')} within 0.3 s"
    assert result == FetchResult(None, server.url("/slow"), None, (11205, message))
    assert hops(log) == [("action", "POST", server.url("/slow"), PARAMS, None)]


@pytest.mark.parametrize("path", ["/big", "/big-stream"])
def test_a_body_over_the_size_limit_fails(server, path):
    with HttpLoader(max_bytes=4_096) as small:
        result, log = over_http(small, make_request(server.url(path)))
    message = f"the response from {server.url(path)} is larger than 4,096 bytes"
    assert result == FetchResult(None, server.url(path), 200, (11200, message))
    assert [r.status for r in log] == [200]


def test_a_refused_connection_fails_with_11205(loader):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/x"
    result, log = over_http(loader, make_request(url))
    message = f"could not connect to {url}: [Errno 111] Connection refused"
    assert result == FetchResult(None, url, None, (11205, message))
    assert hops(log) == [("action", "POST", url, PARAMS, None)]


@pytest.mark.parametrize(
    ("path", "document", "error"),
    [
        ("/plain", n.Response(verbs=(n.Say(text="Grüß Gott"),)), None),
        ("/audio.mp3", n.Response(verbs=(n.Play(url="{base}/audio.mp3"),)), None),
        (
            "/json",
            None,
            (
                12300,
                "{base}/json answered with Content-Type 'application/json'; expected text/xml, "
                "application/xml, text/html, text/plain or audio/*",
            ),
        ),
        (
            "/none",
            None,
            (
                12300,
                "{base}/none answered with no Content-Type; expected text/xml, application/xml, "
                "text/html, text/plain or audio/*",
            ),
        ),
        (
            "/bad-xml",
            None,
            (12100, "{base}/bad-xml:1:19: a bare '&' is not allowed in XML; write '&amp;'"),
        ),
        ("/broken", None, (11200, "{base}/broken answered HTTP 500")),
    ],
)
def test_responses_over_http_are_classified(server, loader, path, document, error):
    base = server.url("")
    if document is not None and document.verbs and isinstance(document.verbs[0], n.Play):
        document = n.Response(verbs=(n.Play(url=base + "/audio.mp3"),))
    if error is not None:
        error = (error[0], error[1].format(base=base))
    result, _ = over_http(loader, make_request(server.url(path), "GET"))
    assert (result.document, result.error) == (document, error)


def test_status_callbacks_over_http_ignore_the_body(server, loader):
    result, _ = over_http(loader, make_request(server.url("/json"), kind="status-callback"))
    assert result == FetchResult(None, server.url("/json"), 200, None)
    result, _ = over_http(loader, make_request(server.url("/broken"), kind="status-callback"))
    assert result.error == (11200, f"{server.url('/broken')} answered HTTP 500")


def test_the_http_loader_parses_a_hot_document_once(server, loader):
    first, _ = over_http(loader, make_request(server.url("/doc")))
    again, _ = over_http(loader, make_request(server.url("/doc?v=2")))
    assert first.document is again.document
    assert (loader.cache.misses, loader.cache.hits) == (1, 1)


def test_an_unusable_url_fails_with_11100_before_any_request(received, loader):
    result, log = over_http(loader, make_request("ftp://files.test/x"))
    message = "invalid URL 'ftp://files.test/x': only http and https URLs can be requested"
    assert result == FetchResult(None, "ftp://files.test/x", None, (11100, message))
    assert (log, received) == ([], [])


@pytest.mark.parametrize(
    ("exc", "error"),
    [
        (
            httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
            (
                11205,
                "could not connect to https://app.test/x: [SSL: CERTIFICATE_VERIFY_FAILED] "
                "certificate verify failed",
            ),  # fmt: skip
        ),
        (
            httpx.ConnectError("[Errno -2] Name or service not known"),
            (
                11205,
                "could not connect to https://app.test/x: [Errno -2] Name or service not known",
            ),
        ),
        (
            httpx.RemoteProtocolError("Server disconnected without sending a response."),
            (
                11205,
                "the connection to https://app.test/x failed: Server disconnected without "
                "sending a response.",
            ),  # fmt: skip
        ),
        (
            httpx.DecodingError("Error -3 while decompressing data"),
            (
                11200,
                "reading the response from https://app.test/x failed: Error -3 while "
                "decompressing data",
            ),  # fmt: skip
        ),
    ],
)
def test_transport_failures_are_classified(exc, error):
    def fail(request: httpx.Request) -> httpx.Response:
        raise exc

    with HttpLoader(transport=httpx.MockTransport(fail)) as mocked:
        result, _ = over_http(mocked, make_request("https://app.test/x"))
    assert result == FetchResult(None, "https://app.test/x", None, error)


def test_a_bug_in_the_worker_surfaces_on_the_scheduler_thread():
    def broken(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("bug")

    with HttpLoader(transport=httpx.MockTransport(broken)) as mocked:
        scheduler = Scheduler(WallClock())
        mocked.fetch(make_request("https://app.test/x"), scheduler, [], lambda result: None)
        with pytest.raises(RuntimeError, match="^bug$"):
            scheduler.run(until_ms=scheduler.now_ms + 5_000)
