"""`rcml run` (interfaces.md §1): scenarios and flow files, the transcript, --json, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rcml.run_command import run
from rcml.scenario import ScenarioError, load_scenario

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
        f"{scenario}:1:32: error: call: unknown key 'colour'; expected one of direction, from, to, "
        "caller_name, forwarded_from, url, method, fallback_url, fallback_method, "
        "status_callback, status_callback_method, status_callback_event, timeout, answer_after\n"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the value a message is about
        (
            "call:\n  url: http://app.test/x\n  timeout: soon\n",
            "3:12: error: call.timeout: expected a number of seconds >= 0, got 'soon'",
        ),
        (
            "call: {url: http://app.test/x}\nevents:\n  - {at: 1, digits: '1'}\n"
            "  - {at: 2, speech: hi, confidence: 7}\n",
            "4:37: error: events[1].confidence: expected a number from 0 to 1",
        ),
        # a quoted key in the path
        (
            "endpoints:\n  'client:bob': {busy: maybe}\ncall: {url: http://app.test/x}\n",
            "2:17: error: endpoints['client:bob']: busy must be true or false, got 'maybe'",
        ),
        # the unknown key itself, in a list entry
        (
            "call: {url: http://app.test/x}\nevents:\n  - at: 1\n    press: '1'\n",
            "4:5: error: events[0]: unknown key 'press'; expected one of at, call, caller, "
            "confidence, digits, speech, hangup, modify",
        ),
        # the entry that holds what is missing
        (
            "call:\n  from: '+15550001111'\n",
            "2:3: error: call: `url` is required (the first document of the call)",
        ),
        # YAML itself
        (
            "call:\n  url: [http://app.test/x\n",
            "3:1: error: not valid YAML: expected ',' or ']', but got '<stream end>'",
        ),
        (
            "- just\n- a list\n",
            "1:1: error: a scenario is a map with the keys flows, http, endpoints, call, calls, "
            "events, until, apps",
        ),
    ],
)
def test_scenario_errors_name_the_line_and_column(tmp_path, text, expected):
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(text)
    code, out, err = invoke(str(scenario))
    assert (code, out, err) == (1, "", f"{scenario}:{expected}\n")


VOICE_APP = """
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/xml")])
    digits = environ["wsgi.input"].read().decode()
    said = "You pressed 7" if "Digits=7" in digits else "Press 7"
    return [f'<Response><Gather numDigits="1" action="/pressed"><Say>{said}</Say></Gather>'
            f'</Response>'.encode()]
"""


def test_a_scenario_mounts_an_app_by_its_import_path(tmp_path):
    (tmp_path / "voiceapp.py").write_text(VOICE_APP)
    scenario = tmp_path / "app.yaml"
    scenario.write_text(
        "apps: {http://app.test: 'voiceapp:app'}\n"
        "call: {url: http://app.test/voice}\n"
        "events: [{at: 1, digits: '7'}, {at: 2, hangup: true}]\n"
    )
    code, out, err = invoke(str(scenario), "--json")
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert [(r["url"], r["status"]) for r in result["requests"]] == [
        ("http://app.test/voice", 200), ("http://app.test/pressed", 200),
    ]  # fmt: skip
    assert [e["text"] for e in result["events"] if e["type"] == "say"] == [
        "Press 7", "You pressed 7",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("'voiceapp'", "1:25: error: apps['http://app.test']: expected 'module:attribute' naming "
         "a WSGI app, got 'voiceapp'"),
        ("'nosuchmodule:app'", "1:25: error: apps['http://app.test']: cannot import "
         "'nosuchmodule:app': ModuleNotFoundError: No module named 'nosuchmodule'"),
        ("'voiceapp:application'", "1:25: error: apps['http://app.test']: cannot import "
         "'voiceapp:application': AttributeError: module 'voiceapp' has no attribute "
         "'application'"),
        ("'brokenapp:app'", "1:25: error: apps['http://app.test']: cannot import "
         "'brokenapp:app': RuntimeError: no database configured"),
    ],
)  # fmt: skip
def test_an_app_that_cannot_be_imported_is_refused_with_its_place(tmp_path, entry, expected):
    (tmp_path / "voiceapp.py").write_text(VOICE_APP)
    (tmp_path / "brokenapp.py").write_text("raise RuntimeError('no database configured')\n")
    scenario = tmp_path / "app.yaml"
    scenario.write_text(f"apps: {{http://app.test: {entry}}}\ncall: {{url: http://app.test/v}}\n")
    code, out, err = invoke(str(scenario))
    assert (code, out, err) == (1, "", f"{scenario}:{expected}\n")


def test_a_scenario_given_as_a_dict_has_errors_without_a_place():
    with pytest.raises(ScenarioError) as caught:
        load_scenario({"call": {"url": "http://app.test/x", "timeout": "soon"}})
    problem = caught.value
    assert (problem.location(), problem.line, problem.col) == (None, None, None)
    assert str(problem) == "call.timeout: expected a number of seconds >= 0, got 'soon'"


def test_a_file_scenario_error_says_where_in_str_too(tmp_path):
    scenario = tmp_path / "bad.yaml"
    scenario.write_text("call: {url: http://app.test/x}\nuntil: -1\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(scenario)
    assert str(caught.value) == (
        f"{scenario}:2:8: until: expected a number of seconds >= 0, got -1"
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
