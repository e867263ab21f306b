"""`rcml.testing`: the Simulation API and the pytest plugin's `rcml_sim` fixture."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from rcml.scheduler import WallClock
from rcml.testing import Simulation

REPO = Path(__file__).resolve().parents[2]


def readme_example(index: int = 0) -> str:
    """A complete example test of the README (section "In tests"), read from the README itself,
    so the documented examples and the tested ones cannot drift apart."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### In tests") : readme.index("## The host")]
    examples = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(examples) > index, "the README's 'In tests' section lacks a python example"
    return str(examples[index])


def run_pytest(folder: Path, test_file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        # No "-p rcml.testing": the installed package's pytest11 entry point must load the plugin.
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        cwd=folder, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": f"{REPO}:{folder}", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


FRESH = """

def test_each_test_gets_a_fresh_simulation(rcml_sim):
    assert rcml_sim.engine.legs == [] and rcml_sim.now == 0.0
    rcml_sim.call(twiml="<Response/>")
"""


def test_the_readme_example_passes_with_the_plugin(tmp_path):
    example = tmp_path / "test_example.py"
    example.write_text(readme_example() + FRESH + FRESH.replace("each", "every"))
    done = run_pytest(tmp_path, example)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout


# The app the README's app-server example imports as `myapp`: a small Flask voice app.
MYAPP = """
from flask import Flask, request

app = Flask(__name__)
XML = {"Content-Type": "text/xml"}


@app.post("/voice")
def voice():
    return ('<Response><Gather numDigits="1" action="/menu"><Say>Press 1 for sales</Say>'
            '</Gather></Response>', 200, XML)


@app.post("/menu")
def menu():
    if request.form["Digits"] == "1":
        return "<Response><Dial>client:sales</Dial></Response>", 200, XML
    return "<Response><Hangup/></Response>", 200, XML
"""


def test_the_readme_app_server_example_passes_with_the_plugin(tmp_path):
    (tmp_path / "myapp.py").write_text(MYAPP)
    example = tmp_path / "test_app_example.py"
    example.write_text(readme_example(1))
    done = run_pytest(tmp_path, example)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_calls_run_side_by_side_and_advance_moves_time():
    sim = Simulation(flows={"http://app.test/a": "<Response><Pause length='10'/></Response>"})
    first = sim.call(url="http://app.test/a")
    sim.advance(4)
    second = sim.call(from_="+15550002222", url="http://app.test/a")
    assert sim.now == 4.0
    assert (first.sid, second.sid) == ("CA" + "0" * 31 + "1", "CA" + "0" * 31 + "2")
    result = sim.run()
    assert [(c["start_time"], c["end_time"]) for c in result["calls"]] == [(0.0, 10.0), (4.0, 14.0)]


def test_run_until_stops_early_and_the_result_shows_live_calls():
    sim = Simulation(flows={"http://app.test/a": "<Response><Say>a b c d e f g h</Say></Response>"})
    sim.call(url="http://app.test/a")
    result = sim.run(until=2)
    assert result["calls"][0]["status"] == "in-progress"
    assert (result["calls"][0]["end_time"], result["calls"][0]["duration"]) == (None, None)
    assert sim.run()["calls"][0]["status"] == "completed"


def test_a_call_can_run_inline_twiml_and_custom_accounts_sign_requests():
    sim = Simulation(account_sid="AC" + "1" * 32, auth_token="secret")
    call = sim.call(twiml="<Response><Redirect>http://app.test/next</Redirect></Response>")
    sim.run()
    assert call.status == "completed"
    request = sim.requests[0]
    assert (request["params"]["AccountSid"], request["status"]) == ("AC" + "1" * 32, 404)


def test_from_scenario_keeps_the_scenario_until():
    sim = Simulation.from_scenario({
        "flows": {"http://app.test/a": "<Response><Pause length='100'/></Response>"},
        "call": {"url": "http://app.test/a"},
        "until": 30,
    })  # fmt: skip
    assert sim.run()["calls"][0]["status"] == "ringing"
    assert sim.now == 30.0


def test_a_wall_clock_simulation_keeps_virtual_instants():
    sim = Simulation(flows={"http://app.test/a": "<Response><Say>one two</Say></Response>"},
                     clock=WallClock(speed=200))  # fmt: skip
    sim.call(url="http://app.test/a")
    assert sim.run()["calls"][0]["end_time"] == 0.8


def test_modify_applies_a_live_modification_now_and_returns_the_call():
    sim = Simulation(flows={
        "http://app.test/a": "<Response><Pause length='30'/></Response>",
        "http://app.test/bye": "<Response><Say>Goodbye</Say><Pause length='30'/></Response>",
    })  # fmt: skip
    call = sim.call(url="http://app.test/a")
    sim.advance(2)
    assert call.modify(Url="http://app.test/bye") is call
    assert call.status == "in-progress"  # the new document's Say answered at once
    sim.advance(1)
    assert call.modify(Status="completed").status == "completed"
    assert sim.events_of(call, ["hangup"])[-1] == {
        "at": 3.0, "call_sid": call.sid, "type": "hangup", "cause": "modify"}  # fmt: skip
    assert [(r["at"], r["url"]) for r in sim.requests] == [
        (0.0, "http://app.test/a"), (2.0, "http://app.test/bye")]  # fmt: skip
    assert sim.errors == []


def test_a_call_handle_shows_what_was_said_and_requested_for_its_own_leg():
    sim = Simulation(
        flows={
            "http://app.test/ivr": "<Response><Gather numDigits='1' action='/menu'><Say>Press 1"
            "</Say></Gather></Response>",
            "http://app.test/menu": "<Response><Say>Connecting</Say><Dial>client:desk</Dial>"
            "</Response>",
        },
        endpoints={"client:desk": {"answer_after": 1, "hangup_after": 5}},
    )
    call = sim.call(url="http://app.test/ivr")
    sim.advance(1)
    call.press("1")
    sim.run()
    assert call.said == ["Press 1", "Connecting"]
    assert [(e["at"], e["digits"]) for e in call.events("digits")] == [(1.0, "1")]
    assert [e["type"] for e in call.events("status")] == ["status"] * 3
    menu = call.requests("http://app.test/menu")
    assert [(r["kind"], r["params"]["Digits"]) for r in menu] == [("action", "1")]
    assert [r["url"] for r in call.requests()] == ["http://app.test/ivr", "http://app.test/menu"]
    desk = call.leg("client:desk")
    assert desk.said == [] and desk.requests() == []
    assert [e["status"] for e in desk.events("status")] == [
        "queued", "ringing", "in-progress", "completed",
    ]  # fmt: skip
