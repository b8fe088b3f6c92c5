"""Escape, then clip: the result fits the limit and never holds half an entity or mention."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from commands.mrkdwn import clip, clip_mrkdwn, escape, escape_clip

ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")
hostile = st.text(alphabet=st.sampled_from("&<>!@a ;\n"), max_size=400)


def test_clipping_before_escaping_grows_past_the_limit_and_escape_clip_does_not() -> None:
    description = "& < >" * 560  # 2,800 characters
    assert len(escape(clip(description, 2800))) > 3000  # the old order
    assert len(escape_clip(description, 2800)) <= 2800


def test_a_cut_never_splits_an_entity() -> None:
    assert escape_clip("ab&cd", 4) == "ab…"  # `ab&a` would be half of `&amp;`
    assert escape_clip("a<b", 6) == "a&lt;b"
    assert escape_clip("a<bcdef", 6) == "a&lt;…"


def test_clip_mrkdwn_drops_a_mention_it_would_cut() -> None:
    assert clip_mrkdwn("hi <@U0123456789> there", 12) == "hi …"
    assert clip_mrkdwn("short", 10) == "short"


@given(text=hostile, limit=st.integers(min_value=1, max_value=500))
def test_escape_clip_fits_and_stays_escaped(text: str, limit: int) -> None:
    clipped = escape_clip(text, limit)
    assert len(clipped) <= limit
    assert "<" not in clipped and ">" not in clipped
    assert not ENTITY.search(clipped), clipped
    if len(escape(text)) <= limit:
        assert clipped == escape(text)
