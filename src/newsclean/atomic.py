"""Atomic writes: every file newsclean writes appears whole or not at all.

A file is written to ``.NAME.tmp-PID`` beside its final path and moved in place with
:func:`os.replace`, so a reader never sees half a file. A file on a remote fsspec filesystem
(a :class:`upath.UPath` such as ``s3://bucket/out/part-00000.jsonl``) is written to a local
temporary file and uploaded to its final name only once complete: object stores have no
rename, and an upload appears whole or not at all. A run killed mid-write leaves only a
hidden temporary of that one scheme, which :func:`temporaries_of` (and :data:`TEMPORARY_GLOB`
for a whole folder) finds again for the cleanup. Outputs, rejects, stats, publisher memories
and exported models all go through this module.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

_PID = re.compile(r"[0-9]{1,9}")
#: Every temporary file name of :func:`temporary_path`, as a glob pattern for one folder.
TEMPORARY_GLOB = ".*.tmp-*"


def is_remote(path: object) -> bool:
    """Whether ``path`` is on a remote fsspec filesystem (a :class:`upath.UPath` whose protocol
    is not the local one); a ``str`` or :class:`~pathlib.Path` is local."""
    return getattr(path, "protocol", "") not in ("", "file", "local")


def temporary_path(path: str | os.PathLike) -> Path:
    """Where this process writes ``path`` before moving it in place: ``.NAME.tmp-PID``."""
    path = Path(path)
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def temporaries_of(path: Path) -> Iterator[tuple[Path, int]]:
    """The temporary files of ``path`` left in its folder by any process, with their PIDs.

    Only exact names count: ``.out.jsonl.gz.tmp-7`` is not a temporary of ``out.jsonl``, and a
    suffix that is not a PID is not one either.
    """
    for candidate in path.parent.glob(f".{glob.escape(path.name)}.tmp-*"):
        pid = candidate.name.rpartition(".tmp-")[2]
        if _PID.fullmatch(pid):
            yield candidate, int(pid)


class PendingFile:
    """A file being written under its temporary name until :meth:`commit` moves it in place.

    For writers that stream over many calls (output shards, rejects); :func:`atomic_file` is
    the same for one block of code.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        if is_remote(path):
            self.path = path
            # Local, in the temporary folder (TMPDIR): beside the target there is no rename.
            handle, tmp = tempfile.mkstemp(prefix=".newsclean-", suffix=f"-{path.name}")
            os.close(handle)
            self.tmp = Path(tmp)
        else:
            self.path = Path(path)
            self.tmp = temporary_path(self.path)

    def commit(self) -> None:
        """Move the finished temporary file to its final name (upload it, for a remote one)."""
        if is_remote(self.path):
            self.path.fs.put_file(str(self.tmp), self.path.path)
            self.tmp.unlink()
        else:
            os.replace(self.tmp, self.path)

    def abort(self) -> None:
        """Delete the temporary file (if it was created); the final path is left as it was."""
        self.tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike, mode: str = "wb", **open_args) -> Iterator[IO]:
    """Open ``path``'s temporary file for writing; move it in place when the block ends.

    If the block raises (or is interrupted), the temporary file is deleted and ``path`` is
    left as it was.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with atomic_file(folder / "a.txt", "w") as fh:
    ...     _ = fh.write("whole")
    >>> (folder / "a.txt").read_text()
    'whole'
    """
    pending = PendingFile(path)
    try:
        with open(pending.tmp, mode, **open_args) as fh:
            yield fh
        pending.commit()
    except BaseException:
        pending.abort()
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_file`)."""
    with atomic_file(path, "wb") as fh:
        fh.write(data)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`atomic_file`)."""
    atomic_write_bytes(path, text.encode("utf-8"))


__all__ = [
    "TEMPORARY_GLOB",
    "PendingFile",
    "atomic_file",
    "atomic_write_bytes",
    "atomic_write_text",
    "is_remote",
    "temporaries_of",
    "temporary_path",
]
