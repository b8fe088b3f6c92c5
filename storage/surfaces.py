"""Slack-native surfaces: who belongs to a vendor, each user's published home, nudges sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from storage.claims import claim_in_savepoint
from storage.types import UTCDateTime, utcnow
from storage.vendors import Vendor

MEMBER_USER, MEMBER_TEAM = "user", "team"


class VendorMember(SQLModel, table=True):
    """A Slack user, or a whole Slack Connect partner team, that belongs to one vendor.

    Such a person sees that vendor's data only on surfaces without a channel (the App Home).
    """

    __tablename__ = "vendor_member"
    __table_args__ = (UniqueConstraint("kind", "slack_id", name="uq_vendor_member"),)

    id: int | None = Field(default=None, primary_key=True)
    vendor_id: int = Field(foreign_key="vendor.id", index=True)
    kind: str = Field(max_length=8)  # "user" (U…) or "team" (T…)
    slack_id: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class HomeState(SQLModel, table=True):
    """What was last published on a user's App Home, so a refresh posts only real changes."""

    __tablename__ = "home_state"

    user_id: str = Field(primary_key=True, max_length=32)
    team_id: str | None = Field(default=None, max_length=32)
    fingerprint: str = Field(default="", max_length=64)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    published_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NudgeSent(SQLModel, table=True):
    """One nudge for one item in one interval; unique, so replicas send it once."""

    __tablename__ = "nudge_sent"
    __table_args__ = (UniqueConstraint("rule", "item_key", "slot", name="uq_nudge_slot"),)

    id: int | None = Field(default=None, primary_key=True)
    rule: str = Field(max_length=32)
    item_key: str = Field(max_length=64)
    slot: int
    target: str = Field(default="", max_length=32)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


OPENING, OPEN, CLOSED, DEGRADED = "opening", "open", "closed", "degraded"


class IncidentChannel(SQLModel, table=True):
    """A SEV1's own channel (OPSBOT_SEV1_CHANNELS=on): one per escalation, claimed by insert."""

    __tablename__ = "incident_channel"

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(unique=True, index=True)
    channel_id: str | None = Field(default=None, max_length=32)
    state: str = Field(default=OPENING, max_length=16)
    error: str | None = Field(default=None, max_length=200)
    mirrored_event_id: int = 0  # the last escalation event copied into the channel
    # Each step of opening is recorded as it succeeds: a retried open skips what is done.
    card_ts: str | None = Field(default=None, max_length=32)
    note_posted: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def incident_channel(session: Session, escalation_id: int) -> IncidentChannel | None:
    """Return the escalation's incident channel record."""
    statement = select(IncidentChannel).where(col(IncidentChannel.escalation_id) == escalation_id)
    return session.exec(statement).first()


def incident_channels(session: Session, *, states: tuple[str, ...]) -> list[IncidentChannel]:
    """Return incident channel records in these states."""
    statement = select(IncidentChannel).where(col(IncidentChannel.state).in_(states))
    return list(session.exec(statement.order_by(col(IncidentChannel.id))))


def claim_incident_channel(session: Session, *, escalation_id: int) -> bool:
    """Insert the record; False when another replica (or an earlier sweep) has it."""
    return claim_in_savepoint(session, IncidentChannel(escalation_id=escalation_id)) is not None


def bind_member(session: Session, *, vendor: Vendor, kind: str, slack_id: str) -> VendorMember:
    """Map a user or partner team to `vendor` (replacing an earlier mapping); flushes."""
    statement = select(VendorMember).where(
        col(VendorMember.kind) == kind, col(VendorMember.slack_id) == slack_id
    )
    row = session.exec(statement).first() or VendorMember(
        vendor_id=vendor.id or 0, kind=kind, slack_id=slack_id
    )
    row.vendor_id = vendor.id or 0
    session.add(row)
    session.flush()
    return row


def vendor_for_member(session: Session, *, user_id: str, team_id: str | None) -> Vendor | None:
    """Return the vendor a user belongs to: by their own mapping, else by their team's."""
    for kind, slack_id in ((MEMBER_USER, user_id), (MEMBER_TEAM, team_id)):
        if not slack_id:
            continue
        statement = select(Vendor).join(VendorMember, col(VendorMember.vendor_id) == Vendor.id)
        statement = statement.where(
            col(VendorMember.kind) == kind, col(VendorMember.slack_id) == slack_id
        )
        found = session.exec(statement).first()
        if found is not None:
            return found
    return None


def home_state(session: Session, user_id: str) -> HomeState | None:
    """Return the user's home record."""
    return session.get(HomeState, user_id)


def opened_homes(session: Session, *, since: datetime) -> list[HomeState]:
    """Return the homes opened since `since` (the ones worth keeping fresh)."""
    statement = select(HomeState).where(col(HomeState.opened_at) >= since)
    return list(session.exec(statement.order_by(col(HomeState.user_id))))


def record_opened(session: Session, *, user_id: str, team_id: str | None, now: datetime) -> None:
    """Note that the user opened their home (insert, or touch the existing row)."""
    if session.get(HomeState, user_id) is None:
        try:
            with session.begin_nested():
                session.add(HomeState(user_id=user_id, team_id=team_id, opened_at=now))
            return
        except IntegrityError:
            pass  # another replica inserted it first: touch theirs
    session.execute(
        update(HomeState)
        .where(col(HomeState.user_id) == user_id)
        .values(team_id=team_id, opened_at=now)
    )


def claim_publish(
    session: Session, *, user_id: str, seen: str, fingerprint: str, now: datetime
) -> bool:
    """Swap the stored fingerprint `seen` for `fingerprint`; False when someone else did."""
    result = session.execute(
        update(HomeState)
        .where(col(HomeState.user_id) == user_id, col(HomeState.fingerprint) == seen)
        .values(fingerprint=fingerprint, published_at=now)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def claim_nudge(
    session: Session, *, rule: str, item_key: str, slot: int, target: str, now: datetime
) -> bool:
    """Record the nudge for this interval; False when it was already sent (or claimed)."""
    nudge = NudgeSent(rule=rule, item_key=item_key, slot=slot, target=target, sent_at=now)
    return claim_in_savepoint(session, nudge) is not None


def release_nudge(session: Session, *, rule: str, item_key: str, slot: int) -> None:
    """Forget a claimed nudge whose message could not be sent, so a later sweep retries."""
    statement = select(NudgeSent).where(
        col(NudgeSent.rule) == rule,
        col(NudgeSent.item_key) == item_key,
        col(NudgeSent.slot) == slot,
    )
    for row in session.exec(statement):
        session.delete(row)
