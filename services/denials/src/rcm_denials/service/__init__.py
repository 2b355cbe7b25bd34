"""Use cases of the denials service: load -> domain -> repository -> outbox. Never commits."""
