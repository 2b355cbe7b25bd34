"""Inbound event handlers of the eligibility service: {event type: handler}."""

from __future__ import annotations

from rcm_shared.messaging.consumer import Handler

HANDLERS: dict[str, Handler] = {}
