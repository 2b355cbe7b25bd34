"""Group commit for request handlers: items that concurrent requests submit while a
write is in flight are written together by the next one.

A single-claim POST costs a database round trip for its facts, another for its insert,
and a transaction around them. Under load, many such requests wait at the same time;
handing their items to one `run(key, items)` call turns N small writes into one set-based
write. Nothing waits on a timer: when the coalescer is idle, an item is run at once on
its own, so a quiet service answers as fast as before.

Each caller gets its own item's result. When a batch of several fails as a whole (an
exception rather than per-item results), its items are run again one at a time, so only
the item that causes the failure sees it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

from rcm_shared.observability import COALESCED_BATCH

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger("rcm.coalesce")


class Coalescer(Generic[K, T, R]):
    def __init__(
        self,
        run: Callable[[K, Sequence[T]], Awaitable[Sequence[R]]],
        *,
        name: str,
        max_batch: int = 100,
        writers: int = 2,
    ) -> None:
        """`run(key, items)` returns one result per item, in order; items of one key only.
        Up to `writers` runs are in flight at once, so one batch's round trip overlaps
        the next batch's Python work. `name` labels the batch-size histogram
        (rcm_coalesced_batch_size), which shows how much the grouping saves."""
        self._run = run
        self._sizes = COALESCED_BATCH.labels(name)
        self._max_batch = max_batch
        self._writers = writers
        self._active = 0
        self._pending: dict[K, list[tuple[T, asyncio.Future[R]]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(self, key: K, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.setdefault(key, []).append((item, future))
        if self._active < self._writers:
            self._active += 1
            task = asyncio.create_task(self._drain())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        # A caller that goes away (client disconnect) cancels only its own future: the
        # write runs in the drain task, which carries on for the others, and a cancelled
        # future is skipped when results are handed out.
        return await future

    async def _drain(self) -> None:
        try:
            while self._pending:
                key = next(iter(self._pending))
                entries = self._pending[key]
                batch, rest = entries[: self._max_batch], entries[self._max_batch :]
                if rest:
                    self._pending[key] = rest
                else:
                    del self._pending[key]
                await self._run_batch(key, batch)
        finally:
            self._active -= 1

    async def _run_batch(self, key: K, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        self._sizes.observe(len(batch))
        try:
            results = await self._run(key, [item for item, _ in batch])
        except (asyncio.CancelledError, KeyboardInterrupt, SystemExit) as exc:
            for _, future in batch:  # shutting down: nobody is left waiting forever
                _settle(future, error=exc)
            raise
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0][1], error=exc)
                return
            log.info("a batch of %d failed (%s); running its items one by one", len(batch), exc)
            for entry in batch:
                await self._run_batch(key, [entry])
            return
        if len(results) != len(batch):
            error = RuntimeError(f"run returned {len(results)} results for {len(batch)} items")
            for _, future in batch:
                _settle(future, error=error)
            return
        for (_, future), result in zip(batch, results, strict=True):
            _settle(future, result=result)


def _settle(
    future: asyncio.Future[R], *, result: R | None = None, error: BaseException | None = None
) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]
