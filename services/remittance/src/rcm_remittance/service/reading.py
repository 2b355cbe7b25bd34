"""The 835 reader on a thread of its own while posting runs on the event loop.

Parsing is pure-Python CPU work and posting mostly waits on PostgreSQL; with the reader on
a thread, one goes on while the other waits (the GIL is free while the loop sits in
epoll). A bounded queue keeps the reader at most a few batches ahead, so memory stays flat
whatever the file's size.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import AsyncIterator
from typing import BinaryIO

from rcm_remittance.domain.x835 import Event, read_835

EVENTS_PER_BATCH = 250
BATCHES_AHEAD = 8
_POLL_SECONDS = 0.05

_Item = list[Event] | BaseException | None


async def read_in_batches(
    spool: BinaryIO, size: int = EVENTS_PER_BATCH
) -> AsyncIterator[list[Event]]:
    """read_835's events in file order, `size` at a time. A syntax error raised by the
    reader is raised here, after the events before it."""
    items: queue.Queue[_Item] = queue.Queue(maxsize=BATCHES_AHEAD)
    stop = threading.Event()

    def put(item: _Item) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            batch: list[Event] = []
            for event in read_835(spool):
                batch.append(event)
                if len(batch) >= size:
                    if not put(batch):
                        return
                    batch = []
            if batch and not put(batch):
                return
            put(None)
        except BaseException as exc:  # handed to the consumer, raised there
            put(exc)

    def take() -> _Item:
        while True:
            try:
                return items.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                if stop.is_set():
                    return None

    reader = threading.Thread(target=produce, name="835-reader", daemon=True)
    reader.start()
    try:
        while True:
            item = await asyncio.to_thread(take)
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        await asyncio.to_thread(reader.join)
