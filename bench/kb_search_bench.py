"""Knowledge-base search benchmark: `/kb WORDS` over 10,000 articles, beside a LIKE scan.

    python bench/kb_search_bench.py [--articles 10000] [--queries 200]
                                    [--database-url postgresql://… --fresh-database]

Articles are generated from a Zipf-distributed vocabulary (a few common words, a long tail),
about 250 words each, and imported through the import service. Each query (one to three
words drawn from the vocabulary's middle) runs through the same service `/kb` calls — the
database's own full-text engine, ranked, with snippets — on a session of its own. The
baseline is what a search without an index must do: scan every body (`LIKE %word%`, first word).
Prints one figure per line; the target is search p95 < 50 ms on both backends.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.targets import bench_database
from commands.kb.article_files import ArticleFile
from commands.kb.importing import import_articles
from commands.kb.service import search
from commands.scope import ChannelScope
from storage.engine import make_engine, session_factory, unit_of_work
from storage.migrate import upgrade_database

NOW = datetime(2026, 11, 18, 12, tzinfo=UTC)
AREAS = ("impersonation", "copyright", "trademark", "account-security", "billing", "other")


def vocabulary(size: int, rng: random.Random) -> list[str]:
    """Return `size` distinct pronounceable words."""
    syllables = ["ka", "lo", "mi", "ren", "sa", "tor", "vi", "an", "pel", "qu", "dor", "is"]
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def articles(count: int, words: list[str], rng: random.Random) -> list[ArticleFile]:
    """Generate `count` articles with Zipf-like word frequencies."""
    weights = [1 / (rank + 1) for rank in range(len(words))]
    made: list[ArticleFile] = []
    for index in range(count):
        body_words = rng.choices(words, weights=weights, k=250)
        paragraphs = [" ".join(body_words[i : i + 50]) + "." for i in range(0, 250, 50)]
        made.append(
            ArticleFile(
                path=f"kb/{AREAS[index % len(AREAS)]}/{index:05d}.md",
                title=" ".join(rng.choices(words, weights=weights, k=5)).title(),
                area=AREAS[index % len(AREAS)],
                owner="U0OWNER",
                reviewed=date(2026, 1, 1),
                vendors=(),
                tags=tuple(rng.sample(words[:200], 2)),
                body="\n\n".join(paragraphs),
            )
        )
    return made


def percentile(samples: list[float], share: float) -> float:
    """Return the `share` percentile of sorted-able samples."""
    ordered = sorted(samples)
    return ordered[int(share * (len(ordered) - 1))]


def time_queries(
    engine: Engine, scope: ChannelScope, queries: list[str]
) -> tuple[list[float], list[float], int]:
    """Time each query through the /kb service and through an unindexed scan."""
    timed: list[float] = []
    baseline: list[float] = []
    found = 0
    for query in queries:
        with Session(engine) as session:
            began = time.perf_counter()
            results = search(session=session, scope=scope, query=query, area=None)
            timed.append((time.perf_counter() - began) * 1000)
            found += bool(results)
        with Session(engine) as session:
            began = time.perf_counter()
            session.execute(
                text("SELECT count(*) FROM kb_article WHERE body LIKE :p"),
                {"p": f"%{query.split()[0]}%"},
            ).all()
            baseline.append((time.perf_counter() - began) * 1000)
    return timed, baseline, found


def main() -> None:
    """Seed, query, print figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--fresh-database", action="store_true")
    args = parser.parse_args()
    rng = random.Random(7)
    words = vocabulary(5000, rng)
    with (
        tempfile.TemporaryDirectory() as scratch,
        bench_database(args.database_url, fresh=args.fresh_database, scratch=Path(scratch)) as url,
    ):
        engine = make_engine(url)
        upgrade_database(engine)
        sessions = session_factory(engine)
        started = time.perf_counter()
        with unit_of_work(sessions) as session:
            import_articles(session=session, articles=articles(args.articles, words, rng), now=NOW)
        seconds = time.perf_counter() - started
        backend = engine.dialect.name
        print(f"{backend}: imported {args.articles:,} articles in {seconds:.1f} s")
        scope = ChannelScope(vendor=None)
        # Words people look up in a knowledge base are specific; a mix of common words (each
        # in up to 40% of the articles) shows the cost of ranking thousands of matches.
        mixes = (("specific words", 200, 4000), ("common words", 50, 1500))
        for label, low, high in mixes:
            queries = [
                " ".join(rng.sample(words[low:high], rng.randint(1, 3)))
                for _ in range(args.queries)
            ]
            timed, baseline, found = time_queries(engine, scope, queries)
            print(f"  {label} (vocabulary ranks {low}–{high}): {found}/{len(queries)} found")
            for name, samples in (("/kb search (ranked)", timed), ("baseline LIKE scan", baseline)):
                print(
                    f"    {name:<25} p50 {statistics.median(samples):7.1f} ms   "
                    f"p95 {percentile(samples, 0.95):7.1f} ms"
                )
        engine.dispose()


if __name__ == "__main__":
    main()
