"""rcml: write, check and simulate RCML/TwiML voice call flows."""

from __future__ import annotations

from rcml.errors import Problem, RcmlError
from rcml.flow_reader import parse_flow
from rcml.flow_writer import to_flow
from rcml.loading import load
from rcml.nodes import Response
from rcml.xml_reader import parse_xml
from rcml.xml_writer import to_xml

__all__ = [
    "Problem",
    "RcmlError",
    "Response",
    "load",
    "parse_flow",
    "parse_xml",
    "to_flow",
    "to_xml",
]
__version__ = "0.1.0"
