"""The event broker that feeds the program office's analytics (``endpoints.yml`` names it).

Rasa hands every new conversation event to the event broker when it saves a conversation.
Rasa's own :class:`SQLEventBroker` stores each event's whole JSON, which would keep what a
student's progress reply said and the text of every personal question. This small subclass keeps
its place and its configuration (``event_broker: {type: deploy.analytics_broker.AnalyticsBroker,
url: ...}``) but stores one row per turn with only what ``bot/analytics.py`` allows, written
from a background thread so the chat never waits for the database.

It also remembers, per sender, the last turn it finished, so the REST channel can tell the
website which answer a thumbs-up or thumbs-down is about (``deploy/rest_channel.py``).
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any, Dict, Optional, Text

from rasa.core.brokers.sql import SQLEventBroker

from bot.analytics import OFF, AnalyticsStore, Turn, TurnBuilder, TurnWriter

logger = logging.getLogger(__name__)

COST_LOG_EVERY = 500  # turns between two "analytics cost" log lines
MAX_REMEMBERED = 20000  # senders whose last turn is kept for the REST reply (a few MB at most)


class AnalyticsBroker(SQLEventBroker):
    """Turn rows into the analytics store instead of raw events into an ``events`` table."""

    def __init__(self, url: str) -> None:  # noqa: D107 - SQLEventBroker's engine setup is not used
        self.store = AnalyticsStore(url)
        self.writer = TurnWriter(self.store, on_written=self._log_cost)
        self.builder = TurnBuilder()
        self._last: "OrderedDict[str, Turn]" = OrderedDict()
        self.cpu_s = 0.0  # CPU time streaming events here took in the chat's thread (deploy/tracker_store.py adds it)

    @classmethod
    async def from_endpoint_config(cls, broker_config: Any, event_loop: Any = None) -> Optional["AnalyticsBroker"]:
        url = (broker_config.url or "").strip() if broker_config else ""
        if not url or url.lower() in OFF:
            logger.info("analytics off (ANALYTICS_URL=%s)", url or "empty")
            return None
        broker = cls(url)
        logger.info("analytics: turns stored in the %s database", broker.store.engine.dialect.name)
        return broker

    def publish(self, event: Dict[Text, Any]) -> None:
        turn = self.builder.add(event)
        if turn is None:
            return
        self.writer.put(turn)
        sender = str(event.get("sender_id") or "")
        self._last[sender] = turn
        self._last.move_to_end(sender)
        while len(self._last) > MAX_REMEMBERED:
            self._last.popitem(last=False)

    def _log_cost(self, before: int, now: int) -> None:
        if now // COST_LOG_EVERY > before // COST_LOG_EVERY:
            logger.info("%s", self.cost_line())

    def cost_line(self) -> str:
        """What the analytics cost the Rasa server's CPU so far, per stored turn (logged every
        500 turns and at close; ``make bench ONLY=analytics`` reads it)."""
        turns = max(self.writer.written, 1)
        return (f"analytics cost: {self.writer.written} turns stored, CPU per turn {1e6 * self.cpu_s / turns:.0f} µs "
                f"in the chat's thread + {1e6 * self.writer.cpu_s / turns:.0f} µs in the writer thread")

    def take_last_turn(self, sender_id: str) -> Optional[Turn]:
        """The turn just finished for ``sender_id`` (once)."""
        return self._last.pop(str(sender_id), None)

    def add_feedback(self, turn_id: str, helpful: bool, comment: Optional[str]) -> None:
        self.store.add_feedback(turn_id, helpful, comment)

    async def close(self) -> None:
        self.writer.close()
        logger.info("%s", self.cost_line())
        self.store.dispose()
