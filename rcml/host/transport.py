"""Document requests for the host over a lean HTTP/1.1 client with keep-alive connections.

At hundreds of calls per second the host's one interpreter spends most of its time making the
calls' document requests: about 0.7 ms of CPU each through httpx, httpcore and h11 (and the
email-based header parser of `http.client`), against about 0.15 ms here. `HostHttpLoader` is the
engine's `HttpLoader` with only its single exchange (`hop`, the loader's extension point) done by
`ConnectionPool`: requests, redirects, signatures, response handling and error codes stay the
loader's. Proxies from the environment are not used.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from rcml.http import encode_params, request_url, signed_headers
from rcml.loaders import Answer, HttpLoader, Request, RequestFailed, timed_out

Key = tuple[str, str, int]
DRAIN_LIMIT = 64 * 1024  # an unwanted body up to this size is read so the connection is kept
MAX_HEAD = 64 * 1024
CHUNK = 65536
# Characters sent as they are in a request target; anything else is percent-encoded (UTF-8).
_TARGET_SAFE = "!#$%&'()*+,/:;=?@[]~"


class ConnectFailed(OSError):
    """No connection could be made (refused, unknown host, unreachable)."""


class ProtocolError(OSError):
    """The server broke HTTP/1.1 or dropped the connection mid-answer."""


class BodyTooLarge(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names; a repeated header keeps its first value
    body: bytes


WantBody = Callable[[int, str | None], bool]


class _Connection:
    """One socket with its unread bytes."""

    __slots__ = ("sock", "buffer")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def close(self) -> None:
        self.sock.close()

    def fill(self, deadline: float) -> bool:
        """Read more into the buffer; False at end of stream."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("timed out")
        self.sock.settimeout(remaining)
        data = self.sock.recv(CHUNK)
        if not data:
            return False
        self.buffer += data
        return True

    def take(self, size: int, deadline: float) -> bytes:
        while len(self.buffer) < size:
            if not self.fill(deadline):
                raise ProtocolError("the connection closed in the middle of the body")
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def line(self, deadline: float) -> bytes:
        while (end := self.buffer.find(b"\r\n")) < 0:
            if len(self.buffer) > MAX_HEAD or not self.fill(deadline):
                raise ProtocolError("the connection closed in the middle of the body")
        line, self.buffer = self.buffer[:end], self.buffer[end + 2 :]
        return line


class ConnectionPool:
    """Keep-alive HTTP/1.1 connections per (scheme, host, port); thread-safe."""

    def __init__(self, max_idle_per_host: int = 32) -> None:
        self.max_idle_per_host = max_idle_per_host
        self._idle: dict[Key, list[_Connection]] = {}
        self._lock = threading.Lock()
        self._ssl: ssl.SSLContext | None = None

    def exchange(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes,
        deadline: float,
        want_body: WantBody,
        max_bytes: int,
    ) -> Reply:
        """One request and its response (the body only when `want_body(status, content type)`).

        TimeoutError past the deadline, ConnectFailed, ProtocolError or OSError when the exchange
        fails, BodyTooLarge when a wanted body passes `max_bytes`. A kept-alive connection that
        the server dropped meanwhile is replaced once.
        """
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        key = (scheme, host, port)
        target = quote(
            (parts.path or "/") + ("?" + parts.query if parts.query else ""), _TARGET_SAFE
        )
        head = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc.rpartition('@')[2]}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        if body or method == "POST":
            head.append(f"Content-Length: {len(body)}")
        message = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        while True:
            connection, reused = self._acquire(key, deadline)
            try:
                connection.sock.settimeout(max(deadline - time.monotonic(), 0.001))
                connection.sock.sendall(message)
                if not connection.buffer and not connection.fill(deadline):
                    raise _Dropped()
                status, found, keep = self._head(connection, deadline)
            except _Dropped:
                connection.close()
                if reused:
                    continue  # the server closed an idle connection: once more on a new one
                raise ProtocolError("the server closed the connection without answering") from None
            except (ConnectionResetError, BrokenPipeError) as exc:
                connection.close()
                if reused:
                    continue
                raise ProtocolError(str(exc) or type(exc).__name__) from None
            except BaseException:
                connection.close()
                raise
            return self._finish(
                key, connection, method, status, found, keep, deadline, want_body, max_bytes
            )

    def _finish(
        self,
        key: Key,
        connection: _Connection,
        method: str,
        status: int,
        headers: dict[str, str],
        keep: bool,
        deadline: float,
        want_body: WantBody,
        max_bytes: int,
    ) -> Reply:
        try:
            wanted = want_body(status, headers.get("content-type"))
            body, complete = self._body(
                connection, method, status, headers, deadline, wanted, max_bytes
            )
        except BaseException:
            connection.close()
            raise
        if keep and complete:
            self._release(key, connection)
        else:
            connection.close()
        return Reply(status, headers, body)

    @staticmethod
    def _head(connection: _Connection, deadline: float) -> tuple[int, dict[str, str], bool]:
        while (end := connection.buffer.find(b"\r\n\r\n")) < 0:
            if len(connection.buffer) > MAX_HEAD:
                raise ProtocolError("the response head is too large")
            if not connection.fill(deadline):
                raise ProtocolError("the connection closed in the middle of the response head")
        raw, connection.buffer = connection.buffer[:end], connection.buffer[end + 4 :]
        lines = raw.decode("latin-1").split("\r\n")
        version, _, rest = lines[0].partition(" ")
        code = rest[:3]
        if not version.startswith("HTTP/1.") or not code.isdigit():
            raise ProtocolError(f"not an HTTP/1.x response: {lines[0][:60]!r}")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if colon:
                headers.setdefault(name.strip().lower(), value.strip())
        status = int(code)
        if 100 <= status < 200:  # an interim answer (100 Continue): the real one follows
            return ConnectionPool._head(connection, deadline)
        tokens = headers.get("connection", "").lower()
        keep = "close" not in tokens and (version == "HTTP/1.1" or "keep-alive" in tokens)
        return status, headers, keep

    @staticmethod
    def _body(
        connection: _Connection,
        method: str,
        status: int,
        headers: dict[str, str],
        deadline: float,
        wanted: bool,
        max_bytes: int,
    ) -> tuple[bytes, bool]:
        """(the body, or b"" when unwanted; whether the connection can serve another request)."""
        if method == "HEAD" or status in (204, 304):
            return b"", True
        if "chunked" in headers.get("transfer-encoding", "").lower():
            if not wanted:
                return b"", False
            chunks: list[bytes] = []
            size = 0
            while True:
                length = int(connection.line(deadline).split(b";")[0].strip() or b"0", 16)
                if length == 0:
                    while connection.line(deadline):  # trailers, up to the empty line
                        pass
                    return b"".join(chunks), True
                size += length
                if size > max_bytes:
                    raise BodyTooLarge(status)
                chunks.append(connection.take(length, deadline))
                connection.take(2, deadline)
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit():
            length = int(declared)
            if not wanted:
                if length > DRAIN_LIMIT:
                    return b"", False
                connection.take(length, deadline)
                return b"", True
            if length > max_bytes:
                raise BodyTooLarge(status)
            return connection.take(length, deadline), True
        if not wanted:
            return b"", False
        while connection.fill(deadline):  # delimited by the end of the connection
            if len(connection.buffer) > max_bytes:
                raise BodyTooLarge(status)
        data, connection.buffer = connection.buffer, b""
        return data, False

    def _acquire(self, key: Key, deadline: float) -> tuple[_Connection, bool]:
        with self._lock:
            idle = self._idle.get(key)
            if idle:
                return idle.pop(), True
        scheme, host, port = key
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("timed out")
        try:
            sock = socket.create_connection((host, port), timeout=remaining)
        except TimeoutError:
            raise
        except OSError as exc:
            raise ConnectFailed(str(exc) or type(exc).__name__) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if scheme == "https":
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            try:
                sock = self._ssl.wrap_socket(sock, server_hostname=host)
            except OSError as exc:
                sock.close()
                raise ConnectFailed(str(exc) or type(exc).__name__) from None
        return _Connection(sock), False

    def _release(self, key: Key, connection: _Connection) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < self.max_idle_per_host:
                idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()


class _Dropped(Exception):
    """A kept-alive connection ended before any byte of the answer."""


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


class HostHttpLoader(HttpLoader):
    """The engine's HttpLoader with each exchange over `ConnectionPool` (see the module doc)."""

    def __init__(self, workers: int = 16, **options: object) -> None:
        super().__init__(workers=workers, **options)  # type: ignore[arg-type]
        self.connections = ConnectionPool(max_idle_per_host=workers)

    def hop(self, request: Request, method: str, url: str, deadline: float) -> Answer:
        """One request/response, as `HttpLoader.hop` with the same failures and messages."""
        if deadline - time.monotonic() <= 0:
            raise timed_out(url, self.timeout_s)
        params = request.params
        body = encode_params(params).encode("ascii") if method == "POST" else b""
        headers = signed_headers(request.auth_token, url, method, params)
        kind = request.kind

        def want_body(status: int, content_type: str | None) -> bool:
            return self.wants_body(kind, Answer(status, content_type))

        try:
            reply = self.connections.exchange(
                method, request_url(url, method, params), headers, body, deadline, want_body,
                self.max_bytes,
            )  # fmt: skip
        except TimeoutError:
            raise timed_out(url, self.timeout_s) from None
        except BodyTooLarge as exc:
            message = f"the response from {url} is larger than {self.max_bytes:,} bytes"
            raise RequestFailed(11200, message, exc.status) from None
        except ConnectFailed as exc:
            raise RequestFailed(11205, f"could not connect to {url}: {_reason(exc)}") from None
        except (OSError, ValueError) as exc:
            raise RequestFailed(11205, f"the connection to {url} failed: {_reason(exc)}") from None
        found = reply.headers
        return Answer(reply.status, found.get("content-type"), reply.body, found.get("location"))

    def close(self) -> None:
        super().close()
        self.connections.close()
