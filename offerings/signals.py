"""Signals other apps listen to, so that offerings need not know who reacts to a change."""

from django.dispatch import Signal

# Sent inside the writing transaction with `offering_ids`: the offerings whose data changed.
offerings_changed = Signal()

# Sent inside the writing transaction by the market-data refresh with `offering_ids`: the
# offerings whose listings appeared, changed status or were delisted.
listings_changed = Signal()

# Sent inside the writing transaction by the contract-risk check with `changes`: offering id →
# the list of its changes since the previous check ({"fact", "old", "new", "summary", ...}),
# and `names`: offering id → name. A receiver may return how many notifications it wrote.
contract_changed = Signal()

# Sent inside the soft-delete's transaction with `offering`: it left every reader.
offering_deleted = Signal()

# Sent inside the alert run's transaction with `announcements`: a list of
# analyst.unlock_alerts.Announcement, unlocks coming within a lead time, each sent once.
unlocks_upcoming = Signal()
