"""The loop every background worker runs: do a step, and when it found nothing to do,
sleep until the next poll or until asked to stop. A failing step is logged and retried on
the next poll; it never ends the worker."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Awaitable, Callable, Iterator

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


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """No cyclic garbage collection during bulk work (a fetch's batches, an 835 being
    posted). It keeps thousands of objects alive at once (parsed events, rows), which
    trips full collections that walk the whole heap again and again: measured, those took
    more time than the work itself. Reference counting still frees what is dropped; cycles
    left over are collected afterwards. Only re-enables what it disabled."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()
