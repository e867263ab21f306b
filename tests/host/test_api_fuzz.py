"""The Calls API under random requests: every answer is a JSON success or a JSON error with the
spec's shape, never a server error, and the calls it created stay readable."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.host.conftest import ACCOUNT, AUTH, Host

CALLS = f"/2010-04-01/Accounts/{ACCOUNT.sid}/Calls"
VALID_CREATE = {"To": "client:alice", "From": "+15550001111", "Url": "http://app.test/ivr"}
NAMES = [
    "To", "From", "Url", "Twiml", "Method", "FallbackUrl", "FallbackMethod", "StatusCallback",
    "StatusCallbackEvent", "StatusCallbackMethod", "Timeout", "SipAuthUsername", "Status",
    "MoveConnectedCallLeg", "Username", "Password",
]  # fmt: skip
VALUES = [
    "", " ", "+15551112222", "client:alice", "sip:bob@x.test", "sip:", "client:", "client:al ice",
    "http://app.test/ivr", "http://ap[p.test/x", "/relative", "ftp://x", "http://app.test:99999/x",
    "GET", "POST", "PUT", "completed", "canceled", "busy", "in-progress", "true", "false", "0",
    "-1", "99999999999999999999", "1e3", "<Response><Say>x</Say></Response>", "<Response>",
    "<!DOCTYPE x [<!ENTITY e 'x'>]><Response/>", "\x00", "é", "initiated ringing", "x" * 3000,
]  # fmt: skip

requests = st.tuples(
    st.sampled_from(["create", "modify", "missing"]),
    st.booleans(),  # start from a valid create
    st.dictionaries(st.sampled_from(NAMES), st.sampled_from(VALUES), max_size=4),
    st.sampled_from([".json", "", ".xml"]),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(requests, min_size=1, max_size=8))
def test_random_requests_get_an_answer_never_a_server_error(
    host: Host, batch: list[tuple[str, bool, dict[str, str], str]]
) -> None:
    created: list[str] = []
    for kind, from_valid, changes, suffix in batch:
        form = {**(VALID_CREATE if from_valid else {}), **changes}
        if kind == "modify" and created:
            url = f"{CALLS}/{created[-1]}{suffix}"
        elif kind == "missing":
            url = f"{CALLS}/CA{'0' * 32}{suffix}"
        else:
            url = CALLS + suffix
        response = host.client.post(url, data=form, headers=AUTH)
        assert response.status_code < 500, (url, form, response.data[:300])
        if suffix != ".json":  # Restcomm's default representation is XML
            assert response.mimetype in ("application/xml", "text/xml"), response.mimetype
            assert etree.fromstring(response.data).tag == "TwilioResponse"  # API 2010-04-01
            continue
        body: dict[str, Any] = response.get_json()
        if response.status_code >= 400:
            assert set(body) >= {"code", "message", "status"}, body
            assert body["status"] == response.status_code
        elif url == CALLS + suffix:
            created.append(body["sid"])
    host.advance(5)
    for sid in created:
        fetched = host.client.get(f"{CALLS}/{sid}.json", headers=AUTH)
        assert fetched.status_code == 200 and fetched.get_json()["sid"] == sid
