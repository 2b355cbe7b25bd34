"""Use cases: load, apply the domain, store, stage events in the outbox. Never commits:
the request or the consumer runner owns the transaction."""
