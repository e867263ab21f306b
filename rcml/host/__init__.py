"""The host behind `rcml serve`: Flask app factory, blueprints, the engine service, config.

Module map: `app` (create_app, error rendering), blueprints `calls_api`, `sim`, `flows`, and
`auth`; `params` (Calls API parameters checked in the spec's order), `representation` (JSON/XML
of calls, pages, errors), `service` (the API-neutral service over the engine), `runtime` (the
engine and writer threads), `transport` (pooled HTTP for document requests), `config`, `errors`.
Only the blueprints, `auth` and `app` import Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from rcml.host.config import HostConfig


def create_app(config: HostConfig, **options: Any) -> Flask:
    """`rcml.host.app.create_app`, imported on first use."""
    from rcml.host.app import create_app as factory

    return factory(config, **options)


__all__ = ["create_app"]
