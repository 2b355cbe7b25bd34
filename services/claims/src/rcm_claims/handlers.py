"""Inbound event handlers of the claims service: {event type: handler}.

Eligibility results, adjudications and resubmission requests arrive with their issues."""

from __future__ import annotations

from rcm_shared.messaging.consumer import Handler

HANDLERS: dict[str, Handler] = {}
