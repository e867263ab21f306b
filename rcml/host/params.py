"""The Calls API's parameters checked in the spec's order and turned into neutral requests.

calls-api §5.1 (create), §7 (list) and §8.1-8.2 (modify: the engine's own parser, shared with
scenario `modify` events). Pure functions over `{name: [values]}` maps; ApiError on the first
failing check.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from rcml import targets, values
from rcml.engine.modify import (
    Modification,
    ModifyError,
    check_methods,
    check_urls,
    parse_modification,
)
from rcml.engine.modify import Params as ModifyParams
from rcml.engine.modify import parse_twiml as engine_parse_twiml
from rcml.host.errors import ApiError, bad_request, invalid
from rcml.interpreter import FetchStart, InlineStart
from rcml.store import STATUSES, CallFilter, TimeRange

Params = Mapping[str, Sequence[str]]
Start = FetchStart | InlineStart
T = TypeVar("T")

DEFAULT_TIMEOUT_S = 60
MAX_TIMEOUT_S = 600
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
FILTERS = (
    "To", "From", "Status", "ParentCallSid", "StartTime", "StartTime<", "StartTime>",
    "EndTime", "EndTime<", "EndTime>",
)  # fmt: skip
_FROM_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}", re.ASCII)
_FROM_NUMBER = re.compile(r"\+?[0-9]{1,15}", re.ASCII)
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", re.ASCII)


def last(params: Params, name: str) -> str | None:
    """The last value given for `name`, None when absent or blank (§1: the last value counts)."""
    given = params.get(name)
    if not given:
        return None
    value = given[-1]
    return value if value.strip() else None


# --- shared checks -----------------------------------------------------------------------------


def _engine_check(check: Callable[[ModifyParams], T], params: Params) -> T:
    """Run one of the engine's parameter checks (shared with live modification) as an API check."""
    try:
        return check({name: list(values) for name, values in params.items()})
    except ModifyError as error:
        raise ApiError(error.status, error.code, error.message) from None


def _twiml(params: Params) -> str | None:
    return last(params, "Twiml") if last(params, "Twiml") is not None else last(params, "Rcml")


def parse_twiml(text: str) -> InlineStart:
    """An inline document: at most 4000 characters (32018), valid (its first problem's code)."""
    try:
        return engine_parse_twiml(text)
    except ModifyError as error:
        raise ApiError(error.status, error.code, error.message) from None


def _start(urls: dict[str, str | None], methods: dict[str, str], twiml: str | None) -> Start:
    if twiml is not None:
        return parse_twiml(twiml)
    url = urls["Url"]
    assert url is not None
    return FetchStart(url, methods["Method"], urls["FallbackUrl"], methods["FallbackMethod"])


# --- create (§5.1) -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallOrder:
    """A call to place: `to` is the target's address (custom headers apart), `start` its
    document once answered, progress callbacks, ring timeout."""

    to: str
    from_: str
    start: Start
    headers: tuple[tuple[str, str], ...] = ()
    status_callback: str | None = None
    status_callback_method: str = "POST"
    status_callback_events: frozenset[str] = frozenset({"completed"})
    timeout_s: int = DEFAULT_TIMEOUT_S
    sip_credentials: tuple[str, str] | None = None


def parse_target(text: str) -> targets.Target:
    """REST `To` (semantics §2.7.2): text with '@' and no scheme is a SIP URI."""
    text = text.strip()
    if targets.shorthand_kind(text) == "sip" and not text[:5].lower().startswith(("sip:", "sips:")):
        text = "sip:" + text
    return targets.parse_target(text)


def _check_from(text: str) -> str:
    text = text.strip()
    if _FROM_NUMBER.fullmatch(text) or _FROM_NAME.fullmatch(text):
        return text
    try:
        if text[:7].lower() == "client:":
            return targets.parse_client(text).address
        if text[:5].lower().startswith(("sip:", "sips:")):
            targets.parse_sip(text)
            return text
    except targets.TargetError:
        pass
    raise bad_request(21212, "Invalid 'From' Phone Number")


def _status_callback_events(params: Params) -> frozenset[str]:
    words = " ".join(params.get("StatusCallbackEvent", ()))
    try:
        parsed = values.EVENTS.parse(words)
    except ValueError:
        raise bad_request(21626, "Invalid 'StatusCallbackEvent'") from None
    assert isinstance(parsed, tuple)
    return frozenset(parsed)


def _timeout(params: Params) -> int:
    raw = last(params, "Timeout")
    if raw is None:
        return DEFAULT_TIMEOUT_S
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_TIMEOUT_S:
        raise bad_request(21208, f"Invalid Timeout: must be an integer from 1 to {MAX_TIMEOUT_S}")
    return int(raw)


def _sip_credentials(params: Params) -> tuple[str, str] | None:
    user = last(params, "SipAuthUsername") or last(params, "Username")
    password = last(params, "SipAuthPassword") or last(params, "Password")
    return (user, password or "") if user is not None else None


def parse_create(params: Params) -> CallOrder:
    """The create parameters, checked in the order of §5.1; ApiError on the first failure."""
    to, from_ = last(params, "To"), last(params, "From")
    if to is None:
        raise bad_request(21201, "No 'To' number is specified")
    if from_ is None:
        raise bad_request(21213, "'From' phone number is required")
    twiml = _twiml(params)
    url = last(params, "Url")
    if url is None and twiml is None:
        raise bad_request(21205, "A 'Url' or 'Twiml' parameter is required")
    if url is not None and twiml is not None:
        raise invalid("Url and Twiml are mutually exclusive")
    try:
        target = parse_target(to)
    except targets.TargetError:
        raise bad_request(21211, "Invalid 'To' Phone Number") from None
    caller = _check_from(from_)
    urls = _engine_check(check_urls, params)
    methods = _engine_check(check_methods, params)
    events = _status_callback_events(params)
    timeout_s = _timeout(params)
    start = _start(urls, methods, twiml)
    headers = target.headers if not isinstance(target, targets.ClientTarget) else ()
    return CallOrder(
        to=target.address, from_=caller, start=start, headers=headers,
        status_callback=urls["StatusCallback"],
        status_callback_method=methods["StatusCallbackMethod"], status_callback_events=events,
        timeout_s=timeout_s, sip_credentials=_sip_credentials(params),
    )  # fmt: skip


# --- modify (§8.1, §8.2 checks 2-6) ------------------------------------------------------------


def parse_modify(params: Params) -> Modification:
    """The modification parameters, checks 2-6 of §8.2 in order (the engine's own parser, which
    scenario `modify` events use too); ApiError on the first failure. Checks 1 (the call
    exists), 7 and 8 (its state) belong to whoever holds the call.
    """
    return _engine_check(parse_modification, params)


# --- list (§7) ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Listing:
    """What to list: the filter, the filters as given (for paging URIs), and the page wanted."""

    where: CallFilter
    filters: tuple[tuple[str, str], ...]
    page: int = 0
    page_size: int = DEFAULT_PAGE_SIZE
    token: str | None = None  # as given (PA…/PB…), echoed in `uri`
    after_sid: str | None = None
    before_sid: str | None = None

    @property
    def offset(self) -> int:
        return self.page * self.page_size


def _moment(name: str, text: str) -> tuple[int, int]:
    """[first, last+1) Unix ms of a `YYYY-MM-DD` day or a `YYYY-MM-DDTHH:MM:SSZ` second."""
    try:
        if _DAY.fullmatch(text):
            day = datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
            return _ms(day), _ms(day + timedelta(days=1))
        if _INSTANT.fullmatch(text):
            instant = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            return _ms(instant), _ms(instant) + 1000
    except ValueError:
        pass
    raise invalid(f"Invalid {name}: must be a date YYYY-MM-DD or a time YYYY-MM-DDTHH:MM:SSZ")


def _ms(moment: datetime) -> int:
    return int(moment.timestamp()) * 1000


def _time_range(params: Params, column: str) -> TimeRange:
    span = TimeRange()
    for suffix in ("", "<", ">"):
        name = column + suffix
        text = last(params, name)
        if text is None:
            continue
        first, after = _moment(name, text.strip())
        bounds = {"": TimeRange(first, after), "<": TimeRange(None, after)}
        span = span & bounds.get(suffix, TimeRange(first, None))
    return span


def _count(params: Params, name: str, default: int, low: int, high: int | None) -> int:
    raw = last(params, name)
    if raw is None:
        return default
    raw = raw.strip()
    if raw.isascii() and raw.isdigit() and int(raw) >= low and (high is None or int(raw) <= high):
        return int(raw)
    limit = f"from {low} to {high}" if high is not None else f"of {low} or more"
    raise invalid(f"Invalid {name}: must be an integer {limit}")


def parse_list(params: Params) -> Listing:
    """Filters and paging (§7.1, §7.2); ApiError 20001 or 21481 on the first bad one."""
    status = last(params, "Status")
    if status is not None and status not in STATUSES:
        raise invalid(f"Invalid Status: must be one of {', '.join(STATUSES)}")
    where = CallFilter(
        to=last(params, "To"), from_=last(params, "From"), status=status,
        parent_call_sid=last(params, "ParentCallSid"), start=_time_range(params, "StartTime"),
        end=_time_range(params, "EndTime"),
    )  # fmt: skip
    filters = tuple((name, value) for name in FILTERS if (value := last(params, name)) is not None)
    page_size = _count(params, "PageSize", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    page = _count(params, "Page", 0, 0, None)
    token = last(params, "PageToken")
    after_sid = last(params, "AfterSid")
    if token is None and after_sid is not None:
        token = "PA" + after_sid
    listing = Listing(where, filters, page, page_size, last(params, "PageToken"))
    if token is None:
        return listing
    kind, sid = token[:2], token[2:]
    if kind not in ("PA", "PB") or not sid:
        raise invalid_page_token()
    if kind == "PA":
        return replace(listing, after_sid=sid)
    return replace(listing, before_sid=sid)


def invalid_page_token() -> ApiError:
    return bad_request(21481, "Invalid PageToken")
