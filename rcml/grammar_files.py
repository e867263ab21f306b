"""Read the Lark grammar files, from the installed package or from a source checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

# Wheels carry `grammar/` as `rcml/grammar/` (hatch force-include); a checkout or an editable
# install only has the top-level `grammar/` directory next to the package.
_CHECKOUT_DIR = Path(__file__).resolve().parent.parent / "grammar"


def grammar_text(name: str) -> str:
    """The text of grammar file `name` (e.g. "targets.lark"); FileNotFoundError if absent."""
    if not name or Path(name).name != name or name in (".", ".."):
        raise ValueError(f"grammar file name must be a plain file name, got {name!r}")
    packaged = resources.files("rcml") / "grammar" / name
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    checkout = _CHECKOUT_DIR / name
    if checkout.is_file():
        return checkout.read_text(encoding="utf-8")
    raise FileNotFoundError(
        f"grammar file {name!r} not found in the rcml package (rcml/grammar/) "
        f"nor in the source checkout ({_CHECKOUT_DIR})"
    )
