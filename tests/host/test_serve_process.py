"""`rcml serve` as a process: the embedded default with its demo, records that survive a
restart, and calls left live by a killed host closed as `failed` at the next start."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import yaml

import rcml
from tests.host.conftest import ACCOUNT, NUMBER

REPO = Path(rcml.__file__).resolve().parent.parent
CREDENTIALS = (ACCOUNT.sid, ACCOUNT.auth_token)
CALLS = f"/2010-04-01/Accounts/{ACCOUNT.sid}/Calls"


def write_config(tmp_path: Path) -> Path:
    config = {
        "accounts": [{"sid": ACCOUNT.sid, "auth_token": ACCOUNT.auth_token}],
        "numbers": {NUMBER: {"voice_url": "/flows/hold.xml"}},
        "database": "host.db",
        "flows_dir": "flows",
    }
    (tmp_path / "flows").mkdir(exist_ok=True)
    (tmp_path / "flows" / "hold.xml").write_text(
        '<Response><Say>Please hold</Say><Pause length="600"/></Response>'
    )
    (tmp_path / "host.yaml").write_text(yaml.safe_dump(config))
    return tmp_path / "host.yaml"


class ServeProcess:
    """`rcml serve ARGS --port 0` in a child process, in folder `cwd`."""

    def __init__(self, cwd: Path, *args: str, credentials: tuple[str, str] = CREDENTIALS) -> None:
        command = [
            sys.executable, "-c", "from rcml.serve_command import serve; serve()", *args,
            "--port", "0",
        ]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen(
            command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        self.banner: list[str] = []
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.banner.append(line.rstrip("\n"))
            if line.startswith("Press Ctrl+C"):
                break
        found = re.search(r"rcml host on (http://127\.0\.0\.1:\d+)", "\n".join(self.banner))
        assert found, "\n".join(self.banner)
        self.url = found[1]
        self.http = httpx.Client(base_url=self.url, auth=credentials)

    def stop(self, how: int) -> str:
        self.http.close()
        self.process.send_signal(how)
        rest, _ = self.process.communicate(timeout=20)
        return str(rest)


def wait_for_status(http: httpx.Client, sid: str, status: str) -> dict[str, object]:
    deadline = time.monotonic() + 5
    while True:
        call: dict[str, object] = http.get(f"{CALLS}/{sid}.json").json()
        if call["status"] == status or time.monotonic() > deadline:
            assert call["status"] == status
            return call
        time.sleep(0.02)


@pytest.fixture
def processes() -> Iterator[list[ServeProcess]]:
    started: list[ServeProcess] = []
    yield started
    for process in started:
        if process.process.poll() is None:
            process.process.kill()
            process.process.communicate()
        process.http.close()


@pytest.fixture
def serve(tmp_path: Path, processes: list[ServeProcess]) -> Callable[[], ServeProcess]:
    """Starts `rcml serve --config host.yaml` (the same file and database each time)."""
    config = write_config(tmp_path)

    def start() -> ServeProcess:
        processes.append(ServeProcess(tmp_path, "--config", str(config)))
        return processes[-1]

    return start


def test_the_embedded_default_with_its_demo(tmp_path: Path, processes: list[ServeProcess]) -> None:
    (tmp_path / "flows").mkdir()
    shutil.copy(REPO / "flows" / "welcome.xml", tmp_path / "flows" / "welcome.xml")
    first = ServeProcess(tmp_path, "--clock", "virtual")
    processes.append(first)
    banner = "\n".join(first.banner)
    found = re.search(r"demo account: (AC[0-9a-f]{32})  auth token: ([0-9a-f]{32})", banner)
    assert found, banner
    demo = (found[1], found[2])
    assert f"  number +15551234567 -> {first.url}/flows/welcome.xml" in first.banner
    assert "  endpoint client:alice: {'answer_after': 2}" in first.banner
    assert (tmp_path / "rcml.db").is_file()
    http = httpx.Client(base_url=first.url, auth=demo)
    call = http.post("/sim/calls", json={"from": "+15550001111", "to": "+15551234567"}).json()
    assert call["status"] == "in-progress"
    http.post("/sim/clock/advance", json={"seconds": 60})
    events = http.get(f"/sim/calls/{call['sid']}/events").json()
    says = [event["text"] for event in events["events"] if event["type"] == "say"]
    assert says == ["Hello, and thank you for calling Acme.", "This is an example flow. Goodbye!"]
    assert events["errors"] == []
    http.close()
    first.stop(signal.SIGTERM)
    again = ServeProcess(tmp_path, credentials=demo)  # the same demo account, from the database
    processes.append(again)
    assert f"  demo account: {demo[0]}  auth token: {demo[1]}" in again.banner
    listed = again.http.get(f"/2010-04-01/Accounts/{demo[0]}/Calls.json").json()["calls"]
    assert [(c["sid"], c["status"]) for c in listed] == [(call["sid"], "completed")]


def test_records_survive_a_clean_restart(serve: Callable[[], ServeProcess]) -> None:
    first = serve()
    inbound = first.http.post("/sim/calls", json={"from": "+15550001111", "to": NUMBER}).json()
    wait_for_status(first.http, inbound["sid"], "in-progress")
    hung_up = first.http.post(f"/sim/calls/{inbound['sid']}/hangup").json()
    assert hung_up["status"] == "completed"
    ringing = first.http.post(
        f"{CALLS}.json", data={"To": "+15550002222", "From": "+1", "Url": "http://app.test/x"}
    ).json()
    assert first.stop(signal.SIGTERM).endswith("rcml host stopped\n")
    assert first.process.returncode == 0

    second = serve()
    listed = second.http.get(f"{CALLS}.json").json()["calls"]
    assert [(c["sid"], c["status"]) for c in listed] == [
        (ringing["sid"], "failed"),
        (inbound["sid"], "completed"),
    ]
    assert listed[1] == {
        **hung_up,
        "uri": listed[1]["uri"],
        "subresource_uris": listed[1]["subresource_uris"],
    }
    events = second.http.get(f"/sim/calls/{inbound['sid']}/events").json()
    assert [e["type"] for e in events["events"]][:3] == ["status", "status", "say"]
    assert events["requests"][0]["url"] == f"{first.url}/flows/hold.xml"
    second.stop(signal.SIGTERM)


def test_a_killed_hosts_live_calls_are_closed_at_the_next_start(
    serve: Callable[[], ServeProcess],
) -> None:
    first = serve()
    inbound = first.http.post("/sim/calls", json={"from": "+15550001111", "to": NUMBER}).json()
    live = wait_for_status(first.http, inbound["sid"], "in-progress")
    time.sleep(1.2)  # at least one heartbeat after the call started
    first.stop(signal.SIGKILL)

    second = serve()
    assert f"closed call {inbound['sid']} as failed: it was live when the host stopped" in (
        second.banner
    )
    closed = second.http.get(f"{CALLS}/{inbound['sid']}.json").json()
    assert (closed["status"], closed["start_time"]) == ("failed", live["start_time"])
    assert closed["end_time"] is not None and closed["duration"] in ("1", "2")
    refused = second.http.post(f"/sim/calls/{inbound['sid']}/digits", json={"digits": "1"})
    assert (refused.status_code, refused.json()["code"]) == (400, 21220)
    second.stop(signal.SIGTERM)
