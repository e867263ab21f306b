"""Round trips through the canonical XML writer and the XML reader, on random valid documents."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree

from rcml import nodes as n
from rcml.names import ELEMENTS
from rcml.xml_reader import parse_xml
from rcml.xml_writer import to_xml
from tests.strategies import documents, nodes

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(documents())
def test_reading_the_written_text_gives_the_document_back(doc: n.Response) -> None:
    assert parse_xml(to_xml(doc)) == doc


@PROPERTY
@given(documents())
def test_canonical_text_is_a_fixed_point(doc: n.Response) -> None:
    text = to_xml(doc)
    assert to_xml(parse_xml(text)) == text


def _written_attributes(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(tag, attributes in written order) of every RCML element of a canonical text."""
    root = etree.fromstring(text.encode("utf-8"))
    return [
        (el.tag, list(el.attrib.items())) for el in root.iter(etree.Element) if el.tag in ELEMENTS
    ]


@PROPERTY
@given(documents())
def test_written_attributes_are_non_defaults_in_table_order(doc: n.Response) -> None:
    for tag, written in _written_attributes(to_xml(doc)):
        spec = ELEMENTS[tag]
        alias = spec.text_rule.alias if spec.text_rule else None
        # The text's alias (`name` of Client, Sip, Conference) comes first, then the table.
        order = ([alias] if alias else []) + list(spec.attrs)
        names = [name for name, _ in written]
        assert names == sorted(names, key=order.index)
        for name, raw in written:
            if name == alias:
                continue
            attr = spec.attrs[name]
            assert attr.required or attr.type.parse(raw) != attr.default, (tag, name, raw)


def test_defaults_are_left_out_and_attributes_follow_the_table() -> None:
    source = (
        '<Response><Gather numDigits="3" timeout="5" method="post" input="DTMF" action="/a">'
        '<Say loop="1" voice="ALICE" language="en">Hi</Say></Gather>'
        '<Dial timeLimit="14400" callerId="+1555" timeout="20" method="get">'
        '<Number statusCallbackEvent="completed, Ringing" statusCallbackMethod="POST">'
        " +1555 </Number>"
        "</Dial></Response>"
    )
    assert to_xml(parse_xml(source)) == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<Response>\n"
        '  <Gather action="/a" numDigits="3">\n'
        '    <Say voice="alice">Hi</Say>\n'
        "  </Gather>\n"
        '  <Dial method="GET" timeout="20" callerId="+1555">\n'
        '    <Number statusCallbackEvent="ringing completed">+1555</Number>\n'
        "  </Dial>\n"
        "</Response>\n"
    )


def _in_document(node: n.Node) -> n.Response:
    """The smallest valid document holding `node` (rare classes get their own round trips)."""
    if isinstance(node, n.Response):
        return node
    if isinstance(node, n.Verb):
        return n.Response(verbs=(node,))
    if isinstance(node, n.Video):
        node = n.Sip(uri="sip:bob@example.com", video=node)
    elif isinstance(node, n.Parameter):
        node = n.Client(name="alice", parameters=(node,))
    assert isinstance(node, n.Number | n.Client | n.Sip | n.Uri | n.Conference | n.Queue)
    return n.Response(verbs=(n.Dial(nouns=(node,)),))


@pytest.mark.parametrize("cls", n.NODE_CLASSES, ids=lambda cls: cls.tag)
def test_each_node_class_round_trips(cls: type[n.Node]) -> None:
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(nodes(cls.tag))
    def round_trip(node: n.Node) -> None:
        assert type(node) is cls
        doc = _in_document(node)
        assert parse_xml(to_xml(doc)) == doc

    round_trip()
