"""Download, integrity and archive helpers shared by the datasets. Matches `torchvision.datasets.utils`.

Downloads are atomic: bytes go to a temporary file next to the target, the md5 is checked, and only
then is the file renamed into place, so an interrupted or corrupted download never leaves a file
that looks complete.
"""
from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import os
import shutil
import sys
import tarfile
import urllib.error
import urllib.request
import zipfile

from ..._atomic import atomic_write

__all__ = ["calculate_md5", "check_md5", "check_integrity", "download_url", "extract_archive",
           "download_and_extract_archive", "verify_str_arg", "DownloadError"]

USER_AGENT = "ember-vision"
_CHUNK = 1 << 20


class DownloadError(RuntimeError):
    """A file could not be fetched from any mirror, or its checksum did not match."""


def calculate_md5(fpath, chunk_size: int = _CHUNK) -> str:
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath, md5: str, **kwargs) -> bool:
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath, md5: str | None = None) -> bool:
    """True when the file exists and (if `md5` is given) its checksum matches."""
    if not os.path.isfile(fpath):
        return False
    return True if md5 is None else check_md5(fpath, md5)


def _progress(done: int, total: int | None, name: str) -> None:
    if not sys.stderr.isatty():
        return
    if total:
        sys.stderr.write(f"\r{name}: {done * 100 // total:3d}% ({done >> 10} KiB)")
    else:
        sys.stderr.write(f"\r{name}: {done >> 10} KiB")
    sys.stderr.flush()


def download_url(url: str, root, filename: str | None = None, md5: str | None = None,
                 max_redirect_hops: int = 3, timeout: float = 30.0) -> str:
    """Fetch `url` into `root/filename` atomically, verifying `md5` when given. Returns the path.

    Matches `torchvision.datasets.utils.download_url`. An existing file with the right checksum is
    not fetched again. Raises `DownloadError` (a RuntimeError) on a checksum mismatch, and lets
    `urllib.error.URLError`/`OSError` through on network failures so callers can try the next mirror.
    """
    root = os.path.expanduser(os.fspath(root))
    filename = filename or os.path.basename(url)
    fpath = os.path.join(root, filename)
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return fpath
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})

    def fetch(out):
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            total = resp.headers.get("Content-Length")
            total = int(total) if total and total.isdigit() else None
            done = 0
            digest = hashlib.md5(usedforsecurity=False)
            while True:
                chunk = resp.read(_CHUNK)
                if not chunk:
                    break
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                _progress(done, total, filename)
            if sys.stderr.isatty():
                sys.stderr.write("\n")
        if md5 is not None and digest.hexdigest() != md5:
            raise DownloadError(f"checksum mismatch for {url}: expected md5 {md5}, got {digest.hexdigest()} "
                                f"(the download is corrupted; nothing was written to {fpath})")
    atomic_write(fpath, fetch)
    return fpath


def _atomic_copy(src_open, dst: str) -> None:
    def copy(out):
        with src_open() as src:
            shutil.copyfileobj(src, out, _CHUNK)
    atomic_write(dst, copy)


_COMPRESSORS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def _safe_members(tar: tarfile.TarFile, to_path: str):
    base = os.path.realpath(to_path)
    for m in tar.getmembers():
        target = os.path.realpath(os.path.join(to_path, m.name))
        if not (target == base or target.startswith(base + os.sep)) or m.issym() or m.islnk() or m.isdev():
            raise RuntimeError(f"refusing to extract {m.name!r}: it would write outside {to_path}")
        yield m


def extract_archive(from_path, to_path=None, remove_finished: bool = False) -> str:
    """Extract a .zip, .tar(.gz/.bz2/.xz), .tgz or a single compressed file (.gz/.bz2/.xz).

    Matches `torchvision.datasets.utils.extract_archive`; returns the folder (or the single file)
    written. Archive members that would land outside `to_path` are refused.
    """
    from_path = os.fspath(from_path)
    to_path = os.path.dirname(from_path) if to_path is None else os.fspath(to_path)
    name = from_path.lower()
    if name.endswith(".zip"):
        base = os.path.realpath(to_path)
        with zipfile.ZipFile(from_path) as z:
            for n in z.namelist():
                t = os.path.realpath(os.path.join(to_path, n))
                if not (t == base or t.startswith(base + os.sep)):
                    raise RuntimeError(f"refusing to extract {n!r}: it would write outside {to_path}")
            z.extractall(to_path)
        out = to_path
    elif name.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz")):
        with tarfile.open(from_path, "r:*") as tar:
            tar.extractall(to_path, members=list(_safe_members(tar, to_path)))
        out = to_path
    else:
        ext = os.path.splitext(name)[1]
        if ext not in _COMPRESSORS:
            raise RuntimeError(f"Extraction of {from_path} not supported: unknown archive type {ext!r}")
        out = os.path.join(to_path, os.path.basename(from_path)[: -len(ext)])
        _atomic_copy(lambda: _COMPRESSORS[ext](from_path, "rb"), out)
    if remove_finished:
        os.remove(from_path)
    return out


def download_and_extract_archive(url: str, download_root, extract_root=None, filename: str | None = None,
                                 md5: str | None = None, remove_finished: bool = False) -> None:
    download_root = os.path.expanduser(os.fspath(download_root))
    extract_root = download_root if extract_root is None else extract_root
    filename = filename or os.path.basename(url)
    path = download_url(url, download_root, filename, md5)
    extract_archive(path, extract_root, remove_finished)


def verify_str_arg(value, arg: str | None = None, valid_values=None, custom_msg: str | None = None) -> str:
    if not isinstance(value, str):
        raise ValueError(f"Expected type str for argument {arg}, but got type {type(value)}.")
    if valid_values is not None and value not in valid_values:
        msg = custom_msg or (f"Unknown value '{value}' for argument {arg}. "
                             f"Valid values are {{{', '.join(map(repr, valid_values))}}}.")
        raise ValueError(msg)
    return value


def _fetch_from_mirrors(mirrors, filename: str, md5: str | None, folder: str, dataset: str,
                        expected=None) -> str:
    """Try each mirror in turn; on total failure raise ONE error saying what to put where."""
    errors = []
    for mirror in mirrors:
        url = mirror + filename
        try:
            print(f"Downloading {url}", file=sys.stderr)
            return download_url(url, folder, filename, md5)
        except (urllib.error.URLError, OSError, DownloadError) as e:  # try the next mirror
            errors.append(f"{url}: {getattr(e, 'reason', e)}")
    files = ", ".join(expected or [filename])
    raise DownloadError(
        f"{dataset}: could not download {filename} ({'; '.join(errors)}). If this machine is offline, "
        f"fetch {files} on another machine and copy them (gzipped or not) into {folder}")
