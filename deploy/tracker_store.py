"""Where the Rasa server keeps conversations (``endpoints.yml`` names this class).

``TRACKER_STORE_URL`` decides: an SQLAlchemy URL (``postgresql://...`` in production,
``sqlite:///...`` if you want a file) gives Rasa's own ``SQLTrackerStore``; empty (the
``make run`` / ``make serve`` default) keeps conversations in memory, as a stock Rasa server does,
so a development bot needs no database and spends no time writing one.

Either way, the sign-in token a website sends with each message (``metadata.auth_token``) is
removed from the stored message: the actions read it from the message being answered, and a
conversation history is no place for a credential that still works for an hour.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.constants import SESSION_START_METADATA_SLOT
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

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
        self.backend: TrackerStore = (
            SQLTrackerStore(domain=domain, host=url, event_broker=event_broker, **kwargs)
            if url
            else InMemoryTrackerStore(domain, event_broker)
        )
        super().__init__(domain, event_broker)

    @property
    def domain(self) -> Domain:
        return self.backend.domain

    @domain.setter
    def domain(self, domain: Optional[Domain]) -> None:
        # TrackerStore.__init__ sets `_domain` directly; the Agent sets `domain` after loading.
        if hasattr(self, "backend"):
            self.backend.domain = domain

    async def save(self, tracker: DialogueStateTracker) -> None:
        redact(tracker)
        await self.backend.save(tracker)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self.backend.retrieve(sender_id)

    async def retrieve_full_tracker(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self.backend.retrieve_full_tracker(sender_id)

    async def keys(self) -> Iterable[Text]:
        return await self.backend.keys()
