"""Host configuration: the YAML file of interfaces.md §4, the embedded default and the demo."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from rcml.engine.endpoints import Endpoints
from rcml.engine.model import Account
from rcml.http import UrlError, check_fetchable
from rcml.yaml_places import YamlSyntaxError, place_of, read_yaml

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_DATABASE = "rcml.db"
DEFAULT_FLOWS = "flows"
CLOCKS = ("wall", "virtual")
DEMO_NUMBER = "+15551234567"
DEMO_FLOW = "/flows/welcome.xml"
DEMO_ENDPOINTS: Mapping[str, object] = MappingProxyType({
    "client:alice": {"answer_after": 2},
    "client:bob": {"answer_after": 1, "hangup_after": 30},
    "client:carol": {"busy": True},
})  # fmt: skip
DEMO_SID_KEY, DEMO_TOKEN_KEY = "demo_account_sid", "demo_auth_token"

_TOP_KEYS = ("accounts", "numbers", "endpoints", "flows_dir", "database", "public_url")
# The Call Control view (callcontrol.md §1.1) will read these; accepted now so one file serves both.
_LATER_KEYS = ("extensions", "oauth", "websocket_port")
_ACCOUNT_KEYS = ("sid", "auth_token", "rc_account_id")
_NUMBER_KEYS = (
    "voice_url", "voice_method", "voice_fallback_url", "voice_fallback_method", "status_callback",
    "status_callback_method", "account_sid",
)  # fmt: skip


class ConfigError(ValueError):
    """The configuration cannot be used; the message names the key."""


@dataclass(frozen=True, slots=True)
class NumberConfig:
    """A number callers can dial: its document (absolute or `/path` on the host) and callbacks."""

    number: str
    voice_url: str
    account_sid: str
    voice_method: str = "POST"
    voice_fallback_url: str | None = None
    voice_fallback_method: str = "POST"
    status_callback: str | None = None
    status_callback_method: str = "POST"


@dataclass(frozen=True, slots=True)
class HostConfig:
    """Everything `rcml serve` needs. No accounts means the demo account (kept in the database)."""

    accounts: tuple[Account, ...] = ()
    numbers: Mapping[str, NumberConfig] = field(default_factory=dict)
    endpoints: Mapping[str, object] = field(default_factory=dict)
    flows_dir: Path = Path(DEFAULT_FLOWS)
    database: Path = Path(DEFAULT_DATABASE)
    public_url: str | None = None  # default: http://HOST:PORT as bound
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    clock: str = "wall"
    demo: bool = False  # the embedded default: demo account, number and clients

    def base_url(self, port: int | None = None) -> str:
        """The address apps see: `public_url`, or this host and (bound) port."""
        if self.public_url is not None:
            return self.public_url.rstrip("/")
        # A wildcard address is where the host listens, not an address anyone can call.
        host = "127.0.0.1" if self.host in ("", "0.0.0.0", "::") else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port if port is not None else self.port}"

    def with_accounts(self, accounts: tuple[Account, ...]) -> HostConfig:
        """The demo's numbers belong to the account it was given."""
        numbers = {
            number: replace(entry, account_sid=entry.account_sid or accounts[0].sid)
            for number, entry in self.numbers.items()
        }
        return replace(self, accounts=accounts, numbers=numbers)


def default_config(**overrides: Any) -> HostConfig:
    """The embedded default: ./flows, a SQLite file, the demo account, number and clients."""
    demo_number = NumberConfig(DEMO_NUMBER, DEMO_FLOW, account_sid="")
    config = HostConfig(numbers={DEMO_NUMBER: demo_number}, endpoints=DEMO_ENDPOINTS, demo=True)
    return replace(config, **overrides)


def demo_account(meta: Any) -> Account:
    """The demo account kept in the store (`meta`/`set_meta`), made on first use."""
    sid, token = meta.meta(DEMO_SID_KEY), meta.meta(DEMO_TOKEN_KEY)
    if not isinstance(sid, str) or not isinstance(token, str):
        sid, token = "AC" + secrets.token_hex(16), secrets.token_hex(16)
        meta.set_meta(DEMO_SID_KEY, sid)
        meta.set_meta(DEMO_TOKEN_KEY, token)
    return Account(sid, token)


# --- the YAML file -----------------------------------------------------------------------------


def load_config(path: str | Path, **overrides: Any) -> HostConfig:
    """A config file; relative `flows_dir`/`database` are relative to the file's folder.

    Errors start with `FILE:LINE:COL:` of the entry they are about.
    """
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot read: not UTF-8 ({exc.reason})") from None
    try:
        data, root = read_yaml(text)
    except YamlSyntaxError as exc:
        where = f"{path}:{exc.line}:{exc.col}" if exc.line is not None else str(path)
        raise ConfigError(f"{where}: {exc.message}") from None
    try:
        return parse_config(data if data is not None else {}, source.parent, **overrides)
    except ConfigError as exc:
        place = place_of(root, str(exc))
        where = f"{path}:{place[0]}:{place[1]}" if place is not None else str(path)
        raise ConfigError(f"{where}: {exc}") from None


def parse_config(data: object, base_dir: Path = Path("."), **overrides: Any) -> HostConfig:
    """A config mapping as read from YAML; ConfigError names the first bad key."""
    mapping = _mapping("the configuration", data, (*_TOP_KEYS, *_LATER_KEYS))
    accounts = _accounts(mapping.get("accounts"))
    default_sid = accounts[0].sid if accounts else ""
    numbers = _numbers(mapping.get("numbers"), {a.sid for a in accounts}, default_sid)
    endpoints = mapping.get("endpoints") or {}
    try:
        Endpoints(endpoints)  # checked now, so a typo stops the start rather than a call
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    public_url = _text("public_url", mapping.get("public_url"))
    if public_url is not None:
        try:
            check_fetchable(public_url)
        except UrlError:
            raise ConfigError(f"public_url: '{public_url}' is not an http or https URL") from None
    config = HostConfig(
        accounts=accounts, numbers=numbers, endpoints=endpoints,
        flows_dir=base_dir / (_text("flows_dir", mapping.get("flows_dir")) or DEFAULT_FLOWS),
        database=base_dir / (_text("database", mapping.get("database")) or DEFAULT_DATABASE),
        public_url=public_url,
    )  # fmt: skip
    return replace(config, **overrides)


def _mapping(where: str, data: object, keys: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a map with keys {', '.join(keys)}")
    unknown = sorted(str(key) for key in data if key not in keys)
    if unknown:
        raise ConfigError(f"{where}: unknown key '{unknown[0]}'; expected one of {', '.join(keys)}")
    return data


def _text(where: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool) or str(value).strip() == "":
        raise ConfigError(f"{where}: expected text, got {value!r}")
    return str(value)


def _accounts(data: object) -> tuple[Account, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        raise ConfigError("accounts: expected a list of {sid, auth_token}")
    accounts: list[Account] = []
    for index, entry in enumerate(data):
        where = f"accounts[{index}]"
        mapping = _mapping(where, entry, _ACCOUNT_KEYS)
        sid, token = _text(f"{where}.sid", mapping.get("sid")), mapping.get("auth_token")
        if sid is None or not sid.startswith("AC"):
            raise ConfigError(f"{where}.sid: expected an account sid starting with AC")
        token_text = _text(f"{where}.auth_token", token)
        if token_text is None:
            raise ConfigError(f"{where}.auth_token: required")
        if any(account.sid == sid for account in accounts):
            raise ConfigError(f"{where}.sid: {sid} is listed twice")
        accounts.append(Account(sid, token_text))
    return tuple(accounts)


def _url(where: str, value: object) -> str | None:
    url = _text(where, value)
    if url is None or url.startswith("/"):
        return url
    try:
        check_fetchable(url)
    except UrlError:
        raise ConfigError(f"{where}: '{url}' is neither an http(s) URL nor a /path") from None
    return url


def _method(where: str, value: object) -> str:
    method = (_text(where, value) or "POST").upper()
    if method not in ("GET", "POST"):
        raise ConfigError(f"{where}: expected GET or POST, got {value!r}")
    return method


def _numbers(data: object, sids: set[str], default_sid: str) -> dict[str, NumberConfig]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError("numbers: expected a map of number -> {voice_url, ...}")
    numbers = {}
    for raw, entry in data.items():
        number = str(raw)
        where = f"numbers['{number}']"
        mapping = _mapping(where, entry, _NUMBER_KEYS)
        voice_url = _url(f"{where}.voice_url", mapping.get("voice_url"))
        if voice_url is None:
            raise ConfigError(f"{where}.voice_url: required")
        account_sid = _text(f"{where}.account_sid", mapping.get("account_sid")) or default_sid
        if sids and account_sid not in sids:
            raise ConfigError(f"{where}.account_sid: no account {account_sid} is configured")
        numbers[number] = NumberConfig(
            number, voice_url, account_sid,
            voice_method=_method(f"{where}.voice_method", mapping.get("voice_method")),
            voice_fallback_url=_url(
                f"{where}.voice_fallback_url", mapping.get("voice_fallback_url")
            ),
            voice_fallback_method=_method(
                f"{where}.voice_fallback_method", mapping.get("voice_fallback_method")
            ),
            status_callback=_url(f"{where}.status_callback", mapping.get("status_callback")),
            status_callback_method=_method(
                f"{where}.status_callback_method", mapping.get("status_callback_method")
            ),
        )  # fmt: skip
    return numbers
