"""Anonymous ids and signatures: the server's secret key (`TNR_REDACTION_KEY`, or a file
made once in the data dir), `anon_id` for a hidden node, `sign` for opaque cursors."""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import threading

from graph.settings import Settings

# -- anonymous ids ----------------------------------------------------------------------------
_KEY: bytes | None = None
_KEY_LOCK = threading.Lock()


def install_redaction_key(settings: Settings) -> bytes:
    """Install the server's secret for anonymous ids and signed cursors, once per process:
    `settings.redaction_key` (TNR_REDACTION_KEY), else a key made once in the data dir
    (`redaction.key`, mode 0600), so every process with the same key (or data dir) shows the
    same anonymous ids. `Store.open` and `create_app` install it; a later call keeps the key
    already installed (ids and cursors must not change under a running process)."""
    global _KEY
    with _KEY_LOCK:
        if _KEY is None:
            if settings.redaction_key:
                _KEY = settings.redaction_key.encode("utf-8")
            else:
                path = settings.data_dir / "redaction.key"
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                if not path.exists():
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "w", encoding="utf-8") as fh:
                        fh.write(os.urandom(32).hex())
                _KEY = path.read_text(encoding="utf-8").strip().encode("utf-8")
        return _KEY


def redaction_key() -> bytes:
    """The installed secret; a process that opened no store and made no app (a tool computing
    ids by hand) installs it from the environment's settings on first use."""
    with _KEY_LOCK:
        key = _KEY
    if key is None:
        key = install_redaction_key(Settings.from_env())
    return key


def anon_id(real_id: str) -> str:
    """The keyed, unlinkable id shown for a hidden node or relation (`anon_<hmac>`)."""
    return _anon_id(redaction_key(), real_id)


@functools.lru_cache(maxsize=1 << 16)
def _anon_id(key: bytes, real_id: str) -> str:
    mac = hmac.new(key, real_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"anon_{mac[:20]}"


def sign(payload: str) -> str:
    """A short HMAC of `payload` with the server's key (for opaque cursors)."""
    return hmac.new(redaction_key(), payload.encode("utf-8"), hashlib.sha256).hexdigest()[:24]
