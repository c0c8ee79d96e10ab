"""Atomic file writes: nothing a user saved is ever lost, a crash mid-write leaves the previous file.

`atomic_write(path, write)` writes through `write(fileobj)` into a temp file beside `path`, fsyncs it and
renames it over `path` (through a symlink, its target gets the new content and the link stays). Temp
files are named `.<name>.ember-save.<host>.<pid>.<random>.tmp`; the next write of the same path removes
those whose process is gone (a killed writer's leftovers).
"""
from __future__ import annotations

import os
import secrets
import socket


# Temporary files are named `.<name>.ember-save.<host>.<pid>.<random>.tmp`: a save removes those of
# the same target left by processes of this host that no longer exist (a save killed midway).
_TMP_TAG = ".ember-save."


def host():
    return "".join(c if c.isalnum() or c == "-" else "-" for c in socket.gethostname())[:64] or "host"


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0
    return True


def _remove_stale_temps(folder, prefix, host):
    try:
        entries = [e.name for e in os.scandir(folder)
                   if e.name.startswith(prefix) and e.name.endswith(".tmp")]
    except OSError:
        return
    for name in entries:
        parts = name[len(prefix):-4].split(".")
        if len(parts) != 3 or parts[0] != host or not parts[1].isdigit() or _pid_alive(int(parts[1])):
            continue
        try:
            os.unlink(os.path.join(folder, name))
        except OSError:
            pass


def _umask():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    um = os.umask(0o022)           # no way to read it without setting it elsewhere
    os.umask(um)
    return um


def atomic_write(path, write):
    """Write `path` through `write(fileobj)` atomically: temp file beside it, fsync, rename.

    A symlink is written through (its final target gets the new content, the link stays).
    """
    path = os.fspath(path)
    target = os.path.realpath(path) if os.path.islink(path) else os.path.abspath(path)
    folder, base = os.path.split(target)
    here = host()
    prefix = "." + base[:120] + _TMP_TAG
    _remove_stale_temps(folder, prefix, here)
    tmp = os.path.join(folder, f"{prefix}{here}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            (getattr(os, "fdatasync", None) or os.fsync)(fh.fileno())   # data + size, not atime
        try:
            mode = os.stat(target).st_mode & 0o777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        _fsync_dir(folder)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _fsync_dir(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_text(path, text):
    """`atomic_write` of a str, UTF-8 encoded."""
    data = text.encode("utf-8")
    atomic_write(path, lambda fh: fh.write(data))
