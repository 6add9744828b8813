"""The managed embedded engine: ArcadeDB (PyPI `arcadedb-embedded`) speaking Bolt.

`EmbeddedEngine.start()` either attaches to the engine another tnr process
already runs on the same data directory, or starts one in a child process bound
to 127.0.0.1 on free ports with a generated password. Data and credentials stay
in the data directory, so a restart finds them again.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from graph.arcade_server import DATABASE, pid_alive


def _owner_only(root: Path) -> None:
    """Close a data directory made before (or under a looser umask) to everyone else."""
    root.chmod(0o700)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            os.chmod(os.path.join(folder, name), 0o700)
        for name in files:
            path = os.path.join(folder, name)
            os.chmod(path, os.stat(path).st_mode & 0o700)


def _whoami() -> str:
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


class EngineError(RuntimeError):
    """The embedded engine could not be started or reached; the message says why."""


@dataclass(frozen=True)
class EngineAddress:
    bolt_port: int
    http_port: int
    password: str
    user: str = "root"
    database: str = DATABASE

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _port_free(port: int) -> bool:
    """True if 127.0.0.1:`port` can be bound now (so a restarted engine may keep its port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class EmbeddedEngine:
    """Start, find again and stop the embedded engine for one data directory."""

    def __init__(self, root: Path, heap: str = "2g", start_timeout: float = 180.0) -> None:
        self.root = root
        self.heap = heap
        self.start_timeout = start_timeout
        self.process: subprocess.Popen[str] | None = None
        self.address: EngineAddress | None = None
        self._log_thread: threading.Thread | None = None
        self._log: IO[str] | None = None
        #: True from a successful start of our own engine until stop(); a kill() leaves it set.
        self.spawned = False

    @property
    def owned(self) -> bool:
        """True if this object started the engine (and so stops it)."""
        return self.process is not None

    @property
    def _state_file(self) -> Path:
        return self.root / "engine.json"

    def _password(self) -> str:
        path = self.root / "credentials"
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        password = secrets.token_urlsafe(24)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(password)
        return password

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        fd = os.open(self.root / "engine.lock", os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _running(self) -> EngineAddress | None:
        """The address of an engine already serving this directory, if any."""
        try:
            state = json.loads(self._state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not pid_alive(int(state.get("pid", 0))) or not _port_open(int(state["bolt_port"])):
            return None
        return EngineAddress(int(state["bolt_port"]), int(state["http_port"]), self._password())

    def start(self) -> EngineAddress:
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            # The database files name people at risk: only the owner may read them, even
            # when the directory was made earlier (or by mkdir under a looser umask).
            if self.root.owner() == _whoami():
                _owner_only(self.root)
        except OSError as exc:
            raise self._unusable(exc) from exc
        return self._attach_or_spawn()

    def _attach_or_spawn(self, ports: tuple[int, int] | None = None) -> EngineAddress:
        try:
            with self._lock():
                running = self._running()
                if running is not None:
                    self.address = running
                    return running
                self.address = self._spawn(ports)
                return self.address
        except OSError as exc:
            raise self._unusable(exc) from exc

    def _unusable(self, exc: OSError) -> EngineError:
        return EngineError(
            f"cannot use {self.root} as the engine's data directory: {exc.strerror or exc}"
        )

    # -- restarting after a crash --------------------------------------------------------
    def died(self) -> bool:
        """True if this object started the engine and its process is gone (crashed or killed)."""
        if not self.spawned:
            return False
        return self.process is None or self.process.poll() is not None

    def restart(self) -> EngineAddress:
        """Start the engine again on the same data directory, on the same ports if they are free.

        If another process has restarted it meanwhile, attach to that one instead.
        """
        proc = self.process
        self.process = None
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            self._close_log(proc)
        ports = (self.address.bolt_port, self.address.http_port) if self.address else None
        self.spawned = False
        # No mkdir here: a data directory that has vanished is an error, not a new empty graph.
        return self._attach_or_spawn(ports)

    def _spawn(self, ports: tuple[int, int] | None = None) -> EngineAddress:
        password = self._password()
        if ports is not None and all(_port_free(p) for p in ports):
            bolt, http = ports
        else:
            bolt, http = free_port(), free_port()
        log_path = self.root / "engine.log"
        env = {**os.environ, "TNR_ENGINE_PASSWORD": password}
        cmd = [
            sys.executable,
            "-m",
            "graph.arcade_server",
            "--root",
            str(self.root),
            "--bolt-port",
            str(bolt),
            "--http-port",
            str(http),
            "--heap",
            self.heap,
            "--parent",
            str(os.getpid()),
        ]
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        log = self._log = os.fdopen(fd, "a", encoding="utf-8")
        # umask 077: every file the engine writes (the database names people at risk) is
        # readable by its owner only.
        proc = subprocess.Popen(
            cmd,
            cwd=self.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            start_new_session=True,
            umask=0o077,
        )
        assert proc.stdout is not None
        deadline = time.monotonic() + self.start_timeout
        ready = threading.Event()
        lines: list[str] = []

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                if log.closed:
                    break
                log.write(line)
                log.flush()
                if line.startswith(("READY", "ERROR")):
                    lines.append(line.strip())
                    ready.set()
            ready.set()

        self._log_thread = threading.Thread(target=pump, name="tnr-engine-log", daemon=True)
        self._log_thread.start()
        while not ready.wait(0.2):
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                self._close_log(proc)
                raise EngineError(
                    f"the embedded engine did not start within {self.start_timeout:.0f}s; "
                    f"see {log_path}"
                )
        if not lines or not lines[0].startswith("READY"):
            proc.wait(timeout=30)
            self._close_log(proc)
            detail = lines[0][6:] if lines else f"it exited with code {proc.returncode}"
            raise EngineError(f"the embedded engine did not start: {detail}; see {log_path}")
        self.process = proc
        self.spawned = True
        fd = os.open(self._state_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps({"pid": proc.pid, "bolt_port": bolt, "http_port": http}))
        return EngineAddress(bolt, http, password)

    def stop(self, timeout: float = 60.0) -> None:
        """Stop the engine if this object started it; leave another process's engine alone."""
        proc = self.process
        self.spawned = False
        if proc is None:
            return
        self.process = None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        with contextlib.suppress(OSError):
            self._state_file.unlink()
        self._close_log(proc)

    def _close_log(self, proc: subprocess.Popen[str] | None = None) -> None:
        if self._log_thread is not None:
            self._log_thread.join(timeout=5)
            self._log_thread = None
        if proc is not None and proc.stdout is not None:
            proc.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None

    def kill(self) -> None:
        """SIGKILL the engine (fault tests): no clean shutdown."""
        if self.process is not None:
            proc = self.process
            proc.kill()
            proc.wait()
            self.process = None
            self._close_log(proc)
