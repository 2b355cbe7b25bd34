"""Topics and the consumer groups that read them: one list for the stack script, the
services and the tests. Topics are per aggregate; more than one partition where per-key
ordering must be exercised."""

from __future__ import annotations

from rcm_shared.events.catalog import (
    TOPIC_CLAIMS,
    TOPIC_DENIALS,
    TOPIC_ELIGIBILITY,
    TOPIC_PATIENTS,
    TOPIC_REFERENCE,
    TOPIC_REMITTANCE,
)
from rcm_shared.messaging.dlq import dlq_topic

TOPIC_PARTITIONS: dict[str, int] = {
    TOPIC_ELIGIBILITY: 3,
    TOPIC_CLAIMS: 6,
    TOPIC_REMITTANCE: 6,
    TOPIC_DENIALS: 3,
    TOPIC_REFERENCE: 3,
    TOPIC_PATIENTS: 3,
}

# consumer group (the service name) -> topics it reads. A service subscribes to a topic
# when it has a handler for an event on it.
SUBSCRIPTIONS: dict[str, list[str]] = {
    "eligibility": [],
    "claims": [TOPIC_ELIGIBILITY, TOPIC_REMITTANCE, TOPIC_DENIALS],
    "remittance": [TOPIC_CLAIMS],
    "denials": [TOPIC_REFERENCE, TOPIC_CLAIMS, TOPIC_REMITTANCE],
    "patients": [TOPIC_REFERENCE, TOPIC_CLAIMS, TOPIC_REMITTANCE],
}


def all_topics(prefix: str = "") -> dict[str, int]:
    """Every topic with its partition count, dead-letter topics included."""
    topics = {prefix + t: n for t, n in TOPIC_PARTITIONS.items()}
    for group, subscribed in SUBSCRIPTIONS.items():
        for topic in subscribed:
            topics[dlq_topic(prefix + topic, group)] = 1
    return topics
