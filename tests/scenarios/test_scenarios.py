"""The scenario corpus: each `*.yaml` here runs and must give exactly its `*.json` result.

`pytest --update-golden` rewrites the expected results. A subset also runs on a sped-up
WallClock and must give the same result as in virtual time.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rcml.scenario import load_scenario
from rcml.scheduler import WallClock
from rcml.testing import Simulation

HERE = Path(__file__).resolve().parent
SCENARIOS = sorted(HERE.glob("*.yaml"))
# Run again on a wall clock (real time, sped up) to check both clocks give the same result.
WALL_CLOCK_SUBSET = (
    "dial_answered",
    "gather_num_digits",
    "record_silence",
    "conference_two_callers",
    "queue_enqueue_dequeue",
    "http_timeout",
    "modify_timeline_b_move_connected",
    "modify_state_child_bridged",
)
WALL_SPEED = 400.0  # virtual ms per real ms: dial_answered's 62 s take about 0.16 s


def render(result: dict[str, object]) -> str:
    return json.dumps(result, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("path", SCENARIOS, ids=[path.stem for path in SCENARIOS])
def test_scenario_gives_its_expected_result(path: Path, golden) -> None:
    _, result = load_scenario(path).run()
    golden.check(path.with_suffix(".json"), render(result))


def test_the_corpus_is_complete() -> None:
    assert len(SCENARIOS) >= 50
    assert {path.with_suffix(".json").exists() for path in SCENARIOS} == {True}


def _wall_clock_simulation(path: Path) -> Simulation:
    scenario = load_scenario(path)
    build = Simulation.__init__

    def on_a_wall_clock(self: Simulation, *args: object, **kwargs: object) -> None:
        build(self, *args, clock=WallClock(speed=WALL_SPEED), **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Simulation, "__init__", on_a_wall_clock)
        return scenario.simulation()


@pytest.mark.parametrize("name", WALL_CLOCK_SUBSET)
def test_a_wall_clock_run_gives_the_same_result(name: str) -> None:
    path = HERE / f"{name}.yaml"
    sim = _wall_clock_simulation(path)
    assert isinstance(sim.scheduler.clock, WallClock)
    assert render(sim.run()) == path.with_suffix(".json").read_text(encoding="utf-8")
