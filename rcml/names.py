"""The naming table: every element's attributes (field <-> XML name, type, code), text and children.

Built once from the field metadata of `rcml.nodes`; the readers, the writers and the XSD generator
all look names up here and nowhere else.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from typing import Any

from rcml import nodes as n
from rcml import values as v


@dataclass(frozen=True, slots=True)
class AttrSpec:
    """One attribute: the node field it fills, its XML name, type, default and error code."""

    field: str
    xml: str
    type: v.ValueType
    default: Any
    code: int
    required: bool

    def format(self, value: object) -> str:
        return self.type.format(value)


@dataclass(frozen=True, slots=True)
class ElementSpec:
    """One element: its node class, attributes, text rule and allowed children."""

    tag: str
    cls: type[n.Node]
    attrs: dict[str, AttrSpec]  # by XML name, in field order
    text_field: str | None
    text_rule: n.TextRule | None
    children_field: str | None
    child_tags: tuple[str, ...]  # tags collected into children_field, in the table's order
    single_children: dict[str, str]  # tag -> field for 0..1 children (Video)
    allowed: tuple[str, ...]  # every child tag allowed, for messages and the XSD

    def attr_by_field(self, name: str) -> AttrSpec:
        for spec in self.attrs.values():
            if spec.field == name:
                return spec
        raise KeyError(name)


def _element_spec(cls: type[n.Node]) -> ElementSpec:
    attrs: dict[str, AttrSpec] = {}
    text_field = children_field = None
    text_rule: n.TextRule | None = None
    child_tags: tuple[str, ...] = ()
    single: dict[str, str] = {}
    for f in fields(cls):
        meta = f.metadata
        if n.XML in meta:
            default = None if f.default is MISSING else f.default
            attrs[meta[n.XML]] = AttrSpec(
                f.name, meta[n.XML], meta[n.TYPE], default, meta[n.CODE], meta[n.REQUIRED]
            )
        elif n.TEXT in meta:
            text_field, text_rule = f.name, meta[n.TEXT]
        elif n.CHILDREN in meta:
            children_field, child_tags = f.name, meta[n.CHILDREN]
        elif n.CHILD in meta:
            single[meta[n.CHILD]] = f.name
    allowed = tuple(single) + EXTRA_CHILDREN.get(cls.tag, ()) + child_tags
    if cls is n.Say:
        allowed = tuple(n.SSML_ATTRIBUTES)
    return ElementSpec(
        cls.tag, cls, attrs, text_field, text_rule, children_field, child_tags, single, allowed
    )


# Children read by the builder itself rather than stored as nodes: <Client><Identity> is its name.
EXTRA_CHILDREN: dict[str, tuple[str, ...]] = {"Client": ("Identity",)}

ELEMENTS: dict[str, ElementSpec] = {cls.tag: _element_spec(cls) for cls in n.NODE_CLASSES}
SPEC_OF: dict[type[n.Node], ElementSpec] = {spec.cls: spec for spec in ELEMENTS.values()}
ALL_TAGS: tuple[str, ...] = (*ELEMENTS, "Identity", *n.SSML_ATTRIBUTES)

# TwiML names that rcml knows but does not support: reported as such instead of "unknown".
TWIML_ELEMENTS = frozenset(
    {
        "Connect", "Stream", "Start", "Stop", "Pay", "Prompt", "Refer", "Echo", "Siprec",
        "Conversation", "ConversationRelay", "VirtualAgent", "Autopilot", "Room", "Application",
        "ApplicationSid", "Transcription", "Assistant", "Config", "Task", "Message", "Body",
        "Media", "Whatsapp",
    }
)  # fmt: skip
USSD_ELEMENTS = frozenset({"UssdCollect", "UssdMessage", "Language"})
TWIML_ATTRIBUTES: dict[str, frozenset[str]] = {
    "Gather": frozenset({"bargeIn", "debug", "dtmfDetection", "maxSpeechTime"}),
    "Record": frozenset({"storageUrl", "storageUrlMethod", "recordingChannels"}),
    "Dial": frozenset({"callReason", "referUrl", "referMethod", "events", "callerName"}),
    "Number": frozenset(
        {
            "byoc",
            "machineDetection",
            "machineDetectionTimeout",
            "amdStatusCallback",
            "amdStatusCallbackMethod",
            "machineDetectionSpeechThreshold",
            "machineDetectionSpeechEndThreshold",
            "machineDetectionSilenceTimeout",
        }
    ),  # fmt: skip
    "Sip": frozenset({"machineDetection", "amdStatusCallback", "amdStatusCallbackMethod"}),
    "Conference": frozenset(
        {
            "region",
            "coach",
            "trim",
            "recordingStatusCallback",
            "recordingStatusCallbackMethod",
            "recordingStatusCallbackEvent",
            "eventCallbackUrl",
            "jitterBufferSize",
            "participantLabel",
            "beepOnCustomerEntrance",
            "callSidToCoach",
        }
    ),  # fmt: skip
    "Queue": frozenset({"reservationSid", "postWorkActivitySid"}),
    "Enqueue": frozenset({"maxQueueSize", "workflowSid"}),
}


def non_defaults(node: n.Node) -> list[tuple[AttrSpec, object]]:
    """The attributes of a node whose value differs from the default, in table order."""
    spec = SPEC_OF[type(node)]
    out = []
    for attr in spec.attrs.values():
        value = getattr(node, attr.field)
        if attr.required or value != attr.default:
            out.append((attr, value))
    return out
