"""A time limit around a block of Python code running in a worker thread.

When the limit passes, ``StepTimedOut`` is raised asynchronously in the thread (the way
Dramatiq's TimeLimit middleware works), so a runaway node is interrupted without killing
the worker. The exception can only land between bytecodes: blocking C calls must carry
their own timeout (http_request does; delay sleeps in short slices).
"""
from __future__ import annotations

import ctypes
import threading
from contextlib import contextmanager
from typing import Iterator


class StepTimedOut(Exception):
    """A node ran longer than its time limit."""


def _set_async_exc(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc else ctypes.c_void_p(0)
    )


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ``StepTimedOut`` in this thread if the block runs longer than ``seconds``."""
    thread_id = threading.get_ident()
    lock = threading.Lock()
    state = {"inside": True, "fired": False}

    def fire() -> None:
        with lock:
            if state["inside"]:
                state["fired"] = True
                _set_async_exc(thread_id, StepTimedOut)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    except StepTimedOut:
        raise StepTimedOut(f"timed out after {seconds:g} s") from None
    finally:
        with lock:
            state["inside"] = False
            timer.cancel()
            if state["fired"]:
                _set_async_exc(thread_id, None)  # drop it if it has not landed yet
    if state["fired"]:
        raise StepTimedOut(f"timed out after {seconds:g} s")
