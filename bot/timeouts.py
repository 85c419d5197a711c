"""The time budget of a records lookup in chat, shared by the actions and the records database.

The limits nest, each inside the one around it (docs/operations.md, "The time limits nest"): a
lookup gives up before the Rasa server's limit on the whole action call (``ACTION_TIMEOUT``, 4 s),
and a database statement gives up before the lookup does.
"""

#: How long an action waits for one records lookup before it apologises (actions/progress.py);
#: below the Rasa server's 4 s limit on the whole action call (``ACTION_TIMEOUT``).
LOOKUP_TIMEOUT_S = 3.5

#: Left of the lookup budget for what a lookup does besides its slowest statement (connecting,
#: the other statements, rendering the reply).
LOOKUP_HEADROOM_S = 0.5

#: PostgreSQL's ``statement_timeout`` for the records database (bot/records.py): a statement
#: still blocked (a lock, a slow plan) when the lookup gives up is cancelled by the server, so the
#: lookup's thread and pooled connection are free again soon after the user got the apology.
STATEMENT_TIMEOUT_MS = int((LOOKUP_TIMEOUT_S - LOOKUP_HEADROOM_S) * 1000)
