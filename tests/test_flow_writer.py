"""The canonical flow writer: exact output, quoting, round trips both ways, and the CLI."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcml import nodes as n
from rcml.cli import main
from rcml.flow_reader import check_flow, keyword_of, parse_flow
from rcml.flow_writer import FlowWriter, quote, to_flow, value
from rcml.names import ELEMENTS
from rcml.xml_reader import parse_xml
from rcml.xml_writer import to_xml
from tests.strategies import documents, nodes

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- canonical text ------------------------------------------------------------------------------


def test_the_canonical_form_of_a_typical_flow() -> None:
    xml = """<Response>
      <Say voice="woman" language="en-GB">Thanks for calling Acme.</Say>
      <Gather action="/menu" method="POST" numDigits="1" timeout="5" finishOnKey="">
        <Say>Press 1 for sales, 2 for support.</Say><Pause length="1"/>
      </Gather>
      <Dial timeout="20" action="https://example.com/after-dial" callerId="+15550001111">
        <Client>alice</Client><Sip username="bob">sip:bob@example.com</Sip>
      </Dial>
      <Redirect method="GET">/support?from=ivr</Redirect>
    </Response>"""
    assert to_flow(parse_xml(xml)) == (
        'say "Thanks for calling Acme." voice=woman language=en-GB\n'
        'gather action=/menu finishOnKey="" numDigits=1:\n'
        '    say "Press 1 for sales, 2 for support."\n'
        "    pause\n"
        'dial action="https://example.com/after-dial" timeout=20 callerId=+15550001111:\n'
        '    client "alice"\n'
        '    sip "sip:bob@example.com" username=bob\n'
        'redirect "/support?from=ivr" method=GET\n'
    )


def test_an_empty_document_is_a_lone_newline() -> None:
    assert to_flow(n.Response()) == "\n"
    assert parse_flow("\n") == n.Response()


def test_long_bodies_are_blocks_of_text_lines() -> None:
    doc = n.Response(
        verbs=(n.Sms(body="Your code is 1234.\n\nIt expires soon.", to="+15551234567"),)
    )
    assert to_flow(doc) == (
        "sms to=+15551234567:\n"
        '    text "Your code is 1234.\\n"\n'
        '    text "\\n"\n'
        '    text "It expires soon."\n'
    )


def test_ssml_is_a_block_with_text_lines_between_elements() -> None:
    xml = (
        '<Response><Say voice="alice">Hello <break time="1s"/> there, '
        '<emphasis level="strong">dear</emphasis> <prosody rate="80%">caller <s/></prosody>'
        '<lang xml:lang="fr-FR"/></Say></Response>'
    )
    assert to_flow(parse_xml(xml)) == (
        "say voice=alice:\n"
        '    text "Hello "\n'
        "    break time=1s\n"
        '    text " there, "\n'
        '    emphasis "dear" level=strong\n'
        '    text " "\n'
        "    prosody rate=80%:\n"
        '        text "caller "\n'
        "        s\n"
        "    lang xml:lang=fr-FR\n"
    )


def test_dial_shorthand_and_named_targets_follow_the_xml_writer() -> None:
    xml = (
        "<Response><Dial>client:alice</Dial><Dial><Client>bob</Client><Client>carol</Client></Dial>"
        '<Dial><Client name="dave"><Parameter name="team" value="support"/></Client></Dial>'
        '<Dial><Conference muted="true">room 1</Conference></Dial></Response>'
    )
    assert to_flow(parse_xml(xml)) == (
        'dial "client:alice"\n'
        "dial:\n"
        '    client "bob"\n'
        '    client "carol"\n'
        "dial:\n"
        "    client name=dave:\n"
        "        parameter name=team value=support\n"
        "dial:\n"
        '    conference "room 1" muted=true\n'
    )


def test_strings_escape_quotes_backslashes_controls_and_line_separators() -> None:
    assert quote('say "hi" \\ \t\n\r') == '"say \\"hi\\" \\\\ \\t\\n\\r"'
    assert quote("\x7f\x85\u2028\u2029") == '"\\u007f\\u0085\\u2028\\u2029"'
    assert quote("é 😀 # & < >") == '"é 😀 # & < >"'


BARE = set(string.ascii_letters + string.digits + "_.+-*/@,%")


@pytest.mark.parametrize("char", [chr(code) for code in range(32, 127)])
def test_a_value_is_bare_exactly_when_the_reader_takes_it_bare(char: str) -> None:
    raw = f"a{char}b"
    doc, problems = check_flow(f"parameter name={raw} value=x\n")
    read_bare = not any(p.code == 12100 for p in problems)
    assert (value(raw) == raw) == read_bare == (char in BARE)


def test_empty_and_spaced_values_are_quoted() -> None:
    assert [value(raw) for raw in ("", "dtmf speech", "#", "sip:x@y", "+1555", "80%")] == [
        '""',
        '"dtmf speech"',
        '"#"',
        '"sip:x@y"',
        "+1555",
        "80%",
    ]


@PROPERTY
@given(st.sampled_from(sorted(set(ELEMENTS) - {"Response"})).flatmap(nodes))
def test_every_node_is_written_as_a_statement_of_its_own_keyword(node: n.Node) -> None:
    writer = FlowWriter()
    writer.write(node, 1)
    first = writer.lines[0]
    assert first.startswith("    " + keyword_of(node.tag))
    assert first[4 + len(keyword_of(node.tag)) :][:1] in ("", " ", ":")


# --- round trips ---------------------------------------------------------------------------------


@PROPERTY
@given(documents())
def test_reading_the_written_flow_gives_the_document_back(doc: n.Response) -> None:
    text = to_flow(doc)
    assert text.endswith("\n")
    assert parse_flow(text) == doc


@PROPERTY
@given(documents())
def test_canonical_flow_is_a_fixed_point(doc: n.Response) -> None:
    text = to_flow(doc)
    assert to_flow(parse_flow(text)) == text


@PROPERTY
@given(documents())
def test_xml_to_flow_to_xml_changes_nothing(doc: n.Response) -> None:
    xml = to_xml(doc)
    assert to_xml(parse_flow(to_flow(parse_xml(xml)))) == xml


REALWORLD = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "realworld"


def test_real_world_documents_survive_xml_to_flow_and_back() -> None:
    paths = sorted(REALWORLD.glob("*.xml"))
    if not paths:
        pytest.skip("no real-world corpus beside the repository")
    checked = 0
    for path in paths:
        try:
            doc = parse_xml(path.read_bytes(), str(path))
        except Exception:  # noqa: BLE001 - invalid real-world documents are not this test's subject
            continue
        assert parse_flow(to_flow(doc), path.name) == doc, path.name
        checked += 1
    assert checked > 0


# --- the command line ----------------------------------------------------------------------------

IVR_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n'
    '  <Gather action="/menu" numDigits="1">\n    <Say>Press 1.</Say>\n  </Gather>\n'
    "  <Hangup/>\n</Response>\n"
)
IVR_FLOW = 'gather action=/menu numDigits=1:\n    say "Press 1."\nhangup\n'


def test_convert_xml_to_flow(tmp_path: Path) -> None:
    path = tmp_path / "ivr.xml"
    path.write_text(IVR_XML, encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", str(path), "--to", "flow"])
    assert result.exit_code == 0, result.output
    assert result.output == IVR_FLOW


def test_convert_flow_to_xml(tmp_path: Path) -> None:
    path = tmp_path / "ivr.flow"
    path.write_text(IVR_FLOW, encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", str(path), "--to", "xml"])
    assert result.exit_code == 0, result.output
    assert result.output == IVR_XML


def test_convert_an_invalid_flow_reports_its_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.flow"
    path.write_text('gather:\nsay "x"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", str(path), "--to", "xml"])
    assert result.exit_code == 1
    assert result.output == f"{path}:1:7: error: expected an indented block after 'gather:'\n"


def test_fmt_check_passes_canonical_flow_and_flags_the_rest(tmp_path: Path) -> None:
    canonical = tmp_path / "canonical.flow"
    canonical.write_text(IVR_FLOW, encoding="utf-8")
    sloppy = tmp_path / "sloppy.flow"
    sloppy_text = '# menu\ngather numDigits="1"   action="/menu":\n  say "Press   1."\nhangup'
    sloppy.write_text(sloppy_text, encoding="utf-8")
    result = CliRunner().invoke(main, ["fmt", "--check", str(canonical)])
    assert (result.exit_code, result.output) == (0, "")
    result = CliRunner().invoke(main, ["fmt", "--check", str(tmp_path)])
    assert (result.exit_code, result.output) == (1, f"would reformat {sloppy}\n")
    assert sloppy.read_text(encoding="utf-8") == sloppy_text


def test_fmt_rewrites_a_flow_in_canonical_form(tmp_path: Path) -> None:
    sloppy = tmp_path / "sloppy.flow"
    sloppy.write_text('gather numDigits="1"   action="/menu":\n  say "Press   1."\nhangup', "utf-8")
    result = CliRunner().invoke(main, ["fmt", str(sloppy)])
    assert (result.exit_code, result.output) == (0, f"reformatted {sloppy}\n")
    assert sloppy.read_text(encoding="utf-8") == IVR_FLOW
