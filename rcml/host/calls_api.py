"""The Calls resource (calls-api §1, §5-§8): create, list, fetch, modify; JSON or XML.

Served at `/{V}/Accounts/{AccountSid}/Calls…` and again under `/restcomm`.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from rcml.host import representation as rep
from rcml.host.auth import authenticate_for
from rcml.host.params import parse_create, parse_list, parse_modify
from rcml.host.service import HostService
from rcml.store import CallRecord

VERSIONS = "any('2012-04-24', '2010-04-01')"
COLLECTIONS = "any(Calls, 'Calls.json', 'Calls.xml')"
COLLECTION_RULE = f"/<{VERSIONS}:version>/Accounts/<account_sid>/<{COLLECTIONS}:collection>"
CALL_RULE = COLLECTION_RULE + "/<call>"
SUFFIXES = (".json", ".xml")


def service() -> HostService:
    host: HostService = current_app.extensions["rcml"]
    return host


def _strip(segment: str) -> str:
    for suffix in SUFFIXES:
        if segment.endswith(suffix):
            return segment[: -len(suffix)]
    return segment


def wants_json(*segments: str) -> bool:
    """§1: `.json` on the last segment or on the collection segment selects JSON."""
    return any(segment.endswith(".json") for segment in segments)


def render_call(record: CallRecord, version: str, as_json: bool, status: int = 200) -> Response:
    if as_json:
        return Response(
            rep.dumps(rep.call_json(record, version)), status, content_type=rep.JSON_TYPE
        )
    body = rep.xml_document(version, rep.call_xml(record, version))
    return Response(body, status, content_type=rep.XML_TYPE)


def calls(version: str, account_sid: str, collection: str) -> Response:
    as_json = wants_json(collection)
    host = service()
    account = authenticate_for(host, account_sid)
    if request.method == "POST":
        order = parse_create(request.form.to_dict(flat=False))
        return render_call(host.create_call(account, order, version), version, as_json, 201)
    listing = parse_list(request.args.to_dict(flat=False))
    found = host.list_calls(account, listing)
    page = rep.ListPage(
        version, account.sid, found.calls, listing.filters, listing.page, listing.page_size,
        found.start, found.has_next, listing.token,
    )  # fmt: skip
    if as_json:
        return Response(rep.dumps(rep.page_json(page)), content_type=rep.JSON_TYPE)
    return Response(rep.page_xml(page), content_type=rep.XML_TYPE)


def call(version: str, account_sid: str, collection: str, call: str) -> Response:
    as_json = wants_json(collection, call)
    host = service()
    account = authenticate_for(host, account_sid)
    sid = _strip(call)
    record = host.get_call(account, sid)
    if request.method == "POST":
        change = parse_modify(request.form.to_dict(flat=False))
        record = host.modify_call(account, sid, change)
    return render_call(record, version, as_json)


def blueprint(name: str) -> Blueprint:
    """The Calls routes; registered once plain and once under `/restcomm` (with another name)."""
    routes = Blueprint(name, __name__)
    # A trailing '/' is ignored (§1): each rule is also given with one, since werkzeug's
    # strict_slashes=False would answer 404 instead of 405 to a wrong method without it.
    for rule, view in ((COLLECTION_RULE, calls), (CALL_RULE, call)):
        for path in (rule, rule + "/"):
            routes.add_url_rule(
                path, view_func=view, methods=["GET", "POST"], provide_automatic_options=False
            )
    return routes
