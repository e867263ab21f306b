"""Broken scenario files: whatever a mutation does to a valid one, loading and running it either
works or ends in a ScenarioError with a place, never another exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcml.scenario import ScenarioError, load_scenario

SCENARIOS = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))
# Pieces of YAML and of scenario values that make interesting mistakes.
PIECES = [
    "-", ":", " ", "\n", "[", "]", "{", "}", "'", '"', "\t", "#", ",", "&a", "*a", "?", "~",
    "!!python/object:os.system", "at", "digits", "-1", "1e9", "null", "true", "0x10", "call",
    "calls", "caller", "url", "events", "modify", "Url", "http://ap[p.test/x", "client:", "sip:",
]  # fmt: skip


@st.composite
def mutated_scenarios(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SCENARIOS)).read_text(encoding="utf-8")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(st.sampled_from(PIECES)) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 6)) :]
    return text


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "scenario.yaml"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=mutated_scenarios())
def test_a_mutated_scenario_runs_or_is_refused_with_a_place(scratch: Path, text: str) -> None:
    scratch.write_text(text, encoding="utf-8")
    try:
        scenario = load_scenario(scratch)
        scenario.until = min(scenario.until or 600.0, 600.0)
        scenario.run()
    except ScenarioError as problem:
        assert problem.filename == str(scratch)
        assert str(problem).startswith(f"{scratch}:")
