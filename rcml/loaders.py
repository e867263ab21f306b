"""Loaders answer the platform's requests: from a scenario's maps in virtual time, or over HTTP.

Both follow redirects themselves (each hop logged and re-signed) and share the response handling
of rcml-semantics §4.5-4.8, and a content-addressed parse cache so a hot flow is parsed once.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx

from rcml import nodes as n
from rcml.errors import Problem, sort_problems
from rcml.http import (
    UrlError,
    check_fetchable,
    encode_params,
    lookup_key,
    request_url,
    resolve_url,
    signed_headers,
    strip_fragment,
    without_query,
)
from rcml.scheduler import Scheduler
from rcml.wsgi import AppFailed, MountedApps, WsgiApp, call_app

STATUS_CALLBACK = "status-callback"
KINDS = ("rcml", "fallback", "action", "redirect", "screening", "wait", STATUS_CALLBACK)
TIMEOUT_MS = 15_000
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_BYTES = 1024 * 1024
USABLE_TYPES = "text/xml, application/xml, text/html, text/plain or audio/*"

Error = tuple[int, str]


@dataclass(frozen=True, slots=True)
class Request:
    """One document request as the engine builds it."""

    kind: str  # one of KINDS
    method: str  # GET | POST
    url: str  # absolute; a fragment is ignored
    params: Mapping[str, str]  # exactly the parameters to send
    call_sid: str | None
    auth_token: str  # signs every hop


@dataclass(slots=True)
class RequestRecord:
    """One HTTP hop, as listed in a run's `requests` (interfaces.md §3.2)."""

    at_ms: int
    call_sid: str | None
    kind: str
    method: str
    url: str  # without the parameters the platform appended, no fragment
    params: dict[str, str]
    status: int | None = None  # None until answered; stays None on timeout or connection failure

    def to_json(self) -> dict[str, object]:
        entry: dict[str, object] = {
            "at": self.at_ms / 1000,
            "call_sid": self.call_sid,
            "kind": self.kind,
            "method": self.method,
            "url": self.url,
            "params": dict(self.params),
        }
        if self.status is not None:
            entry["status"] = self.status
        return entry


@dataclass(frozen=True, slots=True)
class FetchResult:
    """How a request ended: a document (or None), the current document URL, status and error."""

    document: n.Response | None  # None for status-callback requests and on failure
    url: str  # the requested URL without appended parameters, or the final Location
    status: int | None  # of the last hop; None on timeout or connection failure
    error: Error | None = None  # (code, message naming the URL)


class Loader(Protocol):
    """Answers requests; `done` is always called later through the scheduler, never inside fetch."""

    def fetch(
        self,
        request: Request,
        scheduler: Scheduler,
        log: list[RequestRecord],
        done: Callable[[FetchResult], None],
    ) -> None: ...


# --- parsing -----------------------------------------------------------------------------------

Parsed = tuple[n.Response | None, tuple[Problem, ...]]


def parse_document(body: bytes, syntax: str) -> Parsed:
    """Parse and validate a body in either syntax; positions carry no file name (the cache is keyed
    by content, so one parse serves every URL that answers the same bytes)."""
    if syntax == "xml":
        from rcml.xml_reader import check_xml

        doc, problems = check_xml(body, None)
        return doc, tuple(problems)
    if syntax != "flow":
        raise ValueError(f"unknown syntax {syntax!r}; expected 'xml' or 'flow'")
    from rcml.flow_reader import check_flow  # written alongside; imported only when needed

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        col = exc.start - (body.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, (Problem(None, line, col, 12100, f"invalid UTF-8: {exc.reason}"),)
    doc, problems = check_flow(text, None)
    return doc, tuple(problems)


class DocumentCache:
    """Parsed documents by (syntax, SHA-1 of the body), least recently used dropped; thread-safe."""

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[tuple[str, bytes], Parsed] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def parse(self, body: bytes, syntax: str = "xml") -> Parsed:
        key = (syntax, hashlib.sha1(body).digest())
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found
        # Parse outside the lock: two threads may parse the same body once each, never block.
        parsed = parse_document(body, syntax)
        with self._lock:
            self.misses += 1
            self._entries[key] = parsed
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return parsed


# --- response handling (§4.5, §4.6), shared by both loaders ------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    """One HTTP response as the response handling sees it."""

    status: int
    content_type: str | None
    body: bytes = b""
    location: str | None = None
    syntax: str = "xml"  # "flow" for a scenario flow written in the DSL
    note: str = ""  # added to a status failure's message


class RequestFailed(Exception):
    """A request failed with a runtime error code (§5)."""

    def __init__(self, code: int, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status  # of a response that arrived but cannot be used


def media_kind(content_type: str | None) -> str | None:
    """'rcml', 'text' or 'audio' from a Content-Type (parameters ignored); None when unusable."""
    if not content_type:
        return None
    media = content_type.split(";", 1)[0].strip().lower()
    if media in ("text/xml", "application/xml", "text/html"):
        return "rcml"
    if media == "text/plain":
        return "text"
    if media.startswith("audio/"):
        return "audio"
    return None


def redirect_target(method: str, url: str, answer: Answer) -> tuple[str, str]:
    """The method and URL of the next hop after a redirect answer (303 switches to GET)."""
    if not answer.location:
        raise RequestFailed(11200, f"{url} answered HTTP {answer.status} without a Location header")
    try:
        target = strip_fragment(resolve_url(url, answer.location))
    except UrlError as exc:
        raise RequestFailed(exc.code, exc.message) from None
    return ("GET" if answer.status == 303 else method), target


def too_many_redirects(url: str) -> RequestFailed:
    return RequestFailed(
        11200, f"too many redirects: {url} redirected again after {MAX_REDIRECTS} redirects"
    )


def timed_out(url: str, seconds: float) -> RequestFailed:
    return RequestFailed(11205, f"no complete response from {url} within {seconds:g} s")


def _charset(content_type: str) -> str:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            try:
                return codecs.lookup(value.strip().strip('"')).name
            except LookupError:
                break
    return "utf-8"


def _problems_error(url: str, problems: tuple[Problem, ...]) -> Error:
    """The first problem naming the URL and its position, then how many more there are."""
    errors = sort_problems(p for p in problems if p.is_error)
    if not errors:
        return 12100, f"{url}: invalid document"
    first = errors[0]
    where = f"{url}:{first.line}" + (f":{first.col}" if first.col is not None else "")
    more = len(errors) - 1
    suffix = f" (and {more} more problem{'s' * (more != 1)})" if more else ""
    return first.code, f"{where}: {first.message}{suffix}"


def _rcml_document(answer: Answer, url: str, cache: DocumentCache) -> n.Response:
    doc, problems = cache.parse(answer.body, answer.syntax)
    if doc is None:
        raise RequestFailed(*_problems_error(url, problems))
    return doc


def _text_document(answer: Answer, url: str, cache: DocumentCache) -> n.Response:
    # Whitespace collapses as in any <Say>; a blank body is an empty document.
    text = " ".join(answer.body.decode(_charset(answer.content_type or ""), "replace").split())
    return n.Response(verbs=(n.Say(text=text),) if text else ())


def _audio_document(answer: Answer, url: str, cache: DocumentCache) -> n.Response:
    # After redirects this is the final Location, the URL the audio was actually served from.
    return n.Response(verbs=(n.Play(url=url),))


_DOCUMENT_BUILDERS: dict[str, Callable[[Answer, str, DocumentCache], n.Response]] = {
    "rcml": _rcml_document,
    "text": _text_document,
    "audio": _audio_document,
}


def interpret(kind: str, url: str, answer: Answer, cache: DocumentCache) -> FetchResult:
    """§4.6 for the last hop's answer; `url` is the current document URL (no parameters added)."""
    try:
        if not 200 <= answer.status < 300:
            raise RequestFailed(11200, f"{url} answered HTTP {answer.status}{answer.note}")
        if kind == STATUS_CALLBACK:
            return FetchResult(None, url, answer.status)
        media = media_kind(answer.content_type)
        if media is None:
            what = (
                f"Content-Type '{answer.content_type}'"
                if answer.content_type
                else "no Content-Type"
            )
            raise RequestFailed(12300, f"{url} answered with {what}; expected {USABLE_TYPES}")
        return FetchResult(_DOCUMENT_BUILDERS[media](answer, url, cache), url, answer.status)
    except RequestFailed as failure:
        return _failed(url, failure, answer.status)


def _failed(url: str, failure: RequestFailed, status: int | None = None) -> FetchResult:
    return FetchResult(None, url, status, (failure.code, failure.message))


def _fetchable(
    request: Request, scheduler: Scheduler, done: Callable[[FetchResult], None]
) -> str | None:
    """The request's URL without fragment; None (and `done` scheduled with 11100) if unusable."""
    url = strip_fragment(request.url)
    try:
        check_fetchable(url)
    except ValueError as exc:
        result = _failed(url, RequestFailed(11100, str(exc)))
        scheduler.call_soon(lambda: done(result))
        return None
    return url


# --- scenario maps, virtual time ---------------------------------------------------------------

# Per-loader memos of URL strings stay this small however many distinct URLs a run requests.
_MEMO_ENTRIES = 4096
_HTTP_ENTRY_KEYS = ("status", "content_type", "body", "delay", "location")
_FLOW_SUFFIXES = {".xml": "xml", ".flow": "flow"}


def _map_key(section: str, url: object) -> str:
    if not isinstance(url, str):
        raise ValueError(f"{section}: key {url!r} is not a URL")
    try:
        check_fetchable(url)
    except ValueError:
        raise ValueError(f"{section}: key '{url}' is not an absolute http or https URL") from None
    return lookup_key(url)


def _flow_answer(key: str, value: object, base_dir: Path | None) -> Answer:
    """A `flows` value: inline XML, inline DSL text, or the path of a .xml or .flow file."""
    if not isinstance(value, str):
        raise ValueError(f"flows['{key}']: expected a document or a file path, got {value!r}")
    stripped = value.strip()
    suffix = Path(stripped).suffix.lower()
    if "\n" not in stripped and suffix in _FLOW_SUFFIXES and not stripped.startswith("<"):
        path = (base_dir or Path.cwd()) / stripped
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise ValueError(f"flows['{key}']: cannot read {path}: {exc.strerror}") from None
        return Answer(200, "text/xml", body, syntax=_FLOW_SUFFIXES[suffix])
    syntax = "xml" if value.lstrip().startswith("<") else "flow"
    return Answer(200, "text/xml", value.encode("utf-8"), syntax=syntax)


def _http_answer(key: str, entry: object) -> tuple[Answer, int]:
    """An `http` entry as (answer, delay in ms); `content_type: null` sends no Content-Type."""
    where = f"http['{key}']"
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where}: expected a map of {', '.join(_HTTP_ENTRY_KEYS)}")
    unknown = sorted(str(name) for name in entry if name not in _HTTP_ENTRY_KEYS)
    if unknown:
        raise ValueError(
            f"{where}: unknown key '{unknown[0]}'; expected one of {', '.join(_HTTP_ENTRY_KEYS)}"
        )
    status = entry.get("status", 200)
    content_type = entry.get("content_type", "text/xml")
    body = entry.get("body", "")
    delay = entry.get("delay", 0)
    location = entry.get("location")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError(f"{where}: status must be an HTTP status code (100-599), got {status!r}")
    if content_type is not None and not isinstance(content_type, str):
        raise ValueError(f"{where}: content_type must be text, got {content_type!r}")
    if not isinstance(body, str):
        raise ValueError(f"{where}: body must be text, got {body!r}")
    if isinstance(delay, bool) or not isinstance(delay, int | float) or not delay >= 0:
        raise ValueError(f"{where}: delay must be a number of seconds >= 0, got {delay!r}")
    if location is not None and not isinstance(location, str):
        raise ValueError(f"{where}: location must be a URL, got {location!r}")
    answer = Answer(status, content_type, body.encode("utf-8"), location)
    return answer, round(delay * 1000)


class ScenarioLoader:
    """Answers from a scenario's `flows` and `http` maps in virtual time (rcml-semantics §4.10),
    and from WSGI apps mounted at base URLs (`rcml.wsgi`, an rcml extension for testing app
    servers in process).

    Lookup: the URL's key (`lookup_key`), then the key without its query; for each key an `http`
    entry wins over a `flows` entry, so the more specific key decides first; a URL neither map
    has goes to the app mounted there, if any. Malformed maps raise ValueError at construction.
    """

    def __init__(
        self,
        flows: Mapping[str, str] | None = None,
        http: Mapping[str, Mapping[str, object]] | None = None,
        base_dir: Path | None = None,
        cache: DocumentCache | None = None,
        apps: MountedApps | None = None,
    ) -> None:
        self.cache = cache if cache is not None else DocumentCache()
        self.apps = apps if apps is not None else MountedApps()
        self._answers: dict[str, tuple[Answer, int]] = {}
        self._flows: dict[str, tuple[Answer, int]] = {}
        # The maps never change, so what a URL string finds is worked out once: a hot flow is
        # requested by every call, and key normalisation parses the URL each time.
        self._found: dict[str, tuple[Answer, int] | None] = {}
        self._fetchable: set[str] = set()
        for url, value in (flows or {}).items():
            self._flows[_map_key("flows", url)] = (_flow_answer(url, value, base_dir), 0)
        for url, entry in (http or {}).items():
            self._answers[_map_key("http", url)] = _http_answer(url, entry)

    def answer(self, request: Request, method: str, url: str) -> tuple[Answer, int]:
        """The answer to a hop at `url` (no appended parameters) and its delay in ms; RequestFailed
        when a mounted app's answer cannot be used.
        """
        memo = self._found
        if url in memo:
            found = memo[url]
        else:
            found = self._lookup(url)
            if len(memo) >= _MEMO_ENTRIES:
                memo.clear()
            memo[url] = found
        if found is not None:
            return found
        kind = request.kind
        if self.apps:
            served = self.apps.find(url)
            if served is not None:
                return _app_answer(request, method, url, *served), 0
        if kind == STATUS_CALLBACK:
            return Answer(200, None), 0
        note = " (the scenario has no `flows` or `http` entry for this URL)"
        return Answer(404, "text/plain", note=note), 0

    def _lookup(self, url: str) -> tuple[Answer, int] | None:
        key = lookup_key(url)
        for candidate in (key, without_query(key)):
            found = self._answers.get(candidate) or self._flows.get(candidate)
            if found is not None:
                return found
        return None

    def fetch(
        self,
        request: Request,
        scheduler: Scheduler,
        log: list[RequestRecord],
        done: Callable[[FetchResult], None],
    ) -> None:
        checked = self._fetchable
        url: str | None = request.url
        if url not in checked:
            url = _fetchable(request, scheduler, done)
            if url is None:
                return
            if url == request.url:  # only a URL without a fragment is its own checked form
                if len(checked) >= _MEMO_ENTRIES:
                    checked.clear()
                checked.add(url)
        exchange = _ScenarioExchange(self, request, scheduler, log, done)
        exchange.issue(request.method.upper(), url)

    def close(self) -> None:
        """Nothing to release; here so every loader can be closed alike."""


def _app_answer(request: Request, method: str, url: str, script_name: str, app: WsgiApp) -> Answer:
    """A mounted app's answer to one hop, as the HTTP loader would have received it."""
    try:
        reply = call_app(
            script_name, app, method, url, request.params, request.auth_token, MAX_BYTES
        )
    except AppFailed as failure:
        raise RequestFailed(failure.code, failure.message, failure.status) from None
    note = f" (the app raised {reply.crash})" if reply.crash is not None else ""
    content_type = reply.headers.get("content-type")
    return Answer(reply.status, content_type, reply.body, reply.headers.get("location"), note=note)


class _ScenarioExchange:
    """One request's hops in virtual time: each answered after its entry's delay, 15 s in all."""

    __slots__ = ("loader", "request", "scheduler", "log", "done", "deadline_ms", "redirects")

    def __init__(
        self,
        loader: ScenarioLoader,
        request: Request,
        scheduler: Scheduler,
        log: list[RequestRecord],
        done: Callable[[FetchResult], None],
    ) -> None:
        self.loader = loader
        self.request = request
        self.scheduler = scheduler
        self.log = log
        self.done = done
        self.deadline_ms = scheduler.now_ms + TIMEOUT_MS
        self.redirects = 0

    def issue(self, method: str, url: str) -> None:
        request, now = self.request, self.scheduler.now_ms
        record = RequestRecord(
            now, request.call_sid, request.kind, method, url, dict(request.params)
        )
        self.log.append(record)
        try:
            answer, delay_ms = self.loader.answer(request, method, url)
        except RequestFailed as failure:
            record.status = failure.status
            result = _failed(url, failure, failure.status)
            self.scheduler.call_soon(lambda: self.done(result))
            return
        if now + delay_ms >= self.deadline_ms:
            result = _failed(url, timed_out(url, TIMEOUT_MS / 1000))
            self.scheduler.call_at(self.deadline_ms, lambda: self.done(result))
        else:
            self.scheduler.call_at(
                now + delay_ms, lambda: self.answered(record, method, url, answer)
            )

    def answered(self, record: RequestRecord, method: str, url: str, answer: Answer) -> None:
        record.status = answer.status
        if answer.status in REDIRECT_STATUSES:
            try:
                if self.redirects == MAX_REDIRECTS:
                    raise too_many_redirects(url)
                method, target = redirect_target(method, url, answer)
            except RequestFailed as failure:
                self.done(_failed(url, failure, answer.status))
                return
            self.redirects += 1
            self.issue(method, target)
            return
        self.done(interpret(self.request.kind, url, answer, self.loader.cache))


# --- real HTTP ---------------------------------------------------------------------------------


def _log_hop(scheduler: Scheduler, log: list[RequestRecord], record: RequestRecord) -> None:
    record.at_ms = scheduler.now_ms
    log.append(record)


def _set_status(record: RequestRecord, status: int) -> None:
    record.status = status


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _reraise(exc: BaseException) -> None:
    raise exc


class HttpLoader:
    """Fetches over real HTTP with one shared httpx client, blocking calls on a thread pool.

    Results, hop records and status updates reach the scheduler thread only through `post`, so
    the log is only ever touched there. `timeout_s` bounds a request with all its redirects.
    """

    def __init__(
        self,
        timeout_s: float = TIMEOUT_MS / 1000,
        max_bytes: int = MAX_BYTES,
        workers: int = 32,
        transport: httpx.BaseTransport | None = None,
        cache: DocumentCache | None = None,
    ) -> None:
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.cache = cache if cache is not None else DocumentCache()
        limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
        self._client = httpx.Client(follow_redirects=False, transport=transport, limits=limits)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rcml-http")

    def fetch(
        self,
        request: Request,
        scheduler: Scheduler,
        log: list[RequestRecord],
        done: Callable[[FetchResult], None],
    ) -> None:
        url = _fetchable(request, scheduler, done)
        if url is None:
            return
        params = dict(request.params)
        record = RequestRecord(
            scheduler.now_ms, request.call_sid, request.kind, request.method.upper(), url, params
        )
        log.append(record)
        self._pool.submit(self._work, request, url, record, scheduler, log, done)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._client.close()

    def __enter__(self) -> HttpLoader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _work(
        self,
        request: Request,
        url: str,
        record: RequestRecord,
        scheduler: Scheduler,
        log: list[RequestRecord],
        done: Callable[[FetchResult], None],
    ) -> None:
        try:
            result = self._exchange(request, url, record, scheduler, log)
        except BaseException as exc:  # a bug: let it surface on the engine's thread
            scheduler.post(functools.partial(_reraise, exc))
            return
        scheduler.post(lambda: done(result))

    def _exchange(
        self,
        request: Request,
        url: str,
        record: RequestRecord,
        scheduler: Scheduler,
        log: list[RequestRecord],
    ) -> FetchResult:
        deadline = time.monotonic() + self.timeout_s
        method, redirects = request.method.upper(), 0
        while True:
            try:
                answer = self.hop(request, method, url, deadline)
            except RequestFailed as failure:
                if failure.status is not None:
                    scheduler.post(functools.partial(_set_status, record, failure.status))
                return _failed(url, failure, failure.status)
            scheduler.post(functools.partial(_set_status, record, answer.status))
            if answer.status not in REDIRECT_STATUSES:
                return interpret(request.kind, url, answer, self.cache)
            if redirects == MAX_REDIRECTS:
                return _failed(url, too_many_redirects(url), answer.status)
            try:
                method, url = redirect_target(method, url, answer)
            except RequestFailed as failure:
                return _failed(url, failure, answer.status)
            params = dict(request.params)
            record = RequestRecord(0, request.call_sid, request.kind, method, url, params)
            scheduler.post(functools.partial(_log_hop, scheduler, log, record))
            redirects += 1

    def hop(self, request: Request, method: str, url: str, deadline: float) -> Answer:
        """One request/response; the body is read only when it can become a document.

        The one extension point for another HTTP client: a subclass that overrides it keeps
        redirects, signatures, response handling and error codes as they are here. It must send
        the signed request and read the body only when `wants_body` says so (at most `max_bytes`,
        before the `time.monotonic()` `deadline`), and raise RequestFailed as this one does:
        11205 for a timeout or a failed connection, 11200 for a broken or oversized answer.
        """
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise timed_out(url, self.timeout_s)
        params = request.params
        body = encode_params(params).encode("ascii") if method == "POST" else None
        try:
            with self._client.stream(
                method,
                request_url(url, method, params),
                content=body,
                headers=signed_headers(request.auth_token, url, method, params),
                timeout=remaining,
            ) as response:
                content_type = response.headers.get("content-type")
                answer = Answer(
                    response.status_code, content_type, location=response.headers.get("location")
                )
                if not self.wants_body(request.kind, answer):
                    return answer
                data = self._read(response, url, deadline)
                return Answer(answer.status, content_type, data, answer.location)
        except httpx.TimeoutException:
            raise timed_out(url, self.timeout_s) from None
        except httpx.ConnectError as exc:
            raise RequestFailed(11205, f"could not connect to {url}: {_reason(exc)}") from None
        except httpx.TransportError as exc:
            raise RequestFailed(11205, f"the connection to {url} failed: {_reason(exc)}") from None
        except httpx.HTTPError as exc:
            message = f"reading the response from {url} failed: {_reason(exc)}"
            raise RequestFailed(11200, message) from None

    @staticmethod
    def wants_body(kind: str, answer: Answer) -> bool:
        """Whether the answer's body can become a document (else it is not read)."""
        return (
            kind != STATUS_CALLBACK
            and 200 <= answer.status < 300
            and media_kind(answer.content_type) in ("rcml", "text")
        )

    def _read(self, response: httpx.Response, url: str, deadline: float) -> bytes:
        """The body, stopping as soon as it passes `max_bytes` or the deadline."""
        message = f"the response from {url} is larger than {self.max_bytes:,} bytes"
        too_big = RequestFailed(11200, message, response.status_code)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise too_big
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise too_big
            if time.monotonic() > deadline:
                raise timed_out(url, self.timeout_s)
            chunks.append(chunk)
        return b"".join(chunks)
