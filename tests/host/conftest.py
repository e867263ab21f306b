"""Fixtures for the host tests: a store, a configured host, Flask test clients, credentials."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from rcml.engine import Account
from rcml.host.app import create_app
from rcml.host.config import HostConfig, NumberConfig
from rcml.host.service import HostService
from rcml.store import Store

ACCOUNT = Account("AC3f2b8c6d1e0a4b7c9d5e2f1a0b3c4d5e", "5f1c0e9a7b3d4c2e8f6a1b0c9d8e7f6a")
OTHER = Account("AC" + "b" * 32, "c" * 32)
NUMBER = "+15551112222"
SPEECH_NUMBER = "+15553334444"
BROKEN_NUMBER = "+15559990000"


def basic(account: Account, token: str | None = None) -> dict[str, str]:
    raw = f"{account.sid}:{account.auth_token if token is None else token}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


AUTH = basic(ACCOUNT)
OTHER_AUTH = basic(OTHER)


def host_config(tmp_path: Path, **changes: object) -> HostConfig:
    flows = tmp_path / "flows"
    flows.mkdir(exist_ok=True)
    numbers = {
        NUMBER: NumberConfig(NUMBER, "/flows/ivr.xml", ACCOUNT.sid),
        SPEECH_NUMBER: NumberConfig(SPEECH_NUMBER, "http://app.test/listen", ACCOUNT.sid),
        BROKEN_NUMBER: NumberConfig(BROKEN_NUMBER, "http://app.test/missing", ACCOUNT.sid),
    }
    config = HostConfig(
        accounts=(ACCOUNT, OTHER),
        numbers=numbers,
        endpoints={"client:alice": {"answer_after": 2}},
        flows_dir=flows,
        database=tmp_path / "rcml.db",
        public_url="http://127.0.0.1:8080",
    )
    return replace(config, **changes)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "rcml.db")
    yield opened
    opened.close()


@pytest.fixture
def read_app(tmp_path: Path, store: Store) -> Flask:
    """A host whose engine never starts: fetch and list work from the store alone."""
    config = host_config(tmp_path)
    return create_app(config, service=HostService(config, store), start=False)


@pytest.fixture
def read_client(read_app: Flask) -> FlaskClient:
    return read_app.test_client()


PUBLIC = "http://127.0.0.1:8080"
FLOWS = {
    f"{PUBLIC}/flows/ivr.xml": (
        '<Response><Gather numDigits="1" action="/flows/menu.xml"><Say>Press one</Say>'
        "</Gather></Response>"
    ),
    f"{PUBLIC}/flows/menu.xml": "<Response><Say>Thanks</Say></Response>",
    "http://app.test/hello": "<Response><Say>Hello</Say><Pause length='20'/></Response>",
    "http://app.test/dial": (
        '<Response><Dial action="http://app.test/after"><Client>alice</Client></Dial></Response>'
    ),
    "http://app.test/after": "<Response/>",
    "http://app.test/listen": '<Response><Gather input="speech" timeout="9"/></Response>',
}


class Host:
    """A started host over scenario maps (no network): its app, client and service."""

    def __init__(self, app: Flask, service: HostService) -> None:
        self.app = app
        self.service = service
        self.client = app.test_client()

    def advance(self, seconds: float) -> None:
        response = self.client.post("/sim/clock/advance", json={"seconds": seconds}, headers=AUTH)
        assert response.status_code == 200, response.get_json()


@pytest.fixture
def make_host(tmp_path: Path) -> Iterator[Callable[..., Host]]:
    from rcml.loaders import ScenarioLoader

    started: list[tuple[HostService, Store]] = []

    def make(clock: str = "virtual", **changes: object) -> Host:
        config = host_config(tmp_path, clock=clock, **changes)
        store = Store(config.database)
        service = HostService(config, store, loader=ScenarioLoader(FLOWS))
        started.append((service, store))
        return Host(create_app(config, service=service), service)

    yield make
    for service, store in started:
        service.stop()
        store.close()


@pytest.fixture
def host(make_host: Callable[..., Host]) -> Host:
    return make_host()


class LiveHost:
    """A host served over real HTTP on 127.0.0.1 with the real HttpLoader."""

    def __init__(self, config: HostConfig, store: Store) -> None:
        from tests.host.servers import Served

        self.service = HostService(config, store)
        self.store = store
        self.served = Served(create_app(config, service=self.service, start=False))
        self.url = self.served.url
        self.service.start(self.url)

    def close(self) -> None:
        self.served.close()
        self.service.stop()
        self.store.close()


@pytest.fixture
def app_server() -> Iterator[tuple[Any, str]]:
    """The signature-checking app server (tests/host/servers.py) and its base URL."""
    from tests.host.servers import AppServer, Served

    server = AppServer(ACCOUNT.auth_token)
    served = Served(server.wsgi())
    yield server, served.url
    served.close()


@pytest.fixture
def make_live_host(tmp_path: Path) -> Iterator[Callable[..., LiveHost]]:
    hosts: list[LiveHost] = []

    def make(clock: str = "wall", **changes: object) -> LiveHost:
        config = host_config(tmp_path, clock=clock, public_url=None, **changes)
        hosts.append(LiveHost(config, Store(config.database)))
        return hosts[-1]

    yield make
    for live in hosts:
        live.close()


@pytest.fixture
def twilio_client(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Any]:
    """Twilio's own client pointed at a host's URL (TWILIO_EDGE/REGION would rewrite it)."""
    from twilio.rest import Client

    for name in ("TWILIO_EDGE", "TWILIO_REGION"):
        monkeypatch.delenv(name, raising=False)

    def make(url: str, account: Account = ACCOUNT) -> Any:
        client = Client(account.sid, account.auth_token)
        client.api.base_url = url
        return client

    return make
