"""Training rollouts: send an article version to vendors, record each vendor's answer."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from commands.kb.service import require_article
from commands.mrkdwn import escape, escape_clip
from commands.scope import ChannelScope
from integrations.errors import NotAllowed, NotFound, UsageError
from storage.kb import KbArticle, articles_by_ids
from storage.text import clean_text
from storage.training import (
    OPEN_STATES,
    QUESTION,
    SCHEDULED,
    TRAINED,
    TrainingQuestion,
    TrainingRollout,
    existing_rollout,
    list_rollouts,
    question_by_key,
)
from storage.vendors import Vendor, list_vendors, vendor_by_slug_or_name, vendor_for_channel

TRAINING_USAGE = "\n".join(
    (
        "/training rollout ARTICLE-ID to:acme,globex due:fri [NOTE]   (admins, article owner)",
        "/training status [ARTICLE-ID | vendor:NAME]                 who has not confirmed",
        "/training scores [vendor:NAME] [assessment:NAME] [week|month|28d]   pass rates",
    )
)
ANSWERS = (TRAINED, SCHEDULED, QUESTION)
MAX_NOTE = 1000
MAX_QUESTION = 2000


def vendor_today(session: Session, vendor_slug: str, now: datetime) -> tuple[date, datetime]:
    """Return the vendor's local date and time at `now`."""
    vendor = vendor_by_slug_or_name(session, vendor_slug)
    try:
        zone = ZoneInfo(vendor.timezone if vendor is not None else "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    return local.date(), local


@dataclass
class RolloutResult:
    """The rollouts started, and the vendors that already had this version."""

    article: KbArticle
    started: list[TrainingRollout] = field(default_factory=list)
    already: list[str] = field(default_factory=list)


def may_roll_out(article: KbArticle, *, user_id: str, email: str | None, admin: bool) -> bool:
    """Tell whether a user may roll an article out: an admin, or the article's owner."""
    owner = article.owner.lower()
    return admin or owner == user_id.lower() or (email is not None and owner == email.lower())


def resolve_vendor(session: Session, text: str) -> Vendor:
    """Return the vendor named `text`; an unknown one gets the closest known names."""
    vendor = vendor_by_slug_or_name(session, text)
    if vendor is not None:
        return vendor
    known = {v.slug: v for v in list_vendors(session)}
    close = difflib.get_close_matches(text.lower(), list(known), n=3, cutoff=0.5)
    hint = f" Closest: {escape(', '.join(close))}." if close else ""
    raise NotFound(
        f"No vendor called {escape_clip(text, 60)}.{hint} "
        "An admin can add it with `/opsbot vendor add`."
    )


def start_rollout(
    *,
    session: Session,
    scope: ChannelScope,
    article_text: str,
    vendor_texts: list[str],
    due: date,
    today: date,
    note: str,
    user_id: str,
    email: str | None,
    admin: bool,
    now: datetime,
) -> RolloutResult:
    """Create one rollout per vendor for the article's current version."""
    article = require_article(session, scope, article_text)
    if not may_roll_out(article, user_id=user_id, email=email, admin=admin):
        raise NotAllowed("Only opsbot admins or the article's owner can roll it out.")
    if article.retired_at is not None:
        raise UsageError(f"`{escape(article.path)}` is retired (its file was removed).")
    if due < today:
        raise UsageError("The due day is in the past.", usage=TRAINING_USAGE)
    if not vendor_texts:
        raise UsageError("Name the vendors with `to:acme,globex`.", usage=TRAINING_USAGE)
    if len(note) > MAX_NOTE:
        raise UsageError(f"Keep the note under {MAX_NOTE} characters.", usage=TRAINING_USAGE)
    vendors = _rollout_vendors(session, scope, article, vendor_texts)
    result = RolloutResult(article=article)
    for vendor in vendors:
        found = existing_rollout(
            session, article_id=article.id or 0, version=article.version, vendor_slug=vendor.slug
        )
        if found is not None:
            result.already.append(vendor.slug)
            continue
        rollout = TrainingRollout(
            article_id=article.id or 0,
            article_version=article.version,
            vendor_slug=vendor.slug,
            channel_id=vendor.channel_id or "",
            due=due,
            note=note.strip(),
            created_by=user_id,
            created_at=now,
        )
        session.add(rollout)
        result.started.append(rollout)
    session.flush()
    return result


def answerable_rollout(
    *, session: Session, rollout_id_text: str, channel_id: str | None
) -> TrainingRollout:
    """Return the rollout a card's button names, if it may be answered from `channel_id`."""
    digits = rollout_id_text.isdigit() and len(rollout_id_text) < 10
    rollout = session.get(TrainingRollout, int(rollout_id_text)) if digits else None
    if rollout is None:
        raise NotFound("That rollout no longer exists.")
    # The payload names the rollout; where it may be answered comes from stored data only.
    vendor = vendor_for_channel(session, channel_id) if channel_id else None
    if vendor is None or vendor.slug != rollout.vendor_slug:
        raise NotAllowed("This rollout belongs to another vendor's channel; answer it there.")
    return rollout


def rollout_article(*, session: Session, rollout: TrainingRollout) -> KbArticle:
    """Return the article a rollout is about."""
    article = session.get(KbArticle, rollout.article_id)
    if article is None:
        raise NotFound("That rollout's article no longer exists.")
    return article


def _rollout_vendors(
    session: Session, scope: ChannelScope, article: KbArticle, vendor_texts: list[str]
) -> list[Vendor]:
    """Return the named vendors once each, if this channel, the article and a channel allow."""
    vendors: list[Vendor] = []
    for text in vendor_texts:
        vendor = resolve_vendor(session, text)
        if vendor.slug not in [v.slug for v in vendors]:
            vendors.append(vendor)
    scope.restrict([v.slug for v in vendors])
    for vendor in vendors:
        if article.vendors and vendor.slug not in article.vendors:
            raise UsageError(
                f"`{escape(article.path)}` is for {escape(', '.join(article.vendors))} only, "
                f"not {escape(vendor.name)}."
            )
        if not vendor.channel_id:
            raise UsageError(
                f"{escape(vendor.name)} has no vendor channel yet; an admin can bind one with "
                "`/opsbot vendor bind`."
            )
    return vendors


def record_answer(
    *,
    session: Session,
    rollout_id_text: str,
    channel_id: str | None,
    user_id: str,
    answer: str,
    scheduled_for: date | None,
    now: datetime,
) -> TrainingRollout:
    """Store a trainer's answer; only the rollout's own vendor channel may give it."""
    if answer not in ANSWERS:
        raise UsageError("That is not an answer I know.")
    rollout = answerable_rollout(
        session=session, rollout_id_text=rollout_id_text, channel_id=channel_id
    )
    today, _ = vendor_today(session, rollout.vendor_slug, now)
    if answer == SCHEDULED:
        if scheduled_for is None:
            raise UsageError("Pick the day the training is scheduled for.")
        if scheduled_for < today:
            raise UsageError("Pick a day from today on.")
    rollout.state = answer
    rollout.scheduled_for = scheduled_for if answer == SCHEDULED else None
    rollout.state_by = user_id
    rollout.state_at = now
    session.add(rollout)
    session.flush()
    return rollout


@dataclass(frozen=True)
class StatusRow:
    """One unconfirmed rollout and its article."""

    rollout: TrainingRollout
    article: KbArticle


def unconfirmed(
    *, session: Session, scope: ChannelScope, article_text: str | None, vendor_text: str | None
) -> list[StatusRow]:
    """Return open rollouts (not yet trained), for an article or a vendor, within scope."""
    article_id: int | None = None
    if article_text:
        article_id = require_article(session, scope, article_text).id
    vendors: list[str] | None = None
    if vendor_text:
        vendors = scope.restrict([resolve_vendor(session, vendor_text).slug])
    elif scope.vendor is not None:
        vendors = [scope.vendor.slug]
    rows = list_rollouts(session, article_id=article_id, vendor_slugs=vendors, open_only=True)
    articles = articles_by_ids(session, sorted({r.article_id for r in rows}))
    return [StatusRow(r, articles[r.article_id]) for r in rows if r.state in OPEN_STATES]


@dataclass(frozen=True)
class AskedQuestion:
    """A stored question, with its rollout and article (to tell the article's owner)."""

    question: TrainingQuestion
    rollout: TrainingRollout
    article: KbArticle
    new: bool


def ask_question(
    *,
    session: Session,
    rollout_id_text: str,
    channel_id: str | None,
    user_id: str,
    text: str,
    request_key: str,
    now: datetime,
) -> AskedQuestion:
    """Store a trainer's question for the article's owner and mark the rollout "question".

    Scope is checked again from stored data: only the rollout's own vendor channel may ask,
    and the question keeps that vendor. A repeated submission stores nothing new.
    """
    text = clean_text(text).strip()
    if not text:
        raise UsageError("Type your question first.")
    if len(text) > MAX_QUESTION:
        raise UsageError(f"Keep the question under {MAX_QUESTION} characters.")
    rollout = answerable_rollout(
        session=session, rollout_id_text=rollout_id_text, channel_id=channel_id
    )
    article = rollout_article(session=session, rollout=rollout)
    earlier = question_by_key(session, request_key)
    if earlier is not None:
        return AskedQuestion(earlier, rollout, article, new=False)
    record_answer(
        session=session,
        rollout_id_text=str(rollout.id),
        channel_id=channel_id,
        user_id=user_id,
        answer=QUESTION,
        scheduled_for=None,
        now=now,
    )
    question = TrainingQuestion(
        rollout_id=rollout.id or 0,
        article_id=article.id or 0,
        vendor_slug=rollout.vendor_slug,
        asked_by=user_id,
        text=text,
        asked_at=now,
        request_key=request_key,
    )
    session.add(question)
    session.flush()
    return AskedQuestion(question, rollout, article, new=True)
