"""The flow reader: what each construct of the DSL reads as, always compared with the XML reader."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rcml import names
from rcml import nodes as n
from rcml.errors import RcmlError
from rcml.flow_reader import FLOW_DIALECT, check_flow, keyword_of, parse_flow
from rcml.xml_reader import parse_xml

REPO = Path(__file__).resolve().parent.parent


def flow(source: str) -> n.Response:
    return parse_flow(textwrap.dedent(source))


ISSUE_EXAMPLE = """\
# support line
say "Thanks for calling Acme." voice=woman
gather action="/menu" numDigits=1 timeout=5:
    say "Press 1 for sales, 2 for support."
    pause length=1
say "Sorry, I did not get that."
dial timeout=20 action="/after-dial":
    client "alice"
    sip "sip:bob@example.com" username="bob"
redirect "/support"
"""


def test_the_example_of_the_issue_reads_as_its_document() -> None:
    assert parse_flow(ISSUE_EXAMPLE) == n.Response(
        verbs=(
            n.Say(text="Thanks for calling Acme.", voice="woman"),
            n.Gather(
                action="/menu",
                num_digits=1,
                timeout=5,
                prompts=(n.Say(text="Press 1 for sales, 2 for support."), n.Pause(length=1)),
            ),
            n.Say(text="Sorry, I did not get that."),
            n.Dial(
                timeout=20,
                action="/after-dial",
                nouns=(n.Client(name="alice"), n.Sip(uri="sip:bob@example.com", username="bob")),
            ),
            n.Redirect(url="/support"),
        )
    )


def test_the_example_equals_its_xml_form() -> None:
    xml = """<Response>
      <Say voice="woman">Thanks for calling Acme.</Say>
      <Gather action="/menu" numDigits="1" timeout="5">
        <Say>Press 1 for sales, 2 for support.</Say><Pause length="1"/>
      </Gather>
      <Say>Sorry, I did not get that.</Say>
      <Dial timeout="20" action="/after-dial">
        <Client>alice</Client><Sip username="bob">sip:bob@example.com</Sip>
      </Dial>
      <Redirect>/support</Redirect>
    </Response>"""
    assert parse_flow(ISSUE_EXAMPLE) == parse_xml(xml)


# --- keywords ------------------------------------------------------------------------------------


def test_every_element_has_its_lower_case_tag_as_keyword() -> None:
    for tag in (*names.ELEMENTS, "Identity", *n.SSML_ATTRIBUTES):
        assert keyword_of(tag) == tag.lower()
    keywords = [keyword_of(tag) for tag in names.ALL_TAGS]
    assert len(set(keywords)) == len(keywords)


@pytest.mark.parametrize("tag", sorted(set(names.ELEMENTS) - {"Response"}))
def test_every_element_keyword_is_read_as_its_tag(tag: str) -> None:
    """A keyword in a parent that does not allow it is still that element: the validator says so."""
    _, problems = check_flow(f"{keyword_of(tag)}\n" if tag in n.RESPONSE_VERBS else
                             f"hangup:\n    {keyword_of(tag)}\n")  # fmt: skip
    assert all("unknown keyword" not in problem.message for problem in problems)


def test_messages_name_elements_by_keyword_and_the_root_as_the_document() -> None:
    assert FLOW_DIALECT.element("Gather") == "'gather'"
    assert FLOW_DIALECT.element("say-as") == "'say-as'"
    assert FLOW_DIALECT.element("Response") == "the document"
    assert FLOW_DIALECT.attribute("numDigits") == "'numDigits'"


# --- lines, comments, indentation ----------------------------------------------------------------


def test_comments_and_blank_lines_are_ignored_anywhere() -> None:
    source = (
        "# heading\n\n"
        "gather numDigits=1:   # a comment after the colon\n"
        "        # a comment indented deeper than the block\n"
        "\n"
        '    say "Press 1."  # after a statement\n'
        "# back at the left\n"
        "    pause\n"
        "hangup\n"
        "# the end"
    )
    assert parse_flow(source) == n.Response(
        verbs=(n.Gather(num_digits=1, prompts=(n.Say(text="Press 1."), n.Pause())), n.Hangup())
    )


def test_line_breaks_may_be_crlf_or_cr_and_a_bom_is_ignored() -> None:
    expected = flow('gather:\n    say "a"\nhangup\n')
    assert parse_flow('\ufeffgather:\r\n    say "a"\r\nhangup\r\n') == expected
    assert parse_flow('gather:\r    say "a"\rhangup') == expected


def test_blocks_may_be_indented_with_tabs_or_any_number_of_spaces() -> None:
    expected = flow("dial:\n    client name=alice:\n        video enable=true\n")
    assert parse_flow("dial:\n\tclient name=alice:\n\t\tvideo enable=true\n") == expected
    assert parse_flow("dial:\n  client name=alice:\n     video enable=true\n") == expected


def test_a_dedent_closes_every_block_it_passes() -> None:
    doc = flow(
        """\
        dial:
            client name=alice:
                parameter name=a value=1
        hangup
        """
    )
    assert doc == n.Response(
        verbs=(
            n.Dial(nouns=(n.Client(name="alice", parameters=(n.Parameter(name="a", value="1"),)),)),
            n.Hangup(),
        )
    )


# --- strings and values --------------------------------------------------------------------------


def test_string_escapes() -> None:
    doc = flow(r'sms "say \"hi\" \\ tab\there\nnext\r\u00e9\U0001F600 # not a comment" to=+1555')
    (sms,) = doc.verbs
    assert isinstance(sms, n.Sms)
    assert sms.body == 'say "hi" \\ tab\there\nnext\ré\U0001f600 # not a comment'


def test_bare_and_quoted_values_are_the_same_value() -> None:
    bare = flow("record timeout=5 playBeep=false method=get finishOnKey=* action=/done\n")
    quoted = flow(
        'record timeout="5" playBeep="false" method="get" finishOnKey="*" action="/done"\n'
    )
    assert (
        bare
        == quoted
        == n.Response(
            verbs=(
                n.Record(
                    timeout=5, play_beep=False, method="GET", finish_on_key="*", action="/done"
                ),
            )
        )
    )


def test_the_text_and_the_attributes_come_in_any_order() -> None:
    assert flow('say voice=woman "Hi" loop=2\n') == flow('say "Hi" voice=woman loop=2\n')


def test_attribute_values_keep_what_the_validator_strips_out() -> None:
    """Leading and trailing space in a value is removed by the validator, as in XML."""
    assert flow('pause length=" 3 "\n') == parse_xml('<Response><Pause length=" 3 "/></Response>')


def test_a_block_of_text_lines_is_one_text() -> None:
    doc = flow(
        """\
        email to=ops@example.com from=rcml@example.com subject="Daily report":
            text "Calls: 42\\n"
            text "Failed: 0\\n"
            text "  indented line"
        """
    )
    (email,) = doc.verbs
    assert isinstance(email, n.Email)
    assert email.body == "Calls: 42\nFailed: 0\n  indented line"


def test_the_statement_string_comes_before_the_text_lines_of_its_block() -> None:
    assert flow('sms "one " to=+1555:\n    text "two"\n') == flow('sms "one two" to=+1555\n')


def test_dial_text_is_the_target_shorthand() -> None:
    assert flow('dial "+15551234567" timeout=10\n') == parse_xml(
        '<Response><Dial timeout="10">+15551234567</Dial></Response>'
    )
    assert flow('dial "client:alice"\n') == flow('dial:\n    client "alice"\n')


def test_client_name_may_come_from_the_name_attribute_or_identity() -> None:
    expected = n.Response(
        verbs=(n.Dial(nouns=(n.Client(name="alice", video=n.Video(enable=True)),)),)
    )
    assert flow("dial:\n    client name=alice:\n        video enable=true\n") == expected
    assert (
        flow('dial:\n    client:\n        identity "alice"\n        video enable=true\n')
        == expected
    )


# --- SSML ----------------------------------------------------------------------------------------


def test_ssml_blocks_read_as_the_mixed_content_of_xml() -> None:
    source = """\
    say voice=Polly.Joanna:
        text "Hello "
        break time=1s
        text " there, "
        emphasis "dear" level=strong
        text " caller."
        lang xml:lang=fr-FR:
            say-as "12" interpret-as=cardinal
            text " euros"
    """
    xml = (
        '<Response><Say voice="Polly.Joanna">Hello <break time="1s"/> there, '
        '<emphasis level="strong">dear</emphasis> caller.<lang xml:lang="fr-FR">'
        '<say-as interpret-as="cardinal">12</say-as> euros</lang></Say></Response>'
    )
    doc = flow(source)
    assert doc == parse_xml(xml)
    (say,) = doc.verbs
    assert isinstance(say, n.Say)
    assert say.ssml == (
        "Hello ",
        n.Ssml(name="break", attributes=(("time", "1s"),)),
        " there, ",
        n.Ssml(name="emphasis", attributes=(("level", "strong"),), content=("dear",)),
        " caller.",
        n.Ssml(
            name="lang",
            attributes=(("xml:lang", "fr-FR"),),
            content=(
                n.Ssml(name="say-as", attributes=(("interpret-as", "cardinal"),), content=("12",)),
                " euros",
            ),
        ),
    )


def test_ssml_text_whitespace_is_collapsed_and_trimmed_as_in_xml() -> None:
    source = (
        'say "  Hello   ":\n    break\n    text "\\n  world  \\t"\n    s:\n        text "  a  "\n'
    )
    xml = "<Response><Say>  Hello   <break/>\n  world  \t<s>  a  </s></Say></Response>"
    assert flow(source) == parse_xml(xml)


def test_a_say_block_of_text_lines_only_is_plain_text() -> None:
    assert flow('say:\n    text "Hello"\n    text "   world"\n') == flow('say "Hello world"\n')


# --- problems with positions ---------------------------------------------------------------------


def test_nodes_carry_the_line_and_column_of_their_keyword() -> None:
    doc = flow('say "a"\ndial:\n    number "+15551234567"\n')
    say, dial = doc.verbs
    assert isinstance(dial, n.Dial)
    assert (say.span, dial.span, dial.nouns[0].span) == (
        n.Span(None, 1, 1),
        n.Span(None, 2, 1),
        n.Span(None, 3, 5),
    )


def test_validator_problems_point_at_the_attribute_of_a_nested_statement() -> None:
    source = 'dial:\n    number "+15551234567" sendDigits=12x url=/x\n'
    with pytest.raises(RcmlError) as caught:
        parse_flow(source, "dial.flow")
    assert [problem.format() for problem in caught.value.errors] == [
        "dial.flow:2:27: error: 'number' attribute 'sendDigits': expected keys from 0-9, *, #, "
        "w and W, got '12x'"
    ]


def test_response_wrapper_is_reported_but_its_verbs_are_still_checked() -> None:
    _, problems = check_flow('response:\n    say "Hi" loop=x\n', "wrapped.flow")
    assert [problem.format() for problem in problems] == [
        "wrapped.flow:1:1: error: 'response' is implicit in a .flow file: write the verbs at the "
        "top level, without it",
        "wrapped.flow:2:14: error: 'say' attribute 'loop': expected an integer from 0 to 1000, "
        "got 'x'",
    ]


def test_a_problem_inside_a_lost_block_does_not_hide_other_problems() -> None:
    source = 'dial timeout=0:\n    numbr "+15551234567"\nsay "x" loop=x\n'
    _, problems = check_flow(source, "f.flow")
    assert [(p.line, p.col, p.code) for p in problems] == [
        (1, 6, 13212),
        (2, 5, 12200),
        (3, 9, 13510),
    ]


# --- one parser for every thread, and from an installed package ----------------------------------


def test_parsing_from_many_threads_at_once_gives_each_its_own_document() -> None:
    sources = [f'gather numDigits={i % 9 + 1}:\n    say "{i}"\n    pause length={i}\n' * 3
               for i in range(40)]  # fmt: skip
    expected = [parse_flow(source) for source in sources]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(5):
            assert list(pool.map(parse_flow, sources)) == expected


def test_the_grammar_loads_from_an_installed_package_without_the_checkout(tmp_path: Path) -> None:
    """The wheel carries grammar/ as rcml/grammar/; the reader must find it there."""
    site = tmp_path / "site"
    shutil.copytree(REPO / "rcml", site / "rcml", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "grammar", site / "rcml" / "grammar")
    script = (
        "import rcml.flow_reader as r, rcml.grammar_files as g\n"
        "assert g._CHECKOUT_DIR.is_dir() is False, g._CHECKOUT_DIR\n"
        "print(r.parse_flow('gather numDigits=1:\\n    say \"hi\"\\n').verbs[0].num_digits)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1\n"
