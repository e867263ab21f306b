"""Fetch and list from the store: routing, formats, auth, errors and paging (calls-api §1-§4,
§6, §7), through Flask's test client with no engine running."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from flask.testing import FlaskClient

from rcml.store import CallRecord, Store
from tests.host.conftest import ACCOUNT, AUTH, OTHER, OTHER_AUTH, basic

CREATED = 1_795_342_500_000  # Sun, 22 Nov 2026 10:15:00 +0000
SID = "CA9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"
EXAMPLE = CallRecord(
    sid=SID,
    account_sid=ACCOUNT.sid,
    to="+15551112222",
    from_="+15550001111",
    status="completed",
    direction="outbound-api",
    api_version="2010-04-01",
    created_ms=CREATED,
    updated_ms=CREATED + 45_000,
    start_ms=CREATED,
    answered_ms=CREATED + 3000,
    end_ms=CREATED + 45_000,
)
BASE = f"/2010-04-01/Accounts/{ACCOUNT.sid}/Calls"

# calls-api §4.2, verbatim.
EXAMPLE_JSON = {
    "sid": "CA9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d",
    "date_created": "Sun, 22 Nov 2026 10:15:00 +0000",
    "date_updated": "Sun, 22 Nov 2026 10:15:45 +0000",
    "parent_call_sid": None,
    "account_sid": "AC3f2b8c6d1e0a4b7c9d5e2f1a0b3c4d5e",
    "to": "+15551112222",
    "to_formatted": "+15551112222",
    "from": "+15550001111",
    "from_formatted": "+15550001111",
    "phone_number_sid": None,
    "status": "completed",
    "start_time": "Sun, 22 Nov 2026 10:15:00 +0000",
    "end_time": "Sun, 22 Nov 2026 10:15:45 +0000",
    "duration": "42",
    "ring_duration": "3",
    "price": None,
    "price_unit": "USD",
    "direction": "outbound-api",
    "answered_by": None,
    "api_version": "2010-04-01",
    "forwarded_from": None,
    "group_sid": None,
    "caller_name": None,
    "queue_time": "0",
    "trunk_sid": None,
    "uri": "/2010-04-01/Accounts/AC3f2b8c6d1e0a4b7c9d5e2f1a0b3c4d5e/Calls/"
    "CA9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d.json",
    "subresource_uris": {
        "notifications": "/2010-04-01/Accounts/AC3f2b8c6d1e0a4b7c9d5e2f1a0b3c4d5e/Calls/"
        "CA9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d/Notifications.json",
        "recordings": "/2010-04-01/Accounts/AC3f2b8c6d1e0a4b7c9d5e2f1a0b3c4d5e/Calls/"
        "CA9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d/Recordings.json",
    },
}


@pytest.fixture
def example(store: Store) -> CallRecord:
    store.save([EXAMPLE])
    return EXAMPLE


def test_fetch_renders_the_spec_example(read_client: FlaskClient, example: CallRecord) -> None:
    response = read_client.get(f"{BASE}/{SID}.json", headers=AUTH)
    assert response.status_code == 200
    assert response.content_type == "application/json; charset=utf-8"
    assert response.get_json() == EXAMPLE_JSON
    assert list(response.get_json()) == list(EXAMPLE_JSON)


def test_fetch_as_xml(read_client: FlaskClient, example: CallRecord) -> None:
    response = read_client.get(f"{BASE}/{SID}", headers=AUTH)
    assert response.content_type == "application/xml; charset=utf-8"
    calls = f"/2010-04-01/Accounts/{ACCOUNT.sid}/Calls/{SID}"
    assert response.get_data(as_text=True) == (
        "<?xml version='1.0' encoding='UTF-8'?>\n<TwilioResponse><Call>"
        f"<Sid>{SID}</Sid><DateCreated>Sun, 22 Nov 2026 10:15:00 +0000</DateCreated>"
        "<DateUpdated>Sun, 22 Nov 2026 10:15:45 +0000</DateUpdated><ParentCallSid/>"
        f"<AccountSid>{ACCOUNT.sid}</AccountSid><To>+15551112222</To>"
        "<ToFormatted>+15551112222</ToFormatted><From>+15550001111</From>"
        "<FromFormatted>+15550001111</FromFormatted><PhoneNumberSid/><Status>completed</Status>"
        "<StartTime>Sun, 22 Nov 2026 10:15:00 +0000</StartTime>"
        "<EndTime>Sun, 22 Nov 2026 10:15:45 +0000</EndTime><Duration>42</Duration>"
        "<RingDuration>3</RingDuration><Price/><PriceUnit>USD</PriceUnit>"
        "<Direction>outbound-api</Direction><AnsweredBy/><ApiVersion>2010-04-01</ApiVersion>"
        "<ForwardedFrom/><GroupSid/><CallerName/><QueueTime>0</QueueTime><TrunkSid/>"
        f"<Uri>{calls}</Uri><SubresourceUris>"
        f"<Notifications>{calls}/Notifications</Notifications>"
        f"<Recordings>{calls}/Recordings</Recordings></SubresourceUris>"
        "</Call></TwilioResponse>"
    )


@pytest.mark.parametrize(
    ("path", "as_json"),
    [
        ("Calls/{sid}.json", True),
        ("Calls.json/{sid}", True),
        ("Calls.json/{sid}.json", True),
        ("Calls/{sid}.json/", True),
        ("Calls/{sid}", False),
        ("Calls/{sid}.xml", False),
        ("Calls/{sid}/", False),
        ("Calls.xml/{sid}", False),
    ],
)
def test_the_json_suffix_may_sit_on_either_segment(
    read_client: FlaskClient, example: CallRecord, path: str, as_json: bool
) -> None:
    response = read_client.get(
        f"/2010-04-01/Accounts/{ACCOUNT.sid}/" + path.format(sid=SID), headers=AUTH
    )
    assert response.status_code == 200
    expected = "application/json" if as_json else "application/xml"
    assert response.content_type == expected + "; charset=utf-8"
    assert SID in response.get_data(as_text=True)


def test_restcomm_paths_use_their_version_in_uris_and_root(
    read_client: FlaskClient, example: CallRecord
) -> None:
    path = f"/restcomm/2012-04-24/Accounts/{ACCOUNT.sid}/Calls.json/{SID}"
    payload = read_client.get(path, headers=AUTH).get_json()
    assert payload["uri"] == f"/2012-04-24/Accounts/{ACCOUNT.sid}/Calls/{SID}.json"
    assert payload["api_version"] == "2010-04-01"  # the version that created the call
    xml = read_client.get(path.replace(".json", ""), headers=AUTH).get_data(as_text=True)
    assert xml.startswith("<?xml version='1.0' encoding='UTF-8'?>\n<RestcommResponse><Call>")
    assert f"<Uri>/2012-04-24/Accounts/{ACCOUNT.sid}/Calls/{SID}</Uri>" in xml


def error(code: int, message: str, status: int) -> dict[str, object]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def test_no_credentials_is_401_with_a_challenge(
    read_client: FlaskClient, example: CallRecord
) -> None:
    response = read_client.get(f"{BASE}/{SID}.json")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="rcml"'
    assert response.get_json() == error(20003, "Authentication required", 401)


@pytest.mark.parametrize(
    "header",
    [{"Authorization": "Basic !!!"}, {"Authorization": "Bearer abc"}],
)
def test_malformed_credentials_are_missing_credentials(
    read_client: FlaskClient, header: dict[str, str]
) -> None:
    response = read_client.get(f"{BASE}/{SID}.json", headers=header)
    assert response.status_code == 401
    assert response.get_json() == error(20003, "Authentication required", 401)


def test_a_wrong_token_fails(read_client: FlaskClient, example: CallRecord) -> None:
    for headers in (basic(ACCOUNT, "nope"), basic(replace(ACCOUNT, sid="AC" + "9" * 32))):
        response = read_client.get(f"{BASE}/{SID}.json", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == 'Basic realm="rcml"'
        assert response.get_json() == error(20003, "Authentication failed", 401)


def test_auth_errors_in_xml(read_client: FlaskClient) -> None:
    response = read_client.get(f"/restcomm/2012-04-24/Accounts/{ACCOUNT.sid}/Calls")
    assert response.status_code == 401
    assert response.get_data(as_text=True) == (
        "<?xml version='1.0' encoding='UTF-8'?>\n<RestcommResponse><RestException>"
        "<Code>20003</Code><Message>Authentication required</Message>"
        "<MoreInfo>https://www.twilio.com/docs/errors/20003</MoreInfo><Status>401</Status>"
        "</RestException></RestcommResponse>"
    )


def test_another_accounts_path_or_call_is_not_found(
    read_client: FlaskClient, example: CallRecord
) -> None:
    path = f"{BASE}/{SID}.json"
    response = read_client.get(path, headers=OTHER_AUTH)
    assert response.status_code == 404
    assert response.get_json() == error(20404, f"The requested resource {path} was not found", 404)
    theirs = f"/2010-04-01/Accounts/{OTHER.sid}/Calls/{SID}.json"
    response = read_client.get(theirs, headers=OTHER_AUTH)
    assert response.get_json() == error(
        20404, f"The requested resource {theirs} was not found", 404
    )


def test_unknown_call_version_and_path_are_404(read_client: FlaskClient) -> None:
    for path in (
        f"{BASE}/CA{'0' * 32}.json",
        f"/2011-01-01/Accounts/{ACCOUNT.sid}/Calls.json",
        f"/2010-04-01/Accounts/{ACCOUNT.sid}/Conferences.json",
    ):
        response = read_client.get(path, headers=AUTH)
        assert response.status_code == 404
        assert response.get_json() == error(
            20404, f"The requested resource {path} was not found", 404
        )


def test_other_methods_are_405(read_client: FlaskClient, example: CallRecord) -> None:
    for method, path in (
        ("DELETE", f"{BASE}/{SID}.json"),
        ("PUT", f"{BASE}.json"),
        ("OPTIONS", f"{BASE}.json"),
        ("PATCH", f"/restcomm/2012-04-24/Accounts/{ACCOUNT.sid}/Calls.json/{SID}/"),
    ):
        response = read_client.open(path, method=method, headers=AUTH)
        assert response.status_code == 405
        assert response.get_json() == error(20004, "Method not allowed", 405)
    xml = read_client.delete(f"{BASE}/{SID}", headers=AUTH).get_data(as_text=True)
    assert "<Code>20004</Code><Message>Method not allowed</Message>" in xml


# --- listing -----------------------------------------------------------------------------------


def numbered(n: int, **changes: object) -> CallRecord:
    fields: dict[str, object] = {
        "sid": f"CA{n:032x}",
        "created_ms": CREATED + n * 1000,
        "updated_ms": CREATED + n * 1000,
        "start_ms": CREATED + n * 1000,
        "answered_ms": None,
        "end_ms": None,
        "status": "in-progress",
    }
    fields.update(changes)
    return replace(EXAMPLE, **fields)  # type: ignore[arg-type]


def test_listing_pages_as_in_the_spec(read_client: FlaskClient, store: Store) -> None:
    store.save([numbered(1), numbered(2), numbered(3)])
    payload = read_client.get(f"{BASE}.json?PageSize=2", headers=AUTH).get_json()
    assert [call["sid"] for call in payload["calls"]] == [numbered(3).sid, numbered(2).sid]
    assert {key: value for key, value in payload.items() if key != "calls"} == {
        "page": 0,
        "page_size": 2,
        "start": 0,
        "end": 1,
        "uri": f"{BASE}.json?PageSize=2&Page=0",
        "first_page_uri": f"{BASE}.json?PageSize=2&Page=0",
        "next_page_uri": f"{BASE}.json?PageSize=2&Page=1&PageToken=PA{numbered(2).sid}",
        "previous_page_uri": None,
    }
    second = read_client.get(payload["next_page_uri"], headers=AUTH).get_json()
    assert [call["sid"] for call in second["calls"]] == [numbered(1).sid]
    assert (second["page"], second["start"], second["end"], second["next_page_uri"]) == (
        1,
        2,
        2,
        None,
    )
    assert second["uri"] == f"{BASE}.json?PageSize=2&Page=1&PageToken=PA{numbered(2).sid}"
    assert second["previous_page_uri"] == (
        f"{BASE}.json?PageSize=2&Page=0&PageToken=PB{numbered(1).sid}"
    )
    back = read_client.get(second["previous_page_uri"], headers=AUTH).get_json()
    assert [call["sid"] for call in back["calls"]] == [numbered(3).sid, numbered(2).sid]
    assert back["start"] == 0


def test_listing_by_page_number_and_past_the_end(read_client: FlaskClient, store: Store) -> None:
    store.save([numbered(n) for n in range(1, 6)])
    payload = read_client.get(f"{BASE}.json?PageSize=2&Page=1", headers=AUTH).get_json()
    assert [call["sid"][-1] for call in payload["calls"]] == ["3", "2"]
    assert (payload["start"], payload["end"]) == (2, 3)
    empty = read_client.get(f"{BASE}.json?PageSize=2&Page=9", headers=AUTH)
    assert empty.status_code == 200
    body = empty.get_json()
    assert (body["calls"], body["start"], body["end"], body["next_page_uri"]) == ([], 18, 18, None)
    assert body["previous_page_uri"] == f"{BASE}.json?PageSize=2&Page=8"


def test_filters_are_echoed_in_paging_uris_in_spec_order(
    read_client: FlaskClient, store: Store
) -> None:
    store.save([numbered(1, status="completed", end_ms=CREATED + 9000), numbered(2)])
    query = "EndTime%3E=2026-11-22&Status=completed&To=%2B15551112222&PageSize=1&Foo=bar"
    payload = read_client.get(f"{BASE}.json?{query}", headers=AUTH).get_json()
    assert [call["sid"] for call in payload["calls"]] == [numbered(1).sid]
    assert payload["first_page_uri"] == (
        f"{BASE}.json?To=%2B15551112222&Status=completed&EndTime%3E=2026-11-22&PageSize=1&Page=0"
    )


def test_time_filters(read_client: FlaskClient, store: Store) -> None:
    store.save([numbered(1), numbered(2, start_ms=CREATED + 86_400_000)])
    for query, expected in (
        ("StartTime=2026-11-22", [1]),
        ("StartTime<=2026-11-22", [1]),
        ("StartTime>=2026-11-23", [2]),
        ("StartTime=2026-11-22T10:15:01Z", [1]),
        ("StartTime=2026-11-22T10:15:02Z", []),
        ("StartTime%3E=2026-11-22T10:15:02Z", [2]),
        ("EndTime<=2030-01-01", []),
    ):
        payload = read_client.get(f"{BASE}.json?{query}", headers=AUTH).get_json()
        found = [int(call["sid"][-1]) for call in payload["calls"]]
        assert found == expected, query


def test_the_last_of_repeated_parameters_counts(read_client: FlaskClient, store: Store) -> None:
    store.save([numbered(1, status="completed", end_ms=CREATED + 9000), numbered(2)])
    payload = read_client.get(
        f"{BASE}.json?Status=completed&Status=in-progress", headers=AUTH
    ).get_json()
    assert [call["sid"] for call in payload["calls"]] == [numbered(2).sid]


@pytest.mark.parametrize(
    ("query", "code", "message"),
    [
        ("PageSize=0", 20001, "Invalid PageSize: must be an integer from 1 to 1000"),
        ("PageSize=1001", 20001, "Invalid PageSize: must be an integer from 1 to 1000"),
        ("Page=-1", 20001, "Invalid Page: must be an integer of 0 or more"),
        ("Page=x", 20001, "Invalid Page: must be an integer of 0 or more"),
        (
            "Status=done",
            20001,
            "Invalid Status: must be one of queued, ringing, in-progress, busy, canceled, "
            "completed, failed, no-answer",
        ),
        (
            "StartTime=22/11/2026",
            20001,
            "Invalid StartTime: must be a date YYYY-MM-DD or a time YYYY-MM-DDTHH:MM:SSZ",
        ),
        (
            "EndTime%3C=2026-02-30",
            20001,
            "Invalid EndTime<: must be a date YYYY-MM-DD or a time YYYY-MM-DDTHH:MM:SSZ",
        ),
        ("PageToken=XX123", 21481, "Invalid PageToken"),
        ("PageToken=PACA" + "0" * 32, 21481, "Invalid PageToken"),
        ("AfterSid=CA" + "0" * 32, 21481, "Invalid PageToken"),
    ],
)
def test_bad_list_parameters(
    read_client: FlaskClient, store: Store, query: str, code: int, message: str
) -> None:
    store.save([numbered(1)])
    response = read_client.get(f"{BASE}.json?{query}", headers=AUTH)
    assert response.status_code == 400
    assert response.get_json() == error(code, message, 400)


def test_restcomm_after_sid(read_client: FlaskClient, store: Store) -> None:
    store.save([numbered(1), numbered(2), numbered(3)])
    path = f"/restcomm/2012-04-24/Accounts/{ACCOUNT.sid}/Calls.json?AfterSid={numbered(3).sid}"
    payload = read_client.get(path, headers=AUTH).get_json()
    assert [call["sid"] for call in payload["calls"]] == [numbered(2).sid, numbered(1).sid]
    assert payload["start"] == 1


def test_listing_as_xml(read_client: FlaskClient, store: Store) -> None:
    store.save([numbered(1), numbered(2)])
    text = read_client.get(f"{BASE}?PageSize=1", headers=AUTH).get_data(as_text=True)
    head = (
        "<?xml version='1.0' encoding='UTF-8'?>\n<TwilioResponse>"
        f'<Calls page="0" pagesize="1" start="0" end="0" uri="{BASE}?PageSize=1&amp;Page=0" '
        f'firstpageuri="{BASE}?PageSize=1&amp;Page=0" '
        f'nextpageuri="{BASE}?PageSize=1&amp;Page=1&amp;PageToken=PA{numbered(2).sid}" '
        'previouspageuri=""><Call>'
        f"<Sid>{numbered(2).sid}</Sid>"
    )
    assert text.startswith(head)
    assert text.endswith("</Call></Calls></TwilioResponse>")
    assert text.count("<Call>") == 1


def test_list_is_limited_to_the_account(read_client: FlaskClient, store: Store) -> None:
    store.save([numbered(1), numbered(2, account_sid=OTHER.sid)])
    payload = read_client.get(f"{BASE}.json", headers=AUTH).get_json()
    assert [call["sid"] for call in payload["calls"]] == [numbered(1).sid]
    assert json.loads(json.dumps(payload))["end"] == 0
