"""Files the graph writes beside the store (load reports, the resolve index): they hold what
the graph holds, names of people at risk included, so only their owner may read them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path: Path) -> Path:
    """`path` as a folder only its owner may enter (made if missing, tightened if not)."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    path.chmod(PRIVATE_DIR)
    return path


def open_private(path: Path) -> IO[str]:
    """`path` opened for writing (emptied) as a file only its owner may read, in a private
    folder; mode 0600 whatever the umask, and also when the file was there before."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)
    return os.fdopen(fd, "w", encoding="utf-8")


def write_private(path: Path, text: str) -> None:
    """`text` into `path` at once (through a private temporary file beside it, then renamed)."""
    tmp = path.with_name(path.name + ".tmp")
    with open_private(tmp) as fh:
        fh.write(text)
    tmp.replace(path)
