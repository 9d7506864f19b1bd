"""Deterministic ``.tar.gz`` archives of local folders, for CDK file assets.

The same folder gives the same bytes on every machine and every run, so the asset hash (and the
pipeline definition or model that names the asset) changes only when a file's name, content or
executable bit changes: entries sorted by path, owners ``0:0`` without names, every mtime fixed to
1980-01-01 (pip builds wheels from such trees: ZIP cannot store earlier dates), modes ``0644`` (or
``0755`` for executables and folders), no gzip name or time, and caches that vary per machine
(``__pycache__``, ``*.pyc``, ``.git``, ``.DS_Store``...) left out.
"""

from __future__ import annotations

import fnmatch
import gzip
import hashlib
import io
import os
import stat
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

#: Left out of every archive: interpreter and tool caches, version control, editor and OS files.
DEFAULT_EXCLUDES: tuple[str, ...] = (
    "__pycache__",
    "*.pyc",
    "*.pyo",
    ".git",
    ".hg",
    ".svn",
    ".DS_Store",
    ".ipynb_checkpoints",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".venv",
)
#: 1980-01-01T00:00:00Z, the earliest time a ZIP (wheel) can hold.
FIXED_MTIME = 315532800


def _excluded(relative: str, patterns: Sequence[str]) -> bool:
    parts = relative.split("/")
    return any(fnmatch.fnmatch(part, pattern) for part in parts for pattern in patterns) or any(
        fnmatch.fnmatch(relative, pattern) for pattern in patterns
    )


def archive_members(folder: Path, exclude: Sequence[str] = ()) -> list[str]:
    """The relative paths (``/``-separated, sorted) of the files an archive of ``folder`` holds."""
    return [relative for relative, path in _walk(folder, (*DEFAULT_EXCLUDES, *exclude)) if path.is_file()]


def _walk(folder: Path, patterns: Sequence[str]) -> Iterator[tuple[str, Path]]:
    entries: list[tuple[str, Path]] = []
    for root, directories, files in os.walk(folder, followlinks=True):
        base = Path(root)
        directories[:] = sorted(d for d in directories if not _excluded(_relative(folder, base / d), patterns))
        for name in [*directories, *files]:
            path = base / name
            relative = _relative(folder, path)
            if not _excluded(relative, patterns):
                entries.append((relative, path))
    yield from sorted(entries)


def _relative(folder: Path, path: Path) -> str:
    return path.relative_to(folder).as_posix()


def tar_gz_bytes(folder: Path, exclude: Sequence[str] = ()) -> bytes:
    """``folder``'s files as a deterministic gzip-compressed tar (paths relative to ``folder``;
    symbolic links are stored as the files they point to)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for relative, path in _walk(folder, (*DEFAULT_EXCLUDES, *exclude)):
            info = tarfile.TarInfo(relative)
            info.mtime = FIXED_MTIME
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if path.is_dir():
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                archive.addfile(info)
                continue
            data = path.read_bytes()
            info.size = len(data)
            info.mode = 0o755 if path.stat().st_mode & stat.S_IXUSR else 0o644
            archive.addfile(info, io.BytesIO(data))
    compressed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, compresslevel=9, mtime=0) as stream:
        stream.write(raw.getvalue())
    return compressed.getvalue()


def staged_asset_file(path: Path, name: str, exclude: Sequence[str] = ()) -> tuple[Path, str]:
    """The file to give CDK as an asset for ``path`` (the file itself, or a folder's archive staged as
    ``name``) and a short digest of its content: a construct id that is the same on every machine."""
    staged = staged_archive(path, name, exclude) if path.is_dir() else path
    return staged, hashlib.sha256(staged.read_bytes()).hexdigest()[:12]


def staged_archive(folder: Path, name: str, exclude: Sequence[str] = ()) -> Path:
    """Write ``tar_gz_bytes(folder)`` as ``<temp>/constructs-lib-archives/<sha256>/<name>`` (once per
    content) and return its path: a file CDK stages into the cloud assembly as an asset."""
    data = tar_gz_bytes(folder, exclude)
    digest = hashlib.sha256(data).hexdigest()
    target = Path(tempfile.gettempdir()) / "constructs-lib-archives" / digest / name
    if not target.is_file() or target.read_bytes() != data:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{name}.{os.getpid()}")
        partial.write_bytes(data)
        partial.replace(target)
    return target
