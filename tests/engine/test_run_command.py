"""`rcml run` (interfaces.md §1): scenarios and flow files, the transcript, --json, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from rcml.run_command import run

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(run, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_scenario_prints_its_transcript():
    code, out, err = invoke(str(SCENARIOS / "dial_answered.yaml"))
    assert (code, err) == (0, "")
    assert out.splitlines()[:4] == [
        "     0.000  CA…0001  status       ringing",
        "     0.000  CA…0001  request      POST http://app.test/ivr (rcml) -> 200  "
        "CallStatus=ringing",
        "     0.000  CA…0001  status       in-progress",
        "     0.000  CA…0001  dial         client:alice  timeout=30 time_limit=14400 "
        "caller_id=+15550009999 record=false",
    ]
    assert out.splitlines()[-3:] == [
        "calls:",
        "  CA…0001  inbound +15550001111 -> +15551112222: completed, 62 s",
        "  CA…0002  outbound-dial +15550009999 -> client:alice (child of CA…0001): completed, 60 s",
    ]


def test_json_prints_the_result_object():
    code, out, _ = invoke(str(SCENARIOS / "dial_answered.yaml"), "--json")
    assert code == 0
    expected = json.loads((SCENARIOS / "dial_answered.json").read_text(encoding="utf-8"))
    assert json.loads(out) == expected


def test_a_flow_file_runs_as_one_inbound_call_with_digits(tmp_path):
    flow = tmp_path / "menu.xml"
    flow.write_text("<Response><Gather numDigits='2' action='/next'><Say>Code</Say></Gather>"
                    "</Response>")  # fmt: skip
    code, out, _ = invoke(str(flow), "--digits", "4@1", "--digits", "2@1.5", "--json")
    assert code == 0
    result = json.loads(out)
    assert [(r["kind"], r["url"], r["status"]) for r in result["requests"]] == [
        ("rcml", "http://localhost/menu.xml", 200),
        ("action", "http://localhost/next", 404),
    ]
    assert result["requests"][1]["params"]["Digits"] == "42"
    assert result["errors"][0]["code"] == 11200


def test_a_flow_in_the_dsl_runs_too(tmp_path):
    flow = tmp_path / "hello.flow"
    flow.write_text('say "Hello"\n')
    code, out, _ = invoke(str(flow), "--json")
    assert code == 0
    assert [e["type"] for e in json.loads(out)["events"]] == [
        "status", "status", "say", "hangup", "status"]  # fmt: skip


def test_an_invalid_flow_file_exits_1_with_its_problems(tmp_path):
    flow = tmp_path / "bad.xml"
    flow.write_text("<Response><Say loop='x'>hi</Say></Response>\n")
    code, out, err = invoke(str(flow))
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == (
        f"{flow}:1:16: error: <Say> attribute 'loop': expected an integer from 0 to 1000, got 'x'"
    )


def test_an_invalid_scenario_exits_1(tmp_path):
    scenario = tmp_path / "bad.yaml"
    scenario.write_text("call: {url: http://app.test/x, colour: red}\n")
    code, out, err = invoke(str(scenario))
    assert (code, out) == (1, "")
    assert err == (
        f"{scenario}: error: call: unknown key 'colour'; expected one of direction, from, to, "
        "caller_name, forwarded_from, url, method, fallback_url, fallback_method, "
        "status_callback, status_callback_method, status_callback_event, timeout, answer_after\n"
    )


def test_usage_errors_exit_2(tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("x")
    assert invoke(str(other))[0] == 2
    assert invoke(str(tmp_path / "missing.yaml"))[0] == 2
    assert invoke(str(SCENARIOS / "dial_answered.yaml"), "--digits", "1@2")[0] == 2
    flow = tmp_path / "f.xml"
    flow.write_text("<Response/>")
    code, _, err = invoke(str(flow), "--digits", "12")
    assert code == 2
    assert "--digits '12': expected KEYS@SECONDS, e.g. 1#@3 (keys 0-9, * and #)" in err
