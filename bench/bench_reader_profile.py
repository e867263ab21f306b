"""Where the XML reader's time goes: parse + validate against lxml + walk per corpus, a profile.

    python bench/bench_reader_profile.py [--rounds 40] [--profile] [--fixed]

The first benchmark of bench_language.py, measured so that a 2-core machine shared with other
work still gives figures worth comparing: the candidates run in interleaved rounds (a burst of
load hits every candidate of that round alike) and the best round of each counts.

- per corpus (golden, real-world, both): microseconds per document and the ratio to lxml + walk;
- `--fixed`: the per-document cost that does not depend on elements, from `<Response/>`;
- `--profile`: cProfile of parse_xml over the whole corpus, the 25 most expensive functions.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_language import corpus, lxml_walk  # noqa: E402

from rcml.xml_reader import parse_xml  # noqa: E402


def interleaved(candidates: dict[str, Callable[[], object]], rounds: int, inner: int
                ) -> dict[str, float]:  # fmt: skip
    """Best seconds per call of each candidate; each round runs every candidate `inner` times."""
    best = dict.fromkeys(candidates, float("inf"))
    for _ in range(rounds):
        for name, run in candidates.items():
            start = time.perf_counter()
            for _ in range(inner):
                run()
            best[name] = min(best[name], (time.perf_counter() - start) / inner)
    return best


def compare(texts: list[bytes], rounds: int) -> tuple[float, float]:
    """(lxml + walk, parse_xml) in microseconds per document."""
    best = interleaved(
        {
            "walk": lambda: lxml_walk(texts),
            "rcml": lambda: [parse_xml(text) for text in texts],
        },
        rounds,
        inner=5,
    )
    return best["walk"] * 1e6 / len(texts), best["rcml"] * 1e6 / len(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--fixed", action="store_true")
    args = parser.parse_args()
    texts, golden, _ = corpus()
    splits = {"golden": texts[:golden], "real-world": texts[golden:], "both": texts}
    print(f"{'corpus':12} {'docs':>5} {'lxml+walk us':>13} {'rcml us':>9} {'ratio':>7}")
    for name, docs in splits.items():
        if docs:
            walk, ours = compare(docs, args.rounds)
            print(f"{name:12} {len(docs):5} {walk:13.2f} {ours:9.2f} {ours / walk:6.2f}x")
    if args.fixed:
        empty = b"<Response/>"
        best = interleaved(
            {"fromstring": lambda: etree.fromstring(empty), "parse_xml": lambda: parse_xml(empty)},
            args.rounds,
            inner=2000,
        )
        print(f"<Response/>: etree.fromstring {best['fromstring'] * 1e6:.2f} us, "
              f"parse_xml {best['parse_xml'] * 1e6:.2f} us")  # fmt: skip
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(100):
            for text in texts:
                parse_xml(text)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
