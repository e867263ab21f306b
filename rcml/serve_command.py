"""`rcml serve`: the host (interfaces.md §4) behind waitress, with the engine on its own thread."""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import Any

import click

from rcml.host.config import ConfigError, HostConfig, default_config, demo_account, load_config

SERVER_THREADS = 8
EXIT_USAGE = 2


def build_config(
    config_path: str | None,
    flows_dir: str | None,
    host: str,
    port: int,
    clock: str,
    database: str | None,
) -> HostConfig:
    """The config file (or the embedded default) with the command line's choices on top."""
    overrides: dict[str, Any] = {"host": host, "port": port, "clock": clock}
    if flows_dir is not None:
        overrides["flows_dir"] = Path(flows_dir)
    if database is not None:
        overrides["database"] = Path(database)
    if config_path is None:
        return default_config(**overrides)
    return load_config(config_path, **overrides)


def banner(config: HostConfig, base_url: str, resolve: Callable[[str], str]) -> str:
    """What a developer needs to start calling: address, credentials, numbers, clients."""
    lines = [
        f"rcml host on {base_url} (clock: {config.clock})",
        f"  flows:    {config.flows_dir} (served at {base_url}/flows/)",
        f"  database: {config.database}",
    ]
    for account in config.accounts:
        kind = "demo account" if config.demo else "account"
        lines.append(f"  {kind}: {account.sid}  auth token: {account.auth_token}")
    for number, entry in config.numbers.items():
        lines.append(f"  number {number} -> {resolve(entry.voice_url)}")
    for target, behaviour in config.endpoints.items():
        lines.append(f"  endpoint {target}: {behaviour}")
    if config.demo:
        missing = config.flows_dir / "welcome.xml"
        if not missing.is_file():
            lines.append(f"  note: {missing} does not exist; the demo number will fail to fetch it")
    lines.append("Press Ctrl+C to stop.")
    return "\n".join(lines)


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@click.command("serve")
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), help="YAML host configuration."
)
@click.option("--flows", "flows_dir", type=click.Path(file_okay=False), help="Flows folder.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option("--clock", type=click.Choice(["wall", "virtual"]), default="wall", show_default=True)
@click.option("--db", "database", type=click.Path(dir_okay=False), help="SQLite file.")
def serve(
    config_path: str | None,
    flows_dir: str | None,
    host: str,
    port: int,
    clock: str,
    database: str | None,
) -> None:
    """Start the host: flows, the Calls API, simulation control, call records."""
    import waitress

    from rcml.host.app import create_app
    from rcml.host.service import HostService
    from rcml.store import Store

    try:
        config = build_config(config_path, flows_dir, host, port, clock, database)
    except ConfigError as exc:
        click.echo(f"rcml serve: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    store = Store(config.database)
    if not config.accounts:
        config = config.with_accounts((demo_account(store),))
    service = HostService(config, store)
    app = create_app(config, service=service, start=False)
    server = waitress.create_server(app, host=config.host, port=config.port, threads=SERVER_THREADS)
    bound = replace(config, port=int(server.effective_port))
    base_url = bound.base_url()
    service.start(base_url)
    for record in service.recovered:
        click.echo(f"closed call {record.sid} as failed: it was live when the host stopped")
    click.echo(banner(config, base_url, service.resolve))
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        service.stop()
        store.close()
        click.echo("rcml host stopped")
