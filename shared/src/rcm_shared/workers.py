"""The loop every background worker runs: do a step, and when it found nothing to do,
sleep until the next poll or until asked to stop. A failing step is logged and retried on
the next poll; it never ends the worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("rcm.workers")


async def repeat(
    step: Callable[[], Awaitable[int]], stop: asyncio.Event, poll_seconds: float, name: str
) -> None:
    """Runs `step` until `stop` is set. `step` returns how much it did: while that is
    above zero it runs again at once (a backlog drains without waiting)."""
    while not stop.is_set():
        try:
            done = await step()
        except Exception as exc:
            log.warning(f"{name} failed", extra={"exc_type": type(exc).__name__})
            done = 0
        if done:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), poll_seconds)
