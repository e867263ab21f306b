"""Host configuration: the YAML file, its errors, the embedded default and the demo account."""

from __future__ import annotations

from pathlib import Path

import pytest

from rcml.engine import Account
from rcml.host.config import (
    DEMO_NUMBER,
    ConfigError,
    HostConfig,
    NumberConfig,
    default_config,
    demo_account,
    load_config,
    parse_config,
)
from rcml.serve_command import banner, build_config
from rcml.store import Store

SID = "AC" + "1" * 32


def test_a_full_file(tmp_path: Path) -> None:
    (tmp_path / "host.yaml").write_text(
        f"""
accounts:
  - {{sid: {SID}, auth_token: secret}}
  - {{sid: AC{"2" * 32}, auth_token: other}}
numbers:
  "+15551112222": {{voice_url: /flows/ivr.xml, voice_method: get,
                   status_callback: "http://app.test/cb"}}
  "+15553334444": {{voice_url: "http://app.test/x", account_sid: AC{"2" * 32},
                   voice_fallback_url: "https://app.test/fb"}}
endpoints:
  client:alice: {{answer_after: 2}}
flows_dir: my-flows
database: data/host.db
public_url: https://rcml.example.com/
"""
    )
    config = load_config(tmp_path / "host.yaml", port=9000)
    assert config.accounts == (Account(SID, "secret"), Account("AC" + "2" * 32, "other"))
    assert config.numbers == {
        "+15551112222": NumberConfig(
            "+15551112222", "/flows/ivr.xml", SID, voice_method="GET",
            status_callback="http://app.test/cb",
        ),
        "+15553334444": NumberConfig(
            "+15553334444", "http://app.test/x", "AC" + "2" * 32,
            voice_fallback_url="https://app.test/fb",
        ),
    }  # fmt: skip
    assert config.endpoints == {"client:alice": {"answer_after": 2}}
    assert (config.flows_dir, config.database) == (tmp_path / "my-flows", tmp_path / "data/host.db")
    assert (config.port, config.base_url()) == (9000, "https://rcml.example.com")
    assert not config.demo


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "the configuration: expected a map with keys accounts, numbers, endpoints, "
             "flows_dir, database, public_url, extensions, oauth, websocket_port"),
        ({"acounts": []}, "the configuration: unknown key 'acounts'; expected one of accounts, "
                          "numbers, endpoints, flows_dir, database, public_url, extensions, "
                          "oauth, websocket_port"),
        ({"accounts": [{"sid": "XX1", "auth_token": "t"}]},
         "accounts[0].sid: expected an account sid starting with AC"),
        ({"accounts": [{"sid": SID}]}, "accounts[0].auth_token: required"),
        ({"accounts": [{"sid": SID, "auth_token": "a"}, {"sid": SID, "auth_token": "b"}]},
         f"accounts[1].sid: {SID} is listed twice"),
        ({"numbers": {"+1": {}}}, "numbers['+1'].voice_url: required"),
        ({"numbers": {"+1": {"voice_url": "ftp://x"}}},
         "numbers['+1'].voice_url: 'ftp://x' is neither an http(s) URL nor a /path"),
        ({"numbers": {"+1": {"voice_url": "/x", "voice_method": "PUT"}}},
         "numbers['+1'].voice_method: expected GET or POST, got 'PUT'"),
        ({"accounts": [{"sid": SID, "auth_token": "t"}],
          "numbers": {"+1": {"voice_url": "/x", "account_sid": "AC9"}}},
         "numbers['+1'].account_sid: no account AC9 is configured"),
        ({"endpoints": {"client:bob": {"busy": "yes"}}},
         "endpoints['client:bob']: busy must be true or false, got 'yes'"),
        ({"public_url": "localhost:8080"},
         "public_url: 'localhost:8080' is not an http or https URL"),
    ],
)  # fmt: skip
def test_errors_name_the_key(data: object, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(data)
    assert str(raised.value) == message


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"host\.yaml: cannot read: No such file or directory"):
        load_config(tmp_path / "host.yaml")
    (tmp_path / "bad.yaml").write_text("accounts: [")
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path / "bad.yaml")
    assert str(raised.value) == (
        f"{tmp_path / 'bad.yaml'}:1:12: not valid YAML: expected the node content, "
        "but found '<stream end>'"
    )
    (tmp_path / "latin1.yaml").write_bytes(b"port: 80 # caf\xe9\n")
    with pytest.raises(ConfigError, match=r"latin1\.yaml: cannot read: not UTF-8 \(invalid"):
        load_config(tmp_path / "latin1.yaml")
    (tmp_path / "empty.yaml").write_text("")
    assert load_config(tmp_path / "empty.yaml").database == tmp_path / "rcml.db"


def test_the_embedded_default() -> None:
    config = default_config()
    assert (config.flows_dir, config.database, config.base_url()) == (
        Path("flows"),
        Path("rcml.db"),
        "http://127.0.0.1:8080",
    )
    assert config.demo and config.accounts == ()
    assert config.numbers[DEMO_NUMBER].voice_url == "/flows/welcome.xml"
    assert config.endpoints["client:alice"] == {"answer_after": 2}
    demo = config.with_accounts((Account(SID, "t"),))
    assert demo.numbers[DEMO_NUMBER].account_sid == SID


def test_the_demo_account_is_kept_in_the_database(tmp_path: Path) -> None:
    store = Store(tmp_path / "rcml.db")
    first = demo_account(store)
    assert first.sid.startswith("AC") and len(first.sid) == 34 and len(first.auth_token) == 32
    assert demo_account(store) == first
    store.close()
    reopened = Store(tmp_path / "rcml.db")
    assert demo_account(reopened) == first
    reopened.close()


def test_a_wildcard_host_is_called_on_loopback() -> None:
    assert HostConfig(host="0.0.0.0", port=81).base_url() == "http://127.0.0.1:81"
    assert HostConfig(host="::1").base_url(5) == "http://[::1]:5"


def test_the_command_line_wins_over_the_file(tmp_path: Path) -> None:
    (tmp_path / "host.yaml").write_text("database: a.db\nflows_dir: f\n")
    config = build_config(str(tmp_path / "host.yaml"), "g", "0.0.0.0", 0, "virtual", "b.db")
    assert (config.flows_dir, config.database, config.host, config.port, config.clock) == (
        Path("g"),
        Path("b.db"),
        "0.0.0.0",
        0,
        "virtual",
    )
    default = build_config(None, None, "127.0.0.1", 8080, "wall", None)
    assert default.demo and default.database == Path("rcml.db")


def test_the_banner_shows_credentials_and_numbers(tmp_path: Path) -> None:
    config = default_config(flows_dir=tmp_path).with_accounts((Account(SID, "tok"),))
    text = banner(config, "http://127.0.0.1:8080", lambda url: "http://127.0.0.1:8080" + url)
    assert text.splitlines() == [
        "rcml host on http://127.0.0.1:8080 (clock: wall)",
        f"  flows:    {tmp_path} (served at http://127.0.0.1:8080/flows/)",
        "  database: rcml.db",
        f"  demo account: {SID}  auth token: tok",
        "  number +15551234567 -> http://127.0.0.1:8080/flows/welcome.xml",
        "  endpoint client:alice: {'answer_after': 2}",
        "  endpoint client:bob: {'answer_after': 1, 'hangup_after': 30}",
        "  endpoint client:carol: {'busy': True}",
        f"  note: {tmp_path / 'welcome.xml'} does not exist; the demo number will fail to fetch it",
        "Press Ctrl+C to stop.",
    ]


def test_file_errors_name_the_line_and_column_of_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "host.yaml"
    path.write_text(
        "accounts:\n  - sid: AC" + "1" * 32 + "\n    auth_token: t\n"
        "numbers:\n  '+15551234567':\n    voice_url: /ivr.xml\n    voice_method: PUT\n"
    )
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value) == (
        f"{path}:7:19: numbers['+15551234567'].voice_method: expected GET or POST, got 'PUT'"
    )
    path.write_text("port: 80\ncolour: red\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value).startswith(f"{path}:2:1: the configuration: unknown key 'colour'")
