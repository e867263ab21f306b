"""Tests of rcml.http: parameter encoding, request URLs, signatures, lookup keys, URL resolution."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qsl

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from rcml import __version__
from rcml.http import (
    ACCEPT,
    VIRTUAL_EPOCH,
    UrlError,
    encode_params,
    iso_timestamp,
    lookup_key,
    request_url,
    resolve_url,
    rfc2822_timestamp,
    signature,
    signed_headers,
)

# The worked example of rcml-semantics §4.9.
TOKEN = "5f1c0e9a7b3d4c2e8f6a1b0c9d8e7f6a"
URL = "https://app.example.com/ivr/menu?lang=en"
PARAMS = {
    "AccountSid": "AC3f2b8c6d1e0a4b7c9d5e2f1a0b3c4d5e",
    "ApiVersion": "2010-04-01",
    "CallSid": "CA9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d",
    "CallStatus": "in-progress",
    "CallTimestamp": "2026-11-22T10:15:30.000Z",
    "Digits": "42",
    "Direction": "inbound",
    "FinishedOnKey": "#",
    "From": "+15550001111",
    "To": "+15551112222",
}
GET_URL = (
    "https://app.example.com/ivr/menu?lang=en&AccountSid=AC3f2b8c6d1e0a4b7c9d5e2f1a0b3c4d5e"
    "&ApiVersion=2010-04-01&CallSid=CA9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d&CallStatus=in-progress"
    "&CallTimestamp=2026-11-22T10%3A15%3A30.000Z&Digits=42&Direction=inbound&FinishedOnKey=%23"
    "&From=%2B15550001111&To=%2B15551112222"
)


# --- encoding ----------------------------------------------------------------------------------


def test_params_are_form_encoded_sorted_by_code_point():
    params = {"b": "x y", "B": "é/&=+", "a": "~_.-", "Z": ""}
    assert encode_params(params) == "B=%C3%A9%2F%26%3D%2B&Z=&a=~_.-&b=x+y"


def test_no_params_encode_to_nothing():
    assert encode_params({}) == ""


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(min_size=1), st.text()))
def test_encoding_round_trips_in_name_order(params):
    encoded = encode_params(params)
    assert parse_qsl(encoded, keep_blank_values=True) == sorted(params.items())
    assert " " not in encoded
    assert all(re.fullmatch("[0-9A-F]{2}", code) for code in re.findall("%(..)", encoded))


# --- request URLs ------------------------------------------------------------------------------


def test_get_appends_params_to_the_urls_own_query():
    assert request_url(URL, "GET", PARAMS) == GET_URL


@pytest.mark.parametrize(
    ("url", "method", "expected"),
    [
        ("http://a.test/x#frag", "GET", "http://a.test/x?k=v+w"),
        ("http://a.test/x?", "GET", "http://a.test/x?k=v+w"),
        ("http://a.test/x?q=1&", "get", "http://a.test/x?q=1&k=v+w"),
        ("http://a.test/x?q=1#f", "POST", "http://a.test/x?q=1"),
    ],
)
def test_request_url(url, method, expected):
    assert request_url(url, method, {"k": "v w"}) == expected


def test_get_without_params_requests_the_url_as_is():
    assert request_url("http://a.test/x?q=1#f", "GET", {}) == "http://a.test/x?q=1"


# --- signatures --------------------------------------------------------------------------------


def test_post_signature_of_the_worked_example():
    sig = signature(TOKEN, URL, "POST", PARAMS)
    assert sig == "6BRXkqXr4my13Pu8KhoisSag/vM="
    assert RequestValidator(TOKEN).validate(URL, PARAMS, sig)


def test_get_signature_of_the_worked_example():
    sig = signature(TOKEN, URL, "GET", PARAMS)
    assert sig == "qYVW2Z2x2xU5JnLmdEWEAGxIeNQ="
    assert RequestValidator(TOKEN).validate(GET_URL, {}, sig)


def test_the_fragment_is_not_signed():
    assert signature(TOKEN, URL + "#top", "POST", PARAMS) == "6BRXkqXr4my13Pu8KhoisSag/vM="


def test_a_different_token_gives_a_different_signature():
    assert not RequestValidator("0" * 32).validate(
        URL, PARAMS, signature(TOKEN, URL, "POST", PARAMS)
    )


urls = st.builds(
    lambda scheme, host, port, path, query: f"{scheme}://{host}{port}/{path}{query}",
    st.sampled_from(["http", "https"]),
    st.sampled_from(["app.test", "127.0.0.1", "example.com"]),
    st.sampled_from(["", ":8080"]),
    st.text(alphabet="abcxyz/-_", max_size=12),
    st.sampled_from(["", "?lang=en", "?a=1&b=2"]),
)


@settings(max_examples=150, deadline=None)
@given(urls, st.dictionaries(st.text(min_size=1), st.text(), max_size=6), st.text(min_size=1))
def test_twilio_validates_every_signature(url, params, token):
    validator = RequestValidator(token)
    post = signature(token, url, "POST", params)
    assert validator.validate(url, params, post)
    get = signature(token, url, "GET", params)
    assert validator.validate(request_url(url, "GET", params), {}, get)


def test_signed_headers_for_post():
    assert signed_headers(TOKEN, URL, "POST", PARAMS) == {
        "User-Agent": f"rcml/{__version__}",
        "Accept": "text/xml, application/xml, text/html, text/plain, audio/*;q=0.8, */*;q=0.1",
        "X-Twilio-Signature": "6BRXkqXr4my13Pu8KhoisSag/vM=",
        "X-RestComm-Signature": "6BRXkqXr4my13Pu8KhoisSag/vM=",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def test_signed_headers_for_get_have_no_content_type():
    assert signed_headers(TOKEN, URL, "GET", PARAMS) == {
        "User-Agent": f"rcml/{__version__}",
        "Accept": ACCEPT,
        "X-Twilio-Signature": "qYVW2Z2x2xU5JnLmdEWEAGxIeNQ=",
        "X-RestComm-Signature": "qYVW2Z2x2xU5JnLmdEWEAGxIeNQ=",
    }


# --- lookup keys -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("http://app.test/ivr", "http://app.test/ivr"),
        ("HTTP://App.TEST:80/Ivr?Lang=EN#top", "http://app.test/Ivr?Lang=EN"),
        ("https://app.test:443/x", "https://app.test/x"),
        ("https://app.test:80/x", "https://app.test:80/x"),
        ("http://app.test:8080/x?", "http://app.test:8080/x"),
        ("http://User:Pw@App.test/x", "http://User:Pw@app.test/x"),
        ("http://[::1]:80/x", "http://[::1]/x"),
        ("http://app.test", "http://app.test"),
        ("not a url#x", "not a url"),
        ("http://app.test:port/x", "http://app.test:port/x"),
    ],
)
def test_lookup_key(url, key):
    assert lookup_key(url) == key


# --- URL resolution ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "ref", "expected"),
    [
        ("http://app.test/ivr/menu?x=1", "next", "http://app.test/ivr/next"),
        ("http://app.test/ivr/menu", "/top", "http://app.test/top"),
        ("http://app.test/ivr/menu", "?step=2", "http://app.test/ivr/menu?step=2"),
        ("http://app.test/ivr/menu", "//other.test/a", "http://other.test/a"),
        ("http://app.test/ivr/menu", "  https://b.test/x  ", "https://b.test/x"),
        ("http://app.test/ivr/menu", "", "http://app.test/ivr/menu"),
        (None, "https://b.test/x#f", "https://b.test/x#f"),
    ],
)
def test_resolve_url(base, ref, expected):
    assert resolve_url(base, ref) == expected


@pytest.mark.parametrize(
    ("base", "ref", "message"),
    [
        (
            None,
            "menu.xml",
            "invalid URL 'menu.xml': a relative URL needs a current document URL to resolve "
            "against, and there is none",
        ),
        (
            "http://app.test/a",
            "ftp://files.test/x",
            "invalid URL 'ftp://files.test/x': only http and https URLs can be requested",
        ),
        (
            None,
            "mailto:a@b.test",
            "invalid URL 'mailto:a@b.test': only http and https URLs can be requested",
        ),
        (None, "http:///path", "invalid URL 'http:///path': no host"),
        (
            None,
            "http://app.test:99999/x",
            "invalid URL 'http://app.test:99999/x': Port out of range 0-65535",
        ),
        # urllib refuses these itself, before any check of ours
        (None, "http://ap[p.test/x", "invalid URL 'http://ap[p.test/x': Invalid IPv6 URL"),
        (
            "http://app.test/a",
            "http://b]ad.test/x",
            "invalid URL 'http://b]ad.test/x': Invalid IPv6 URL",
        ),
    ],
)
def test_unusable_urls_fail_with_11100(base, ref, message):
    with pytest.raises(UrlError) as caught:
        resolve_url(base, ref)
    assert (caught.value.code, caught.value.message, str(caught.value)) == (11100, message, message)


# --- timestamps --------------------------------------------------------------------------------


def test_iso_timestamp_has_milliseconds_in_utc():
    assert iso_timestamp(VIRTUAL_EPOCH, 5_000) == "2000-01-01T00:00:05.000Z"
    assert iso_timestamp(VIRTUAL_EPOCH, 86_400_123) == "2000-01-02T00:00:00.123Z"
    paris = datetime(2026, 11, 22, 11, 15, 30, tzinfo=timezone(timedelta(hours=1)))
    assert iso_timestamp(paris, 0) == "2026-11-22T10:15:30.000Z"
    assert iso_timestamp(datetime(2026, 11, 22), 1) == "2026-11-22T00:00:00.001Z"


def test_rfc2822_timestamp_in_utc_whole_seconds():
    epoch = datetime(2026, 11, 22, 10, 15, 0, tzinfo=UTC)
    assert rfc2822_timestamp(epoch, 30_999) == "Sun, 22 Nov 2026 10:15:30 +0000"
    assert rfc2822_timestamp(VIRTUAL_EPOCH, 0) == "Sat, 01 Jan 2000 00:00:00 +0000"
