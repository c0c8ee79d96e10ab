"""One attempt of a launched job: mpiexec and its helper processes (used by run.py and _multinode.py)."""
from __future__ import annotations

import os
import signal
import time


class Job:
    """One attempt: `main` (mpiexec) and helper processes, each in its own process group; the attempt ends
    when `main` exits or any helper fails, and is ended as a whole on timeout or on a signal to us."""

    def __init__(self, main, helpers=()):
        self.main = main
        self.procs = [main, *helpers]

    def kill(self, sig=signal.SIGTERM):
        for p in self.procs:
            try:
                os.killpg(p.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass

    def wait(self, deadline):
        """The exit code, or None past the deadline."""
        while True:
            code = self.main.poll()
            if code is not None:
                return code
            for p in self.procs[1:]:
                if p.poll() not in (None, 0):
                    self.end()
                    return p.returncode
            if deadline is not None and time.monotonic() > deadline:
                return None
            time.sleep(0.05)

    def end(self):
        self.kill(signal.SIGTERM)
        t = time.monotonic() + 2
        while time.monotonic() < t and any(p.poll() is None for p in self.procs):
            time.sleep(0.05)
        self.kill(signal.SIGKILL)
        for p in self.procs:
            p.wait()
