"""Where the Rasa server keeps conversations (``endpoints.yml`` names this class).

``TRACKER_STORE_URL`` decides: an SQLAlchemy URL (``postgresql://...`` in production,
``sqlite:///...`` if you want a file) gives Rasa's own ``SQLTrackerStore``; empty (the
``make run`` / ``make serve`` default) keeps conversations in memory, as a stock Rasa server does,
so a development bot needs no database and spends no time writing one.

Either way, the sign-in token a website sends with each message (``metadata.auth_token``) is
removed from the stored message: the actions read it from the message being answered, and a
conversation history is no place for a credential that still works for an hour.

Events reach the event broker (the analytics, ``deploy/analytics_broker.py``) from here: the new
events of a save are those after the ones the conversation had when it was retrieved for this
message (the lock store lets one server at a time handle a conversation), so no save reads the
conversation a second time to find them, as Rasa's own ``stream_events`` does.

Retention: ``python -m deploy.tracker_store forget --days N`` deletes conversations with no
message in the last N days from the SQL store (production mode runs it at start when
``TRACKER_RETENTION_DAYS`` is set).
"""
from __future__ import annotations

import argparse
import os
import sys
import itertools
import time
from collections import OrderedDict
from typing import Any, Iterable, List, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.constants import SESSION_START_METADATA_SLOT
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, TrackerEventDiffEngine

SECRET_METADATA_KEYS = ("auth_token",)


def _drop_secrets(metadata: Any) -> None:
    if isinstance(metadata, dict):
        for key in SECRET_METADATA_KEYS:
            metadata.pop(key, None)


def redact(tracker: DialogueStateTracker) -> None:
    """Drop sign-in tokens wherever Rasa copies a message's metadata: the user message, its
    parse data, and the ``session_started_metadata`` slot a session start fills."""
    for event in tracker.events:
        if isinstance(event, UserUttered):
            _drop_secrets(event.metadata)
            _drop_secrets(event.parse_data.get("metadata"))
        elif isinstance(event, SlotSet) and event.key == SESSION_START_METADATA_SLOT:
            _drop_secrets(event.value)
    slot = tracker.slots.get(SESSION_START_METADATA_SLOT)
    if slot is not None:
        _drop_secrets(slot.value)


class ConversationStore(TrackerStore):
    """Rasa's SQL tracker store when given a URL, its in-memory one otherwise; tokens redacted."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[Text] = None,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Any,
    ) -> None:
        url = (host or "").strip()
        # the backend streams nothing: save() below hands the new events to the broker
        self.backend: TrackerStore = (
            SQLTrackerStore(domain=domain, host=url, **kwargs) if url else InMemoryTrackerStore(domain)
        )
        super().__init__(domain, event_broker)
        self._known: "OrderedDict[str, int]" = OrderedDict()  # sender -> events stored, as last seen

    @property
    def domain(self) -> Domain:
        return self.backend.domain

    @domain.setter
    def domain(self, domain: Optional[Domain]) -> None:
        # TrackerStore.__init__ sets `_domain` directly; the Agent sets `domain` after loading.
        if hasattr(self, "backend"):
            self.backend.domain = domain

    MAX_KNOWN = 50000

    def _remember(self, sender_id: Text, count: int) -> None:
        self._known[sender_id] = count
        self._known.move_to_end(sender_id)
        while len(self._known) > self.MAX_KNOWN:
            self._known.popitem(last=False)

    async def save(self, tracker: DialogueStateTracker) -> None:
        redact(tracker)
        if self.event_broker is None:
            await self.backend.save(tracker)
            return
        sender = tracker.sender_id
        known = self._known.get(sender)
        if known is None or known > len(tracker.events):  # not retrieved here: Rasa's way, one more read
            new = TrackerEventDiffEngine.event_difference(await self.backend.retrieve(sender), tracker)
        else:
            new = list(itertools.islice(tracker.events, known, None))
        await self.backend.save(tracker)
        cpu = time.thread_time()
        self._remember(sender, len(tracker.events))
        await self._stream_new_events(self.event_broker, new, sender)
        if hasattr(self.event_broker, "cpu_s"):  # what the analytics cost the chat (make bench ONLY=analytics)
            self.event_broker.cpu_s += time.thread_time() - cpu

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        tracker = await self.backend.retrieve(sender_id)
        if self.event_broker is not None:
            self._remember(sender_id, len(tracker.events) if tracker is not None else 0)
        return tracker

    async def retrieve_full_tracker(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self.backend.retrieve_full_tracker(sender_id)

    async def keys(self) -> Iterable[Text]:
        return await self.backend.keys()


def forget_conversations(url: str, older_than_days: float) -> int:
    """Delete every stored conversation whose last event is older than ``older_than_days``.

    Whole conversations go, never part of one, so a conversation still in use keeps its history.
    Returns how many conversations were deleted.
    """
    if not older_than_days > 0:
        raise ValueError("the number of days must be more than 0")
    import sqlalchemy as sa

    store = SQLTrackerStore(host=url)
    event = SQLTrackerStore.SQLEvent
    cutoff = time.time() - older_than_days * 86400
    with store.session_scope() as session:
        stale = (
            sa.select(event.sender_id).group_by(event.sender_id).having(sa.func.max(event.timestamp) < cutoff)
        )
        senders = list(session.execute(stale).scalars())
        for start in range(0, len(senders), 500):
            session.execute(sa.delete(event).where(event.sender_id.in_(senders[start:start + 500])))
        session.commit()
    store.engine.dispose()
    return len(senders)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.tracker_store",
        description="Delete stored conversations whose last message is older than DAYS days "
        "(the SQL tracker store at $TRACKER_STORE_URL, or --url).",
    )
    parser.add_argument("forget", choices=["forget"], help="the one command")
    parser.add_argument("--days", type=float, required=True, help="keep conversations active within this many days")
    parser.add_argument("--url", default=os.environ.get("TRACKER_STORE_URL", ""), help="SQLAlchemy URL of the store")
    args = parser.parse_args(argv)
    if not args.url.strip():
        parser.error("no tracker store: set TRACKER_STORE_URL or pass --url (an in-memory store keeps nothing)")
    try:
        count = forget_conversations(args.url, args.days)
    except ValueError as exc:
        parser.error(str(exc))
    print(f"deleted {count} conversation(s) with no message in the last {args.days:g} days")
    return 0


if __name__ == "__main__":
    sys.exit(main())
