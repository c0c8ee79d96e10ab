"""tests/data: every test runs under a wall-clock limit, so a DataLoader hang in the main process (waiting on
workers) fails the test instead of hanging the run. Worker-robustness scenarios additionally run in their own
interpreter under a timeout (test_workers.py)."""
from __future__ import annotations

import signal
import threading

import pytest

HANG_LIMIT = 60  # seconds per test; tests/data as a whole takes well under this


@pytest.fixture(autouse=True)
def _hang_guard():
    if not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise TimeoutError(f"test exceeded {HANG_LIMIT} s: probably a DataLoader hang")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(HANG_LIMIT)  # not inherited by forked workers (POSIX clears pending alarms in the child)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
