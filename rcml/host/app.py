"""`create_app(config)`: the host's Flask application — flows, the Calls API (plain and under
`/restcomm`), simulation control — over one `HostService`."""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from rcml.host import representation as rep
from rcml.host.auth import CHALLENGE
from rcml.host.config import HostConfig, demo_account
from rcml.host.errors import ApiError, NotFound, method_not_allowed, not_found
from rcml.host.flows import FLOWS_KEY, FlowFolder
from rcml.host.service import HostService
from rcml.store import Store

log = logging.getLogger("rcml.host")
SERVICE_KEY = "rcml"


def create_app(
    config: HostConfig,
    *,
    service: HostService | None = None,
    start: bool = True,
) -> Flask:
    """The application for `config`. Without `service`, one is made over the configured
    database (the demo account comes from there when no account is configured); with
    `start`, its engine starts at once (`rcml serve` starts it after binding the port).
    """
    if service is None:
        store = Store(config.database)
        if not config.accounts:
            config = config.with_accounts((demo_account(store),))
        service = HostService(config, store)
    if start:
        service.start()
    app = Flask("rcml.host")
    app.extensions[SERVICE_KEY] = service
    app.extensions[FLOWS_KEY] = FlowFolder(service.config.flows_dir)
    from rcml.host import calls_api, flows, sim

    app.register_blueprint(flows.routes)
    app.register_blueprint(sim.routes)
    app.register_blueprint(calls_api.blueprint("calls"))
    app.register_blueprint(calls_api.blueprint("restcomm_calls"), url_prefix="/restcomm")
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    return app


def response_format(path: str) -> tuple[str, bool]:
    """(API version for an XML root, JSON?) of a response to `path` (calls-api §1: errors use
    the format the request would have had)."""
    segments = path.strip("/").split("/")
    restcomm = segments[:1] == ["restcomm"]
    if restcomm:
        segments = segments[1:]
    if segments[:1] == ["sim"]:
        return rep.TWILIO_VERSION, True
    default = rep.RESTCOMM_VERSION if restcomm else rep.TWILIO_VERSION
    version = segments[0] if segments and segments[0] in rep.API_VERSIONS else default
    return version, any(segment.endswith(".json") for segment in segments)


def error_response(error: ApiError) -> Response:
    version, as_json = response_format(request.path)
    if as_json:
        response = Response(
            rep.dumps(rep.error_json(error)), error.status, content_type=rep.JSON_TYPE
        )
    else:
        response = Response(rep.error_xml(error, version), error.status, content_type=rep.XML_TYPE)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = CHALLENGE
    return response


def _api_error(error: ApiError) -> Response:
    return error_response(error)


def _not_found(error: NotFound) -> Response:
    return error_response(not_found(request.path))


def _http_error(error: HTTPException) -> Response:
    if request.path.startswith("/flows/"):
        return Response(
            f"{error.code} {error.name}\n", error.code or 500, content_type="text/plain"
        )
    if error.code == 405:
        return error_response(method_not_allowed())
    if error.code == 404:
        return error_response(not_found(request.path))
    return error_response(ApiError(error.code or 500, 20001, error.description or error.name))


def _unexpected(error: Exception) -> Response:
    log.exception("unexpected error serving %s %s", request.method, request.path)
    return error_response(ApiError(500, 20500, "Internal Server Error"))
