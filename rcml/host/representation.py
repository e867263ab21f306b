"""Calls, list pages and errors as JSON and XML, the shapes Twilio's and Restcomm's clients read.

Pure functions of records (calls-api §3, §4, §7.3, §7.4): no Flask, no IO.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape, quoteattr

from rcml.host.errors import MORE_INFO, ApiError
from rcml.store import CallRecord

TWILIO_VERSION = "2010-04-01"
RESTCOMM_VERSION = "2012-04-24"
API_VERSIONS = (RESTCOMM_VERSION, TWILIO_VERSION)
XML_ROOTS = {TWILIO_VERSION: "TwilioResponse", RESTCOMM_VERSION: "RestcommResponse"}
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"


def rfc2822(ms: int | None) -> str | None:
    """Unix milliseconds as an RFC 2822 date in UTC, whole seconds (`Sun, 22 Nov 2026 …`)."""
    return None if ms is None else _rfc2822_second(ms // 1000)


@functools.lru_cache(maxsize=4096)
def _rfc2822_second(second: int) -> str:
    # Cached: a call's dates are rendered again at every fetch and listing.
    return format_datetime(datetime.fromtimestamp(second, tz=UTC))


def _seconds(value: int | None) -> str | None:
    return None if value is None else str(value)


def calls_uri(version: str, account_sid: str) -> str:
    return f"/{version}/Accounts/{account_sid}/Calls"


def call_json(record: CallRecord, version: str) -> dict[str, Any]:
    """The JSON representation (§4.1), in Twilio's field order."""
    base = f"{calls_uri(version, record.account_sid)}/{record.sid}"
    return {
        "sid": record.sid,
        "date_created": rfc2822(record.created_ms),
        "date_updated": rfc2822(record.updated_ms),
        "parent_call_sid": record.parent_call_sid,
        "account_sid": record.account_sid,
        "to": record.to,
        "to_formatted": record.to,
        "from": record.from_,
        "from_formatted": record.from_,
        "phone_number_sid": None,
        "status": record.status,
        "start_time": rfc2822(record.start_ms),
        "end_time": rfc2822(record.end_ms),
        "duration": _seconds(record.duration_s),
        "ring_duration": _seconds(record.ring_duration_s),
        "price": None,
        "price_unit": "USD",
        "direction": record.direction,
        "answered_by": None,
        "api_version": record.api_version,
        "forwarded_from": record.forwarded_from,
        "group_sid": None,
        "caller_name": record.caller_name,
        "queue_time": "0",
        "trunk_sid": None,
        "uri": f"{base}.json",
        "subresource_uris": {
            "notifications": f"{base}/Notifications.json",
            "recordings": f"{base}/Recordings.json",
        },
    }


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _element(name: str, value: object) -> str:
    tag = _pascal(name)
    if value is None:
        return f"<{tag}/>"
    if isinstance(value, dict):
        return f"<{tag}>{''.join(_element(key, item) for key, item in value.items())}</{tag}>"
    return f"<{tag}>{escape(str(value))}</{tag}>"


def _without_json(uri: str) -> str:
    return uri.removesuffix(".json")


def call_xml(record: CallRecord, version: str) -> str:
    """The `<Call>` element (§4.3): the JSON fields in PascalCase, URIs without `.json`."""
    fields = call_json(record, version)
    fields["uri"] = _without_json(fields["uri"])
    fields["subresource_uris"] = {
        name: _without_json(uri) for name, uri in fields["subresource_uris"].items()
    }
    return f"<Call>{''.join(_element(name, value) for name, value in fields.items())}</Call>"


def xml_document(version: str, inner: str) -> str:
    root = XML_ROOTS[version]
    return f"<?xml version='1.0' encoding='UTF-8'?>\n<{root}>{inner}</{root}>"


def error_json(error: ApiError) -> dict[str, Any]:
    """Twilio's error shape; never `type` or `title` (they would make it an RFC 9457 body)."""
    return {
        "code": error.code,
        "message": error.message,
        "more_info": MORE_INFO.format(code=error.code),
        "status": error.status,
    }


def error_xml(error: ApiError, version: str) -> str:
    body = (
        f"<RestException><Code>{error.code}</Code><Message>{escape(error.message)}</Message>"
        f"<MoreInfo>{escape(MORE_INFO.format(code=error.code))}</MoreInfo>"
        f"<Status>{error.status}</Status></RestException>"
    )
    return xml_document(version, body)


# --- list pages (§7.3, §7.4) -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListPage:
    """One page of a call listing and what its paging URIs need.

    `filters` are the request's filter parameters as given, in the order of §7.1.
    """

    version: str
    account_sid: str
    calls: Sequence[CallRecord]
    filters: Sequence[tuple[str, str]]
    page: int
    page_size: int
    start: int
    has_next: bool
    token: str | None = None

    @property
    def end(self) -> int:
        return self.start + len(self.calls) - 1 if self.calls else self.start

    def uri(self, suffix: str, page: int, token: str | None) -> str:
        query = [*self.filters, ("PageSize", str(self.page_size)), ("Page", str(page))]
        if token is not None:
            query.append(("PageToken", token))
        return f"{calls_uri(self.version, self.account_sid)}{suffix}?{urlencode(query)}"

    def uris(self, suffix: str) -> dict[str, str | None]:
        next_uri = previous_uri = None
        if self.has_next and self.calls:
            next_uri = self.uri(suffix, self.page + 1, "PA" + self.calls[-1].sid)
        if self.page > 0:
            token = "PB" + self.calls[0].sid if self.calls else None
            previous_uri = self.uri(suffix, self.page - 1, token)
        return {
            "uri": self.uri(suffix, self.page, self.token),
            "first_page_uri": self.uri(suffix, 0, None),
            "next_page_uri": next_uri,
            "previous_page_uri": previous_uri,
        }


def page_json(page: ListPage) -> dict[str, Any]:
    """Exactly `calls` plus Twilio's paging keys (any other key breaks its client)."""
    return {
        "calls": [call_json(record, page.version) for record in page.calls],
        "page": page.page,
        "page_size": page.page_size,
        "start": page.start,
        "end": page.end,
        **page.uris(".json"),
    }


def page_xml(page: ListPage) -> str:
    uris = page.uris("")
    attributes = {
        "page": str(page.page),
        "pagesize": str(page.page_size),
        "start": str(page.start),
        "end": str(page.end),
        "uri": uris["uri"],
        "firstpageuri": uris["first_page_uri"],
        "nextpageuri": uris["next_page_uri"],
        "previouspageuri": uris["previous_page_uri"],
    }
    head = " ".join(f"{name}={quoteattr(value or '')}" for name, value in attributes.items())
    calls = "".join(call_xml(record, page.version) for record in page.calls)
    return xml_document(page.version, f"<Calls {head}>{calls}</Calls>")


def dumps(payload: object) -> str:
    return json.dumps(payload, ensure_ascii=False)
