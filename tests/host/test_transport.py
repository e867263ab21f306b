"""The host's HTTP client: requests on the wire, keep-alive reuse, a dropped idle connection
retried once, bodies by length, chunks or close, and failures as the loader's error codes."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from rcml.host.transport import HostHttpLoader
from rcml.http import signed_headers
from rcml.loaders import STATUS_CALLBACK, Answer, Request, RequestFailed, RequestRecord
from rcml.scheduler import Scheduler

Answer_ = Callable[[bytes], bytes | None]  # request head -> raw response (None: say nothing)


class RawServer:
    """A loopback HTTP server scripted per connection: each connection serves `answers` in
    order, then closes; counts the connections it accepted."""

    def __init__(self, *answers: Answer_) -> None:
        self.answers = answers
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                try:
                    self._converse(conn)
                except OSError:  # the client reset the connection
                    pass

    def _converse(self, conn: socket.socket) -> None:
        for answer in self.answers:
            head = _read_request(conn)
            if head is None:
                return
            reply = answer(head)
            if reply is None:
                return
            conn.sendall(reply)

    def close(self) -> None:
        self.listener.close()


def _read_request(conn: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    while len(rest) < length:
        rest += conn.recv(65536)
    return head


def reply(status: bytes, headers: bytes, body: bytes) -> bytes:
    return b"HTTP/1.1 " + status + b"\r\n" + headers + b"\r\n" + body


def ok(body: bytes = b"<Response/>", extra: bytes = b"") -> Answer_:
    def answer(head: bytes) -> bytes:
        length = b"Content-Length: %d\r\n" % len(body)
        return reply(b"200 OK", b"Content-Type: text/xml\r\n" + length + extra, body)

    return answer


def silent(head: bytes) -> None:
    return None


@pytest.fixture
def loader() -> Iterator[HostHttpLoader]:
    made = HostHttpLoader(workers=2, timeout_s=2.0)
    yield made
    made.close()


def hop(
    loader: HostHttpLoader,
    url: str,
    method: str = "POST",
    kind: str = "rcml",
    seconds: float = 2.0,
) -> Answer:
    request = Request(kind, method, url, {"CallSid": "CA1", "Digits": "1 #"}, "CA1", "token")
    return loader.hop(request, method, url, time.monotonic() + seconds)


def failure(action: Callable[[], object]) -> tuple[int, str]:
    with pytest.raises(RequestFailed) as raised:
        action()
    return raised.value.code, raised.value.message


def test_a_signed_post_and_its_answer(loader: HostHttpLoader) -> None:
    seen: list[bytes] = []

    def record(head: bytes) -> bytes:
        seen.append(head)
        return ok(b"<Response><Say>hi</Say></Response>")(head)

    server = RawServer(record)
    url = f"http://127.0.0.1:{server.port}/ivr?x=1"
    answer = hop(loader, url)
    assert answer == Answer(200, "text/xml", b"<Response><Say>hi</Say></Response>", None)
    lines = seen[0].split(b"\r\n")
    assert lines[0] == b"POST /ivr?x=1 HTTP/1.1"
    assert f"Host: 127.0.0.1:{server.port}".encode() in lines
    signature = signed_headers("token", url, "POST", {"CallSid": "CA1", "Digits": "1 #"})
    assert f"X-Twilio-Signature: {signature['X-Twilio-Signature']}".encode() in lines
    assert b"Content-Type: application/x-www-form-urlencoded" in lines
    assert b"Content-Length: 24" in lines
    server.close()


def test_a_get_carries_its_parameters_in_the_query(loader: HostHttpLoader) -> None:
    seen: list[bytes] = []

    def record(head: bytes) -> bytes:
        seen.append(head)
        return ok()(head)

    server = RawServer(record)
    hop(loader, f"http://127.0.0.1:{server.port}/a b/ü?q=1", method="GET")
    assert seen[0].split(b"\r\n")[0] == (b"GET /a%20b/%C3%BC?q=1&CallSid=CA1&Digits=1+%23 HTTP/1.1")
    server.close()


def test_connections_are_kept_alive(loader: HostHttpLoader) -> None:
    server = RawServer(ok(), ok(), ok())
    for _ in range(3):
        assert hop(loader, f"http://127.0.0.1:{server.port}/").status == 200
    assert server.connections == 1
    server.close()


def test_a_dropped_idle_connection_is_retried_once_on_a_new_one(loader: HostHttpLoader) -> None:
    server = RawServer(ok(), silent)  # answers once, then hangs up on the next request
    url = f"http://127.0.0.1:{server.port}/"
    assert hop(loader, url).status == 200
    assert hop(loader, url).status == 200
    assert server.connections == 2
    server.close()


def test_a_fresh_connection_that_drops_fails(loader: HostHttpLoader) -> None:
    server = RawServer(silent)
    url = f"http://127.0.0.1:{server.port}/"
    assert failure(lambda: hop(loader, url)) == (
        11205,
        f"the connection to {url} failed: the server closed the connection without answering",
    )
    server.close()


def test_a_slow_answer_times_out(loader: HostHttpLoader) -> None:
    release = threading.Event()

    def slow(head: bytes) -> bytes:
        release.wait(5)
        return ok()(head)

    server = RawServer(slow)
    url = f"http://127.0.0.1:{server.port}/"
    assert failure(lambda: hop(loader, url, seconds=0.2)) == (
        11205,
        f"no complete response from {url} within 2 s",
    )
    release.set()
    server.close()


def test_a_refused_connection(loader: HostHttpLoader) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    url = f"http://127.0.0.1:{port}/"
    code, message = failure(lambda: hop(loader, url))
    assert code == 11205
    assert message.startswith(f"could not connect to {url}: ")


def test_a_chunked_body(loader: HostHttpLoader) -> None:
    chunked = reply(
        b"200 OK",
        b"Content-Type: text/xml\r\nTransfer-Encoding: chunked\r\n",
        b"a\r\n<Response>\r\nb;x=1\r\n</Response>\r\n0\r\nX-T: 1\r\n\r\n",
    )
    server = RawServer(lambda head: chunked, ok())
    url = f"http://127.0.0.1:{server.port}/"
    assert hop(loader, url).body == b"<Response></Response>"
    assert hop(loader, url).body == b"<Response/>"
    assert server.connections == 1
    server.close()


def test_a_body_delimited_by_closing(loader: HostHttpLoader) -> None:
    closing = reply(b"200 OK", b"Content-Type: text/plain\r\nConnection: close\r\n", b"Hello")
    server = RawServer(lambda head: closing)
    answer = hop(loader, f"http://127.0.0.1:{server.port}/")
    assert (answer.content_type, answer.body) == ("text/plain", b"Hello")
    server.close()


def test_unwanted_bodies_are_drained_or_the_connection_closed(loader: HostHttpLoader) -> None:
    big = RawServer(ok(b"x" * 100_000), ok())
    url = f"http://127.0.0.1:{big.port}/"
    assert hop(loader, url, kind=STATUS_CALLBACK) == Answer(200, "text/xml", b"", None)
    assert hop(loader, url).status == 200
    assert big.connections == 2
    small = RawServer(ok(b"x" * 100), ok())
    url = f"http://127.0.0.1:{small.port}/"
    hop(loader, url, kind=STATUS_CALLBACK)
    assert hop(loader, url).body == b"<Response/>"
    assert small.connections == 1
    big.close()
    small.close()


def test_a_body_over_the_limit(loader: HostHttpLoader) -> None:
    loader.max_bytes = 10
    server = RawServer(ok(b"x" * 11))
    url = f"http://127.0.0.1:{server.port}/"
    assert failure(lambda: hop(loader, url)) == (
        11200,
        f"the response from {url} is larger than 10 bytes",
    )
    server.close()


def test_a_redirect_answer_and_not_http(loader: HostHttpLoader) -> None:
    moved = reply(b"302 Found", b"Location: /next\r\nContent-Length: 0\r\n", b"")
    server = RawServer(lambda head: moved)
    url = f"http://127.0.0.1:{server.port}/"
    assert hop(loader, url) == Answer(302, None, b"", "/next")
    server.close()
    garbage = RawServer(lambda head: b"SSH-2.0-OpenSSH\r\n\r\n")
    url = f"http://127.0.0.1:{garbage.port}/"
    assert failure(lambda: hop(loader, url)) == (
        11205,
        f"the connection to {url} failed: not an HTTP/1.x response: 'SSH-2.0-OpenSSH'",
    )
    garbage.close()


def test_through_the_loader_with_a_scheduler(loader: HostHttpLoader) -> None:
    server = RawServer(ok(b"<Response><Say>hi</Say></Response>"))
    scheduler = Scheduler()
    log: list[RequestRecord] = []
    results = []
    url = f"http://127.0.0.1:{server.port}/ivr"
    request = Request("rcml", "POST", url, {"CallSid": "CA1"}, "CA1", "token")
    loader.fetch(request, scheduler, log, results.append)
    deadline = time.monotonic() + 5
    while not results and time.monotonic() < deadline:
        scheduler.run_due()
        time.sleep(0.01)
    (result,) = results
    assert (result.status, result.error, result.url) == (200, None, url)
    assert result.document is not None and len(result.document.verbs) == 1
    assert [(r.kind, r.url, r.status) for r in log] == [("rcml", url, 200)]
    server.close()
