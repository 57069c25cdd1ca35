"""Where a batch run writes (:class:`Layout`), and which files in an output are newsclean's.

See :mod:`newsclean.batch.options` for the rules that choose a layout from ``-o``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from newsclean.atomic import TEMPORARY_GLOB, is_remote, temporaries_of
from newsclean.batch.formats import SUFFIXES, format_of
from newsclean.batch.readers import InputError, filesystem, is_url

#: The folder of an output directory that holds everything but the part files. Hidden, so
#: that the usual readers take the directory as data: pyarrow (and pandas, Dask) skip names
#: starting with "." or "_", but ``datasets.load_dataset(data_dir=...)`` reads "_" files too.
BOOKKEEPING_DIR = ".newsclean"
#: What a run records of its options, inputs and model (``--resume`` needs the same).
RUN_FILE = f"{BOOKKEEPING_DIR}/run.json"
#: The publisher memory ``--repetition`` writes.
MEMORY_FILE = "memory.json"
#: The merged counts and the run's rejects (in the bookkeeping folder).
STATS_FILE = "stats.json"
REJECTS_FILE = "rejects.jsonl"
_PART = "part-[0-9][0-9][0-9][0-9][0-9].*"  # part-00000.jsonl: not a user's part-time.txt
#: Names of the files newsclean writes in an output directory (``--overwrite`` deletes them).
_OWN_FILES = (_PART, f".{_PART}", TEMPORARY_GLOB)
#: Where newsclean before 0.2 kept its bookkeeping, beside the parts: ``--overwrite`` deletes
#: it, ``--resume`` refuses such a directory.
_LEGACY_FILES = ("stats.json", "rejects.jsonl", "_run.json", "memory.json")
_LEGACY_DIRS = ("_done", "_stats", "_rejects")


class OutputError(OSError):
    """The output cannot be written there (a file where a folder is expected, no permission),
    or is not one this run may continue; the message says which and where."""


@dataclass(frozen=True)
class Layout:
    """Where a run writes: a shard directory, a single file, or stdout (both paths None)."""

    fmt: str
    root: Path | None = None
    single: Path | None = None
    rejects: Path | None = None

    def part(self, i: int) -> Path | None:
        """Shard ``i``'s output file (None: stdout)."""
        if self.single is not None:
            return self.single
        if self.root is None:
            return None
        return self.root / f"part-{i:05d}{SUFFIXES[self.fmt]}"

    @property
    def bookkeeping(self) -> Path | None:
        """The folder of everything but the part files in a shard directory (None otherwise)."""
        return None if self.root is None else self.root / BOOKKEEPING_DIR

    def shard_rejects(self, i: int) -> Path | None:
        """Shard ``i``'s rejects (the run's rejects file without a shard directory)."""
        if self.bookkeeping is None:
            return self.rejects
        return self.bookkeeping / "rejects" / f"{i:05d}.jsonl"

    def shard_stats(self, i: int) -> Path | None:
        """Shard ``i``'s counts in a shard directory (None otherwise)."""
        return None if self.bookkeeping is None else self.bookkeeping / "stats" / f"{i:05d}.json"

    def done(self, i: int) -> Path | None:
        """Shard ``i``'s completion marker in a shard directory (None otherwise)."""
        return None if self.bookkeeping is None else self.bookkeeping / "done" / f"{i:05d}"

    @property
    def memory(self) -> Path | None:
        """Where ``--repetition`` writes the publisher memory (None for stdout)."""
        if self.bookkeeping is not None:
            return self.bookkeeping / MEMORY_FILE
        if self.single is not None:
            return self.single.with_name(self.single.name + "." + MEMORY_FILE)
        return None

    @property
    def stats(self) -> Path | None:
        """Where the merged counts go (None for stdout)."""
        if self.bookkeeping is not None:
            return self.bookkeeping / STATS_FILE
        if self.single is not None:
            return self.single.with_name(self.single.name + "." + STATS_FILE)
        return None


def output_path(output: str) -> Path:
    """``-o OUTPUT`` (or ``--rejects``) as a path: a :class:`~pathlib.Path` for a local name or
    a ``file://`` URL, a :class:`upath.UPath` for another fsspec URL (``s3://bucket/out``), so
    that a URL never becomes a local folder named ``s3:``.

    Raises
    ------
    OutputError
        When the URL's filesystem, fsspec or universal-pathlib is not installed.
    """
    if not is_url(output):
        return Path(output)
    try:
        fs, path = filesystem(output)
    except InputError as exc:
        raise OutputError(str(exc)) from None
    if "file" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)):
        return Path(path + ("/" if asks_for_directory(output) else ""))
    try:
        from upath import UPath
    except ImportError:
        raise OutputError(
            f"{output}: writing to URLs needs universal-pathlib: pip install 'newsclean[remote]'"
        ) from None
    return UPath(output)


def is_single_file(output: str) -> bool:
    """Whether ``-o OUTPUT`` names one output file: a data suffix, not an existing directory,
    and no trailing slash (``-o cleaned.jsonl/`` asks for a directory)."""
    return (
        format_of(output) is not None
        and not asks_for_directory(output)
        and not output_path(output).is_dir()
    )


def asks_for_directory(output: str) -> bool:
    """Whether ``-o OUTPUT`` ends with a path separator."""
    return output.endswith(("/", os.sep))


def make_layout(output: str | None, fmt: str, rejects: str | None) -> Layout:
    """The layout for ``-o OUTPUT`` (see :mod:`newsclean.batch.options` for the rules)."""
    given = output_path(rejects) if rejects else None
    if output in (None, "-"):
        return Layout(fmt, rejects=given)
    out = output_path(output)
    if is_single_file(output):
        return Layout(fmt, single=out, rejects=given or out.with_name(out.name + ".rejects.jsonl"))
    return Layout(fmt, root=out, rejects=given or out / BOOKKEEPING_DIR / REJECTS_FILE)


def prepare_output(layout: Layout, *, resume: bool = False) -> None:
    """Create the output's folders and check that this process can write there, before any
    work; with ``resume``, refuse a directory an older newsclean wrote.

    Raises
    ------
    OutputError
        Naming the path and the problem: a file where a folder is expected, no permission, or
        (``resume``) bookkeeping beside the part files.
    """
    if layout.root is not None:
        folder, what = layout.bookkeeping, f"output directory {layout.root}"
        if resume and any((layout.root / name).exists() for name in ("_run.json", "_done")):
            raise OutputError(
                f"{layout.root} was written by an older newsclean (its bookkeeping sits beside "
                "the part files): --resume cannot continue it; use --overwrite"
            )
    elif layout.single is not None:
        folder, what = layout.single.parent, f"output file {layout.single}"
    else:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if is_remote(folder):  # no temporary file there: write and delete a probe
            probe = folder / f".newsclean-probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        else:
            with tempfile.TemporaryFile(dir=folder):
                pass
    except OSError as exc:
        blocker = _file_in_the_way(folder)
        raise OutputError(
            f"cannot write the {what}: {exc.strerror or exc}"
            + (f" ({blocker} is a file, not a folder)" if blocker else "")
        ) from None


def _file_in_the_way(folder: Path) -> Path | None:
    """``folder`` or the parent of it that exists as something other than a folder, if any."""
    return next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)


def clear_output(root: Path) -> None:
    """Delete what newsclean writes in an output directory (``--overwrite``); nothing else
    (also the bookkeeping of older versions, which sat beside the part files)."""
    for name in (BOOKKEEPING_DIR, *_LEGACY_DIRS):
        if is_remote(root):
            if (root / name).exists():
                root.fs.rm((root / name).path, recursive=True)
        else:
            shutil.rmtree(root / name, ignore_errors=True)
    (root / BOOKKEEPING_DIR).mkdir(exist_ok=True)  # as prepare_output left it
    for pattern in (*_OWN_FILES, *_LEGACY_FILES):
        for path in root.glob(pattern):
            if path.is_file():
                path.unlink()


def remove_temporaries(root: Path) -> None:
    """Delete the temporary files (``.NAME.tmp-PID``) in an output directory's own folders."""
    own = root / BOOKKEEPING_DIR
    for folder in (root, own, *(own / name for name in ("rejects", "stats", "done"))):
        for stale in folder.glob(TEMPORARY_GLOB):
            stale.unlink(missing_ok=True)


def remove_dead_temporaries(layout: Layout) -> None:
    """Delete the temporary files a killed run left for this run's own files (the single output
    file, its stats, rejects and memory), named ``.NAME.tmp-PID``.

    One whose process still runs on this machine (another run writing the same file) is left
    alone. Only on POSIX, where signal 0 asks whether a process exists without touching it.
    """
    if os.name != "posix":
        return
    for own in (layout.single, layout.stats, layout.rejects, layout.memory):
        if own is None:
            continue
        for stale, pid in temporaries_of(own):
            if not _process_exists(pid):
                stale.unlink(missing_ok=True)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # exists but belongs to someone else (PermissionError), or cannot tell
        return True
    return True


__all__ = [
    "BOOKKEEPING_DIR",
    "MEMORY_FILE",
    "REJECTS_FILE",
    "RUN_FILE",
    "STATS_FILE",
    "Layout",
    "OutputError",
    "asks_for_directory",
    "clear_output",
    "is_single_file",
    "make_layout",
    "output_path",
    "prepare_output",
    "remove_dead_temporaries",
    "remove_temporaries",
]
