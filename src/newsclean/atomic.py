"""Names of the temporary files that outputs are written under before :func:`os.replace`.

Every file a batch run writes (outputs, rejects, stats, a publisher memory) is first written
to ``.NAME.tmp-PID`` beside its final path, so a reader never sees half a file, and a run
killed mid-write leaves only a hidden temporary, which :func:`temporaries_of` finds again.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterator
from pathlib import Path

_PID = re.compile(r"[0-9]{1,9}")


def temporary_path(path: Path) -> Path:
    """Where this process writes ``path`` before moving it in place: ``.NAME.tmp-PID``."""
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


__all__ = ["temporaries_of", "temporary_path"]
