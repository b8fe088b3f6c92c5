"""A training gap's follow-up: update the area's article and roll it out to the vendor.

A resolved escalation whose root cause is a training gap offers this on its card. The
button's escalation id, the article and the clicker's rights are all checked again against
what is stored; the rollout itself is the training family's own (`start_rollout`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from commands.escalations.service import require_escalation
from commands.escalations.views import offers_rollout
from commands.kb.service import visible
from commands.mrkdwn import escape
from commands.permissions import Actor
from commands.scope import ChannelScope
from commands.training.jobs import POST, TrainingJobs
from commands.training.service import RolloutResult, start_rollout, vendor_today
from integrations.errors import NotFound, UsageError
from storage.escalations import Escalation, kb_articles_in_area, record_event
from storage.kb import KbArticle
from storage.vendors import Vendor, vendor_by_slug_or_name

DUE_IN = timedelta(days=7)
NO_OFFER = (
    "This escalation offers no rollout: only one resolved as a training gap, about a vendor, does."
)


@dataclass(frozen=True)
class RolloutOffer:
    """The escalation, its vendor, the area's articles that vendor may get, and a due day."""

    escalation: Escalation
    vendor: Vendor
    articles: tuple[KbArticle, ...]
    today: date

    @property
    def due(self) -> date:
        """Return the default due day: a week from the vendor's today."""
        return self.today + DUE_IN


def rollout_offer(
    *, session: Session, actor: Actor, escalation_id: int, now: datetime
) -> RolloutOffer:
    """Return what the escalation offers, checked again: in scope, resolved, a training gap."""
    escalation = require_escalation(session, actor=actor, verb="view", escalation_id=escalation_id)
    if not offers_rollout(escalation):
        raise UsageError(NO_OFFER)
    vendor = vendor_by_slug_or_name(session, escalation.vendor or "")
    if vendor is None:
        raise NotFound("The escalation's vendor is no longer known.")
    shown = ChannelScope(vendor=vendor)
    articles = tuple(a for a in kb_articles_in_area(session, escalation.area) if visible(a, shown))
    today, _ = vendor_today(session, vendor.slug, now)
    return RolloutOffer(escalation, vendor, articles, today)


def roll_out_for_escalation(
    *,
    session: Session,
    jobs: TrainingJobs,
    actor: Actor,
    escalation_id: int,
    article_path: str,
    due: date | None,
    note: str,
    email: str | None,
    now: datetime,
) -> RolloutResult:
    """Start the rollout of one of the area's articles to the escalation's vendor.

    The training service checks the rest: the article is visible here, the clicker is an
    admin or its owner, the due day is not past, the vendor has a channel.
    """
    offer = rollout_offer(session=session, actor=actor, escalation_id=escalation_id, now=now)
    if article_path not in {a.path for a in offer.articles}:
        raise UsageError("Choose one of the area's articles.")
    result = start_rollout(
        session=session,
        scope=actor.scope,
        article_text=article_path,
        vendor_texts=[offer.vendor.slug],
        due=due or offer.due,
        today=offer.today,
        note=note,
        user_id=actor.user_id,
        email=email,
        admin=actor.is_admin,
        now=now,
    )
    if not result.started:
        raise UsageError(
            f"{escape(offer.vendor.name)} already has version {result.article.version} of this "
            "article: update it first (edit it, then `opsbot kb import`), and roll out again."
        )
    for rollout in result.started:
        jobs.enqueue(session, POST, rollout.id or 0, key=f"{POST}:{rollout.id}")
    what = f"{result.article.path} v{result.article.version} to {offer.vendor.slug}"
    record_event(session, offer.escalation, kind="rollout", to_value=what, actor=actor.user_id)
    return result
