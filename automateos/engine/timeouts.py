"""A time limit around a block of Python code running in a worker thread.

When the limit passes, ``StepTimedOut`` is raised asynchronously in the thread (the way
Dramatiq's TimeLimit middleware works), so a runaway node is interrupted without killing
the worker. The exception can only land between bytecodes: blocking C calls must carry
their own timeout (http_request does; delay sleeps in short slices).

One watchdog thread per process watches every limit: a segment runs dozens of steps in a
few milliseconds, and a timer thread started and stopped per step cost more than the step.
"""
from __future__ import annotations

import ctypes
import heapq
import itertools
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from .process_thread import ProcessThread

COMPACT_AT = 1024


class StepTimedOut(Exception):
    """A node ran longer than its time limit."""


def _set_async_exc(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc else ctypes.c_void_p(0)
    )


@dataclass
class _Limit:
    thread_id: int
    inside: bool = True
    fired: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fire(self) -> None:
        with self.lock:
            if self.inside:
                self.fired = True
                _set_async_exc(self.thread_id, StepTimedOut)


class _Watchdog:
    """Fires the limits whose deadline passed, from one daemon thread."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Limit]] = []
        self._order = itertools.count()  # ties: never compare two limits
        self._wake = threading.Condition()
        self._thread = ProcessThread(self._run, "automateos-step-time-limits")

    def watch(self, limit: _Limit, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        with self._wake:
            self._thread.ensure_started()
            if len(self._heap) >= COMPACT_AT:  # ended limits wait for their deadline: drop them
                self._heap = [entry for entry in self._heap if entry[2].inside]
                heapq.heapify(self._heap)
            heapq.heappush(self._heap, (deadline, next(self._order), limit))
            if self._heap[0][2] is limit:
                self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                # Limits that ended are dropped lazily, when they reach the top.
                while self._heap and not self._heap[0][2].inside:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._wake.wait()
                    continue
                deadline, _, limit = self._heap[0]
                remaining = deadline - time.monotonic()
                if remaining > 0:
                    self._wake.wait(remaining)
                    continue
                heapq.heappop(self._heap)
            limit.fire()


_watchdog = _Watchdog()


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ``StepTimedOut`` in this thread if the block runs longer than ``seconds``."""
    limit = _Limit(threading.get_ident())
    _watchdog.watch(limit, seconds)
    try:
        yield
    except StepTimedOut:
        raise StepTimedOut(f"timed out after {seconds:g} s") from None
    finally:
        with limit.lock:
            limit.inside = False
            if limit.fired:
                _set_async_exc(limit.thread_id, None)  # drop it if it has not landed yet
    if limit.fired:
        raise StepTimedOut(f"timed out after {seconds:g} s")
