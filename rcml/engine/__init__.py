"""The call engine: legs, simulated parties, dialing, conferences, queues, callbacks, the journal.

Module map: `model` (legs, statuses, sessions, sids), `core` (the Engine: effects, legs, requests,
callbacks, input), `runner` (drives one interpreter program), `dialing` (Dial branches and
bridges), `rooms` (conferences), `queues` (Enqueue and Dial Queue), `media` (recording),
`modify` (live call modification), `endpoints` (simulated parties), `journal` (events, requests,
errors, the result JSON).
"""

from __future__ import annotations

from rcml.engine.core import Engine
from rcml.engine.endpoints import Behaviour, Endpoints, Reaction, parse_behaviour
from rcml.engine.journal import Journal
from rcml.engine.model import Account, AppCallback, Direction, Leg, Progress, Sids, Status
from rcml.engine.modify import Modification, ModifyError, parse_modification

__all__ = [
    "Account", "AppCallback", "Behaviour", "Direction", "Endpoints", "Engine", "Journal", "Leg",
    "Modification", "ModifyError", "Progress", "Reaction", "Sids", "Status", "parse_behaviour",
    "parse_modification",
]  # fmt: skip
