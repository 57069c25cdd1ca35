"""Where a batch run writes (:class:`Layout`), and which files in an output are newsclean's.

See :mod:`newsclean.batch.options` for the rules that choose a layout from ``-o``.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from newsclean.atomic import TEMPORARY_GLOB, temporaries_of
from newsclean.batch.formats import SUFFIXES, format_of

#: What a run records of its options, inputs and model (``--resume`` needs the same).
RUN_FILE = "_run.json"
#: The publisher memory ``--repetition`` writes.
MEMORY_FILE = "memory.json"
_PART = "part-[0-9][0-9][0-9][0-9][0-9].*"  # part-00000.jsonl: not a user's part-time.txt
#: Names of the files newsclean writes in an output directory (``--overwrite`` deletes them).
_OWN_FILES = (
    _PART,
    f".{_PART}",
    TEMPORARY_GLOB,
    "stats.json",
    "rejects.jsonl",
    RUN_FILE,
    MEMORY_FILE,
)
_OWN_DIRS = ("_done", "_stats", "_rejects")


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

    def shard_rejects(self, i: int) -> Path | None:
        """Shard ``i``'s rejects (the run's rejects file without a shard directory)."""
        if self.root is None:
            return self.rejects
        return self.root / "_rejects" / f"{i:05d}.jsonl"

    def shard_stats(self, i: int) -> Path | None:
        """Shard ``i``'s counts in a shard directory (None otherwise)."""
        return None if self.root is None else self.root / "_stats" / f"{i:05d}.json"

    def done(self, i: int) -> Path | None:
        """Shard ``i``'s completion marker in a shard directory (None otherwise)."""
        return None if self.root is None else self.root / "_done" / f"{i:05d}"

    @property
    def memory(self) -> Path | None:
        """Where ``--repetition`` writes the publisher memory (None for stdout)."""
        if self.root is not None:
            return self.root / MEMORY_FILE
        if self.single is not None:
            return self.single.with_name(self.single.name + "." + MEMORY_FILE)
        return None

    @property
    def stats(self) -> Path | None:
        """Where the merged counts go (None for stdout)."""
        if self.root is not None:
            return self.root / "stats.json"
        if self.single is not None:
            return self.single.with_name(self.single.name + ".stats.json")
        return None


def is_single_file(output: str) -> bool:
    """Whether ``-o OUTPUT`` names one output file: a data suffix, not an existing directory,
    and no trailing slash (``-o cleaned.jsonl/`` asks for a directory)."""
    return (
        format_of(output) is not None
        and not asks_for_directory(output)
        and not Path(output).is_dir()
    )


def asks_for_directory(output: str) -> bool:
    """Whether ``-o OUTPUT`` ends with a path separator."""
    return output.endswith(("/", os.sep))


def make_layout(output: str | None, fmt: str, rejects: str | None) -> Layout:
    """The layout for ``-o OUTPUT`` (see :mod:`newsclean.batch.options` for the rules)."""
    if output in (None, "-"):
        return Layout(fmt, rejects=Path(rejects) if rejects else None)
    out = Path(output)
    if is_single_file(output):
        default = out.with_name(out.name + ".rejects.jsonl")
        return Layout(fmt, single=out, rejects=Path(rejects) if rejects else default)
    return Layout(fmt, root=out, rejects=Path(rejects) if rejects else out / "rejects.jsonl")


def clear_output(root: Path) -> None:
    """Delete what newsclean writes in an output directory (``--overwrite``); nothing else."""
    for name in _OWN_DIRS:
        shutil.rmtree(root / name, ignore_errors=True)
    for pattern in _OWN_FILES:
        for path in root.glob(pattern):
            if path.is_file():
                path.unlink()


def remove_temporaries(root: Path) -> None:
    """Delete the temporary files (``.NAME.tmp-PID``) in an output directory's own folders."""
    for folder in (root, *(root / name for name in _OWN_DIRS)):
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
    "MEMORY_FILE",
    "RUN_FILE",
    "Layout",
    "asks_for_directory",
    "clear_output",
    "is_single_file",
    "make_layout",
    "remove_dead_temporaries",
    "remove_temporaries",
]
