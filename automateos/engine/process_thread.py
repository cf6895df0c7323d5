"""One daemon thread per process, started on first use and again in a forked child.

The lease keeper and the step time limits each run one such thread; a worker process
forked after the object was made inherits the object but not its thread.
"""
from __future__ import annotations

import os
import threading
from typing import Callable


class ProcessThread:
    """Runs ``target`` in a daemon thread named ``name``, one per process.

    ``ensure_started`` is called under the owner's lock: two callers never start two threads.
    """

    def __init__(self, target: Callable[[], None], name: str) -> None:
        self._target = target
        self._name = name
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    def ensure_started(self) -> None:
        """Start the thread unless this process already runs it."""
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            return
        self._pid = os.getpid()
        self._thread = threading.Thread(target=self._target, name=self._name, daemon=True)
        self._thread.start()
