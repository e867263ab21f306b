"""`rcml run`: simulate a scenario file, or one inbound call running a flow file (interfaces §1)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click

from rcml.errors import Problem
from rcml.loading import check_source, syntax_of
from rcml.scenario import ScenarioError, load_scenario
from rcml.transcript import transcript

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")
FLOW_SUFFIXES = (".xml", ".flow")
# A flow file run on its own is served at this URL, so relative URLs in it resolve somewhere.
FLOW_BASE_URL = "http://localhost/"
_DIGITS = re.compile(r"([0-9*#]+)@([0-9]+(?:\.[0-9]+)?)", re.ASCII)


def _digit_events(values: tuple[str, ...]) -> list[dict[str, Any]]:
    events = []
    for value in values:
        match = _DIGITS.fullmatch(value)
        if match is None:
            raise click.UsageError(
                f"--digits '{value}': expected KEYS@SECONDS, e.g. 1#@3 (keys 0-9, * and #)"
            )
        events.append({"at": float(match[2]), "digits": match[1]})
    return events


MAX_SIBLING_FLOWS = 500


def _sibling_flows(path: Path) -> dict[str, str]:
    """The flow and the documents beside it (and below), served under FLOW_BASE_URL.

    A flow's actions and redirects usually name companion documents by relative URL
    (`action="ivr-choice.xml"`), so they are served too, as an app server would serve its folder.
    """
    folder = path.resolve().parent
    flows = {FLOW_BASE_URL + path.name: str(path.resolve())}
    siblings = sorted(p for p in folder.rglob("*") if p.suffix.lower() in FLOW_SUFFIXES)
    for sibling in siblings[:MAX_SIBLING_FLOWS]:
        flows.setdefault(FLOW_BASE_URL + sibling.relative_to(folder).as_posix(), str(sibling))
    return flows


def _flow_scenario(path: Path, digits: tuple[str, ...]) -> dict[str, Any] | list[Problem]:
    """One inbound call running the flow at `path`; its problems if it is invalid."""
    source = path.read_bytes()
    doc, problems = check_source(source, str(path), syntax_of(path))
    if doc is None:
        return [p for p in problems if p.is_error]
    url = FLOW_BASE_URL + path.name
    return {
        "flows": _sibling_flows(path),
        "call": {"url": url},
        "events": _digit_events(digits),
    }


@click.command("run")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--digits", multiple=True, metavar="KEYS@SECONDS",
    help="With a flow file: the caller presses KEYS at SECONDS (repeatable).",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the result object as JSON.")
def run(path: Path, digits: tuple[str, ...], as_json: bool) -> None:
    """Simulate SCENARIO.yaml, or one inbound call running FLOW.xml / FLOW.flow."""
    suffix = path.suffix.lower()
    if suffix in SCENARIO_SUFFIXES:
        if digits:
            raise click.UsageError("--digits goes with a flow file; a scenario has `events`")
        source: Any = path
    elif suffix in FLOW_SUFFIXES:
        flow = _flow_scenario(path, digits)
        if isinstance(flow, list):
            source_text = path.read_text(encoding="utf-8", errors="replace")
            for problem in flow:
                click.echo(problem.format(source_text), err=True)
            raise SystemExit(EXIT_INVALID)
        source = flow
    else:
        raise click.UsageError(
            f"{path}: expected a scenario ({', '.join(SCENARIO_SUFFIXES)}) or a flow "
            f"({', '.join(FLOW_SUFFIXES)})"
        )
    try:
        sim, result = load_scenario(source).run()
    except ScenarioError as problem:
        click.echo(f"{problem.location() or path}: error: {problem.message}", err=True)
        raise SystemExit(EXIT_INVALID) from None
    if as_json:
        click.echo(json.dumps(result, indent=2))
    else:
        journal = sim.engine.journal
        click.echo(transcript(journal.timeline, sim.engine.legs), nl=False)
    raise SystemExit(EXIT_OK)
