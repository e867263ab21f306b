"""The platform's HTTP requests on the wire: encoding, URLs, signatures, timestamps (no IO)."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import urlencode, urljoin, urlsplit

ACCEPT = "text/xml, application/xml, text/html, text/plain, audio/*;q=0.8, */*;q=0.1"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
VIRTUAL_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
DEFAULT_PORTS = {"http": 80, "https": 443}


class UrlError(ValueError):
    """A URL that cannot be requested; `code` is the runtime error code (11100)."""

    def __init__(self, message: str, code: int = 11100) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def encode_params(params: Mapping[str, str]) -> str:
    """Form encoding (UTF-8, space as '+', %XX upper-case), sorted by name in code-point order."""
    return urlencode(sorted(params.items()))


def strip_fragment(url: str) -> str:
    # Split by hand: urldefrag re-serialises the URL and may drop an empty query's '?'.
    return url.split("#", 1)[0]


def request_url(url: str, method: str, params: Mapping[str, str]) -> str:
    """The URL actually requested: no fragment; for GET the parameters appended to its query."""
    url = strip_fragment(url)
    if method.upper() != "GET" or not params:
        return url
    if "?" not in url:
        separator = "?"
    elif url.endswith(("?", "&")):
        separator = ""
    else:
        separator = "&"
    return url + separator + encode_params(params)


def signature(auth_token: str, url: str, method: str, params: Mapping[str, str]) -> str:
    """The X-Twilio-Signature of one hop (§4.9), as Twilio's RequestValidator computes it.

    POST signs the URL followed by every parameter's name and value in name order; GET signs the
    full requested URL, whose query already holds the parameters.
    """
    signed = request_url(url, method, params)
    if method.upper() == "POST":
        signed += "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode("utf-8"), signed.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


@functools.cache
def user_agent() -> str:
    """`rcml/<version>`, read lazily so this module never imports the package's front door."""
    version = getattr(sys.modules.get("rcml"), "__version__", None)
    if version is None:
        from importlib import metadata

        try:
            version = metadata.version("rcml")
        except metadata.PackageNotFoundError:
            version = "0"
    return f"rcml/{version}"


def signed_headers(
    auth_token: str, url: str, method: str, params: Mapping[str, str]
) -> dict[str, str]:
    """The platform's headers for one hop, with both signature headers (same value)."""
    value = signature(auth_token, url, method, params)
    headers = {
        "User-Agent": user_agent(),
        "Accept": ACCEPT,
        "X-Twilio-Signature": value,
        "X-RestComm-Signature": value,
    }
    if method.upper() == "POST":
        headers["Content-Type"] = FORM_CONTENT_TYPE
    return headers


def lookup_key(url: str) -> str:
    """The key of a URL in scenario maps (§4.10): no fragment, lower-case scheme and host, no
    default port; path and query are kept exactly. Text that is not a URL only loses its fragment.
    """
    url = strip_fragment(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = parts.hostname
    if not scheme or host is None:
        return url
    if ":" in host:
        host = f"[{host}]"
    userinfo, at, _ = parts.netloc.rpartition("@")
    netloc = userinfo + at + host
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    query = "?" + parts.query if parts.query else ""
    return f"{scheme}://{netloc}{parts.path}{query}"


def without_query(url: str) -> str:
    return strip_fragment(url).split("?", 1)[0]


def resolve_url(base: str | None, ref: str) -> str:
    """`ref` resolved against the current document URL (§4.4); UrlError 11100 when unusable."""
    ref = ref.strip()
    try:
        relative = not urlsplit(ref).scheme
        resolved = urljoin(base, ref) if base is not None else ref
    except ValueError as exc:  # urllib's own refusals, such as an unclosed '[' in the host
        raise UrlError(f"invalid URL '{ref}': {exc}") from None
    if base is None and relative:
        raise UrlError(
            f"invalid URL '{ref}': a relative URL needs a current document URL to "
            "resolve against, and there is none"
        )
    check_fetchable(resolved)
    return resolved


def check_fetchable(url: str) -> None:
    """UrlError 11100 unless `url` is an absolute http or https URL with a host."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise UrlError(f"invalid URL '{url}': {exc}") from None
    if parts.scheme.lower() not in DEFAULT_PORTS:
        raise UrlError(f"invalid URL '{url}': only http and https URLs can be requested")
    if not parts.hostname:
        raise UrlError(f"invalid URL '{url}': no host")


def _instant(epoch: datetime, ms: int) -> datetime:
    if epoch.tzinfo is None:
        epoch = epoch.replace(tzinfo=UTC)
    return (epoch + timedelta(milliseconds=ms)).astimezone(UTC)


def iso_timestamp(epoch: datetime, ms: int) -> str:
    """`CallTimestamp`: ISO 8601 UTC with milliseconds, e.g. `2000-01-01T00:00:05.000Z`."""
    instant = _instant(epoch, ms)
    return instant.strftime("%Y-%m-%dT%H:%M:%S") + f".{instant.microsecond // 1000:03d}Z"


def rfc2822_timestamp(epoch: datetime, ms: int) -> str:
    """`Timestamp`: RFC 2822 in UTC, whole seconds, e.g. `Sun, 22 Nov 2026 10:15:30 +0000`."""
    return format_datetime(_instant(epoch, ms).replace(microsecond=0))
