"""ember.save to a path: through symlinks like torch, atomic, and temp files of killed saves cleaned up."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

import ember
from ember import _atomic

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize("relative", [True, False])
def test_save_writes_through_a_symlink_like_torch(tmp_path, torch, relative):
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / "epoch3.pt"
    for lib, name in ((torch, "t"), (ember, "e")):
        link = tmp_path / f"latest_{name}.pt"
        lib.save({"w": lib.zeros(2)}, target)
        os.symlink(os.path.join("runs", "epoch3.pt") if relative else target, link)
        lib.save({"w": lib.ones(3)}, link)
        assert os.path.islink(link), name                   # the link stays a link
        assert lib.load(target)["w"].tolist() == [1.0, 1.0, 1.0], name      # its target got the content
        os.unlink(link)
    assert sorted(os.listdir(tmp_path / "runs")) == ["epoch3.pt"]


def test_save_through_a_dangling_symlink_creates_the_target(tmp_path):
    link = tmp_path / "latest.pt"
    os.symlink("new.pt", link)
    ember.save({"w": ember.ones(1)}, link)
    assert os.path.islink(link) and ember.load(tmp_path / "new.pt")["w"].tolist() == [1.0]


def test_save_keeps_the_file_mode(tmp_path):
    path = tmp_path / "ck.pt"
    ember.save({"w": ember.ones(1)}, path)
    os.chmod(path, 0o640)
    ember.save({"w": ember.ones(2)}, path)
    assert os.stat(path).st_mode & 0o777 == 0o640


_KILLED_SAVER = r"""
import os, sys, time
sys.path.insert(0, {root!r})
import numpy as np, ember
from ember import serialization as S
real = S._write_archive

def write_then_hang(obj, fh, name, protocol):
    real(obj, fh, name, protocol)
    fh.flush()
    print("writing", flush=True)          # mid-save: the temp file exists and is being written
    time.sleep(60)

S._write_archive = write_then_hang
ember.save({{"w": ember.from_numpy(np.full(1000, 7.0, np.float32))}}, {path!r})
"""


def _temps(folder):
    return [n for n in os.listdir(folder) if n.endswith(".tmp")]


def test_the_next_save_removes_temp_files_of_killed_saves(tmp_path):
    path = tmp_path / "ck.pt"
    ember.save({"w": ember.ones(4)}, path)
    seen = []
    for _ in range(2):                               # two saves killed midway
        proc = subprocess.Popen([sys.executable, "-c", _KILLED_SAVER.format(root=ROOT, path=str(path))],
                                stdout=subprocess.PIPE)
        try:
            assert proc.stdout.readline().strip() == b"writing"
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        seen.append(_temps(tmp_path))
    # each killed save left its temp file; the second save (before being killed) removed the first's
    assert len(seen[0]) == 1 and len(seen[1]) == 1 and seen[0] != seen[1]
    assert seen[1][0].startswith(".ck.pt.ember-save.")
    assert ember.load(path)["w"].tolist() == [1.0] * 4         # the previous checkpoint is intact
    # temp files that are not stale: a save in progress in a live process, another host's, another file's
    live = f".ck.pt.ember-save.{_atomic.host()}.{os.getpid()}.0000.tmp"
    other_host = ".ck.pt.ember-save.elsewhere.1.0000.tmp"
    other_file = f".other.pt.ember-save.{_atomic.host()}.999999999.0000.tmp"
    for n in (live, other_host, other_file):
        (tmp_path / n).write_bytes(b"partial")
    ember.save({"w": ember.zeros(2)}, path)
    assert sorted(_temps(tmp_path)) == sorted([live, other_host, other_file])
    assert ember.load(path)["w"].tolist() == [0.0, 0.0]
