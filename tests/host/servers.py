"""Real servers on 127.0.0.1 for the host tests: waitress in a thread, the host, an app server.

Loopback only, port 0 (the system picks a free port), torn down by the fixtures that start them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import waitress
from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator


class Served:
    """A WSGI app served by waitress on 127.0.0.1 in a background thread."""

    def __init__(self, app: Callable[..., Any], threads: int = 8) -> None:
        self.server = waitress.create_server(
            app, host="127.0.0.1", port=0, threads=threads, asyncore_loop_timeout=0.05
        )
        self.port = int(self.server.effective_port)  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.run, name="waitress", daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Close every channel from inside the server's loop (closing sockets under a running
        select() from another thread fails), then stop the worker threads."""
        server: Any = self.server
        server.trigger.pull_trigger(lambda: _close_all(server._map))
        self.thread.join(5)
        server.task_dispatcher.shutdown()


def _close_all(channels: dict[int, Any]) -> None:
    for channel in list(channels.values()):
        channel.close()


IVR = (
    '<Response><Gather numDigits="1" action="/menu" timeout="5"><Say>Press one for sales</Say>'
    "</Gather><Say>Goodbye</Say></Response>"
)
MENU = "<Response><Say>You pressed {digits}</Say><Hangup/></Response>"


def requested_url() -> str:
    """The URL exactly as requested: Flask's `request.url` decodes `%3A` and the like in the
    query, which would change what a GET request's signature covers (semantics §4.9)."""
    query = request.query_string.decode("ascii")
    return request.base_url + ("?" + query if query else "")


@dataclass
class AppServer:
    """A small app server: serves RCML and checks every request's signature like a Twilio app
    would with `RequestValidator`; a request with a bad signature is refused with 403."""

    auth_token: str
    seen: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wsgi(self) -> Flask:
        app = Flask("app-server")

        def check() -> dict[str, str]:
            params = request.form.to_dict() if request.method == "POST" else {}
            signature = request.headers.get("X-Twilio-Signature", "")
            validator = RequestValidator(self.auth_token)
            valid = validator.validate(requested_url(), params, signature)
            with self.lock:
                self.seen.append({
                    "path": request.path, "method": request.method, "valid": valid,
                    "restcomm": request.headers.get("X-RestComm-Signature") == signature,
                    "params": {**request.args.to_dict(), **params},
                })  # fmt: skip
            if not valid:
                abort(403)
            return {**request.args.to_dict(), **params}

        @app.route("/ivr", methods=["GET", "POST"])
        def ivr() -> Response:
            check()
            return Response(IVR, content_type="text/xml")

        @app.route("/menu", methods=["GET", "POST"])
        def menu() -> Response:
            params = check()
            return Response(MENU.format(digits=params.get("Digits", "")), content_type="text/xml")

        @app.route("/hello", methods=["GET", "POST"])
        def hello() -> Response:
            check()
            return Response("<Response><Say>Hello</Say></Response>", content_type="text/xml")

        @app.route("/status", methods=["GET", "POST"])
        def status() -> Response:
            check()
            return Response("", 204)

        return app
