"""Group commit: concurrent submissions share a run, each caller gets its own result, and
a failing batch is retried item by item so only the culprit fails."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from prometheus_client import REGISTRY

from rcm_shared.coalesce import Coalescer


class Recorder:
    def __init__(self, fail_on: int | None = None, delay: float = 0.01) -> None:
        self.runs: list[tuple[str, list[int]]] = []
        self.fail_on = fail_on
        self.delay = delay

    async def __call__(self, key: str, items: Sequence[int]) -> list[str]:
        self.runs.append((key, list(items)))
        await asyncio.sleep(self.delay)  # the write's round trip: others queue meanwhile
        if self.fail_on in items:
            raise ValueError(f"item {self.fail_on} is bad")
        return [f"{key}:{i}" for i in items]


async def test_an_idle_coalescer_runs_an_item_at_once_on_its_own() -> None:
    run = Recorder()
    coalescer = Coalescer(run, name="test")
    assert await coalescer.submit("t1", 1) == "t1:1"
    assert run.runs == [("t1", [1])]


async def test_concurrent_items_share_runs_and_each_caller_gets_its_own_result() -> None:
    run = Recorder()
    coalescer = Coalescer(run, name="test", writers=1)
    results = await asyncio.gather(*(coalescer.submit("t1", i) for i in range(20)))
    assert results == [f"t1:{i}" for i in range(20)]
    # all 20 were queued before the writer got to run: one run took them all
    assert [items for _, items in run.runs] == [list(range(20))]


async def test_items_that_arrive_during_a_write_go_in_the_next_one() -> None:
    run = Recorder()
    coalescer = Coalescer(run, name="test", writers=1)
    first = asyncio.create_task(coalescer.submit("t1", 0))
    await asyncio.sleep(0.001)  # the first write is in flight
    later = await asyncio.gather(*(coalescer.submit("t1", i) for i in range(1, 6)))
    assert await first == "t1:0"
    assert later == [f"t1:{i}" for i in range(1, 6)]
    assert [items for _, items in run.runs] == [[0], [1, 2, 3, 4, 5]]


async def test_items_of_different_keys_never_share_a_run() -> None:
    run = Recorder()
    coalescer = Coalescer(run, name="test", writers=1)
    results = await asyncio.gather(
        *(coalescer.submit("t1" if i % 2 else "t2", i) for i in range(10))
    )
    assert results == [f"{'t1' if i % 2 else 't2'}:{i}" for i in range(10)]
    for key, items in run.runs:
        assert all((i % 2 == 1) == (key == "t1") for i in items)


async def test_batches_are_capped_at_max_batch() -> None:
    run = Recorder()
    coalescer = Coalescer(run, name="test", max_batch=4, writers=1)
    await asyncio.gather(*(coalescer.submit("t1", i) for i in range(11)))
    assert [len(items) for _, items in run.runs] == [4, 4, 3]


async def test_a_failing_batch_is_retried_one_by_one_so_only_the_culprit_fails() -> None:
    run = Recorder(fail_on=7)
    coalescer = Coalescer(run, name="test", writers=1)
    results = await asyncio.gather(
        *(coalescer.submit("t1", i) for i in range(10)), return_exceptions=True
    )
    for i, result in enumerate(results):
        if i == 7:
            assert isinstance(result, ValueError)
        else:
            assert result == f"t1:{i}"
    singles = [items for _, items in run.runs if len(items) == 1]
    assert [7] in singles


async def test_a_caller_that_goes_away_does_not_cancel_the_others_write() -> None:
    run = Recorder(delay=0.05)
    coalescer = Coalescer(run, name="test", writers=1)
    first = asyncio.create_task(coalescer.submit("t1", 0))
    await asyncio.sleep(0)
    waiting = [asyncio.create_task(coalescer.submit("t1", i)) for i in (1, 2, 3)]
    await asyncio.sleep(0.01)
    waiting[0].cancel()  # a client that disconnected
    assert await first == "t1:0"
    assert [await w for w in waiting[1:]] == ["t1:2", "t1:3"]
    with pytest.raises(asyncio.CancelledError):
        await waiting[0]
    assert ("t1", [1, 2, 3]) in run.runs  # its item was still written with the others


async def test_the_caller_that_started_the_writes_can_go_away_too() -> None:
    run = Recorder(delay=0.05)
    coalescer = Coalescer(run, name="test", writers=1)
    first = asyncio.create_task(coalescer.submit("t1", 0))
    await asyncio.sleep(0)
    later = [asyncio.create_task(coalescer.submit("t1", i)) for i in (1, 2)]
    await asyncio.sleep(0.01)
    first.cancel()  # its batch is being written; the next one waits behind it
    assert [await w for w in later] == ["t1:1", "t1:2"]
    with pytest.raises(asyncio.CancelledError):
        await first
    assert run.runs == [("t1", [0]), ("t1", [1, 2])]


async def test_a_run_that_returns_the_wrong_number_of_results_fails_its_callers() -> None:
    async def short(key: str, items: Sequence[int]) -> list[str]:
        return ["only one"]

    coalescer = Coalescer(short, name="test", writers=1)
    results = await asyncio.gather(
        *(coalescer.submit("t1", i) for i in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, RuntimeError) for r in results)


async def test_batch_sizes_are_counted_for_operators() -> None:
    before = REGISTRY.get_sample_value("rcm_coalesced_batch_size_sum", {"name": "sizes"}) or 0
    run = Recorder()
    coalescer = Coalescer(run, name="sizes", writers=1)
    await asyncio.gather(*(coalescer.submit("t1", i) for i in range(7)))
    after = REGISTRY.get_sample_value("rcm_coalesced_batch_size_sum", {"name": "sizes"})
    assert after == before + 7
