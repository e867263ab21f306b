"""App servers in process: document requests answered by calling WSGI apps, with no network.

A simulation can mount an app developer's own WSGI app (Flask, Django, any PEP 3333 app) at a
base URL. Every request the platform makes under that base, document fetches, actions, redirects
and status callbacks alike, becomes one call of the app with the environ a real server would give
it: method, path, query, the form-encoded body, and the platform's headers including both
signatures, so an app that validates `X-Twilio-Signature` accepts it. Answers take no virtual time.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from rcml.http import DEFAULT_PORTS, encode_params, lookup_key, request_url, signed_headers

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class AppFailed(Exception):
    """The app's answer cannot be used: `code` and `message` as the HTTP loader would report."""

    def __init__(self, code: int, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class AppAnswer:
    """What an app answered: status, headers (names in lower case) and body; `crash` is the
    exception that escaped the app (then the status is the 500 a server would send)."""

    status: int
    headers: dict[str, str]
    body: bytes
    crash: str | None = None


class MountedApps:
    """WSGI apps by base URL; a request goes to the app with the longest base that contains it."""

    def __init__(self, apps: Mapping[str, WsgiApp] | None = None) -> None:
        self._mounts: list[tuple[str, str, WsgiApp]] = []  # (base key, script name, app)
        for base, app in (apps or {}).items():
            self.mount(base, app)

    def __bool__(self) -> bool:
        return bool(self._mounts)

    def mount(self, base: str, app: WsgiApp) -> None:
        """Serve every URL under `base` (`http://app.test`, `https://app.test/api`) with `app`."""
        parts = urlsplit(base)
        if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname or parts.query:
            raise ValueError(
                f"apps: '{base}' is not a base URL such as http://app.test or http://app.test/api"
            )
        if not callable(app):
            raise ValueError(f"apps['{base}']: expected a WSGI app (a callable), got {app!r}")
        key = lookup_key(base).rstrip("/")
        self._mounts = [m for m in self._mounts if m[0] != key]
        self._mounts.append((key, parts.path.rstrip("/"), app))
        self._mounts.sort(key=lambda mount: -len(mount[0]))

    def find(self, url: str) -> tuple[str, WsgiApp] | None:
        """(script name, app) of the app serving `url`, if one is mounted there."""
        key = lookup_key(url)
        for base, script_name, app in self._mounts:
            if key == base or key.startswith((base + "/", base + "?")):
                return script_name, app
        return None


def call_app(
    script_name: str,
    app: WsgiApp,
    method: str,
    url: str,
    params: Mapping[str, str],
    auth_token: str,
    max_bytes: int,
) -> AppAnswer:
    """One request to `app` as a server would pass it; AppFailed if the answer is unusable.

    An exception out of the app is answered as a server would, with a 500; its text is kept in
    `crash`, so the run's error can say what happened.
    """
    environ = _environ(script_name, method, url, params, auth_token)
    return _respond(app, environ, url, max_bytes)


def _environ(
    script_name: str, method: str, url: str, params: Mapping[str, str], auth_token: str
) -> dict[str, Any]:
    target = urlsplit(request_url(url, method, params))
    body = encode_params(params).encode("ascii") if method == "POST" else b""
    path = target.path or "/"
    # PEP 3333: PATH_INFO is the decoded path as latin-1 text, below the mount's own path.
    path_info = unquote(path, encoding="latin-1")[len(script_name) :]
    scheme = target.scheme.lower()
    port = target.port or DEFAULT_PORTS[scheme]
    host = target.netloc.rpartition("@")[2]
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path_info,
        "QUERY_STRING": target.query,
        "SERVER_NAME": target.hostname or "",
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": host,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in signed_headers(auth_token, url, method, params).items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else "HTTP_" + key] = value
    return environ


def _respond(app: WsgiApp, environ: dict[str, Any], url: str, max_bytes: int) -> AppAnswer:
    started: list[tuple[str, list[tuple[str, str]]]] = []
    written: list[bytes] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: object = None
    ) -> Callable[[bytes], None]:
        started[:] = [(status, headers)]
        return written.append

    try:
        result = app(environ, start_response)
        try:
            size = sum(map(len, written))  # what the app wrote before returning its iterable
            for chunk in result:
                size += len(chunk)
                if size > max_bytes:
                    status = _status_code(started, url)
                    message = f"the response from {url} is larger than {max_bytes:,} bytes"
                    raise AppFailed(11200, message, status)
                written.append(chunk)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
    except AppFailed:
        raise
    except Exception as exc:  # the app crashed: a real server would answer 500
        return AppAnswer(500, {}, b"", crash=f"{type(exc).__name__}: {exc}")
    status = _status_code(started, url)
    headers = {name.lower(): value for name, value in started[0][1]}
    return AppAnswer(status, headers, b"".join(written))


def _status_code(started: list[tuple[str, list[tuple[str, str]]]], url: str) -> int:
    if not started:
        raise AppFailed(11200, f"the app serving {url} answered without calling start_response")
    status = started[0][0]
    code = status.split(" ", 1)[0]
    if not (code.isascii() and code.isdigit() and 100 <= int(code) <= 599):
        raise AppFailed(11200, f"the app serving {url} answered with a bad status {status!r}")
    return int(code)
