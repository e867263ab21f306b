"""HTTP Basic authentication of accounts (calls-api §2), for every blueprint that needs it."""

from __future__ import annotations

import base64
import binascii

from flask import request

from rcml.engine import Account
from rcml.host.errors import NotFound, auth_failed, auth_required
from rcml.host.service import HostService

CHALLENGE = 'Basic realm="rcml"'


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(user, password) of a `Basic` Authorization header; None when missing or malformed."""
    if header is None:
        return None
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None


def authenticate(service: HostService) -> Account:
    """The account of the request's Basic credentials; ApiError 401 (20003) otherwise."""
    credentials = basic_credentials(request.headers.get("Authorization"))
    if credentials is None:
        raise auth_required()
    account = service.account(*credentials)
    if account is None:
        raise auth_failed()
    return account


def authenticate_for(service: HostService, account_sid: str) -> Account:
    """As `authenticate`, and the path's account must be that one: else 404 (never 403, so the
    API does not reveal that another account exists)."""
    account = authenticate(service)
    if account.sid != account_sid:
        raise NotFound(account_sid)
    return account
