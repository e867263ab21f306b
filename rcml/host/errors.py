"""Errors the host's APIs answer with: HTTP status, Twilio-style code and message (calls-api §3)."""

from __future__ import annotations

MORE_INFO = "https://www.twilio.com/docs/errors/{code}"


class ApiError(Exception):
    """One failed check: the response's HTTP status, error code and message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"ApiError({self.status}, {self.code}, {self.message!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ApiError):
            return NotImplemented
        return (self.status, self.code, self.message) == (other.status, other.code, other.message)

    def __hash__(self) -> int:
        return hash((self.status, self.code, self.message))


class NotFound(Exception):
    """Nothing by that name for this account; the view names the path in the 20404 message."""


def bad_request(code: int, message: str) -> ApiError:
    return ApiError(400, code, message)


def invalid(message: str) -> ApiError:
    """400, 20001: conflicting or malformed parameters."""
    return ApiError(400, 20001, message)


def not_found(path: str) -> ApiError:
    return ApiError(404, 20404, f"The requested resource {path} was not found")


def auth_required() -> ApiError:
    return ApiError(401, 20003, "Authentication required")


def auth_failed() -> ApiError:
    return ApiError(401, 20003, "Authentication failed")


def method_not_allowed() -> ApiError:
    return ApiError(405, 20004, "Method not allowed")


def not_in_progress(redirect: bool) -> ApiError:
    """21220: the modification API's message, or the simulation input's."""
    if redirect:
        return ApiError(400, 21220, "Call is not in-progress. Cannot redirect.")
    return ApiError(400, 21220, "Call is not in-progress.")
