"""A real Neo4j 5.26 DBMS on 127.0.0.1, for the tests, the benchmarks and local development.

The launcher in `neo4j-launcher/` (a Maven build file and one Java class) embeds Neo4j Community
from Maven Central and serves Bolt with authentication on. This module builds it with
Maven when needed (the jars land in `neo4j-launcher/target/`, never committed), starts it on a
free port with a generated password and stops it cleanly.

    python -m graph.neo4j_server serve [--data DIR]    # `make neo4j`: a local Neo4j
    python -m graph.neo4j_server run -- CMD ARGS...     # run CMD with NEO4J_URI set

`run` is what `make test` and `make bench` use for their Neo4j pass: if `NEO4J_URI` is
already set it runs CMD against that server; if neither that nor Java 17+ and Maven are
here it says so in one line and exits 0 (the Neo4j pass is skipped, nothing else).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from graph.embedded import free_port

LAUNCHER_DIR = Path(__file__).resolve().parents[1] / "neo4j-launcher"
MAIN_CLASS = "tnr.Neo4jLauncher"
#: The Neo4j version the launcher pins (neo4j-launcher/pom.xml), the same as docker-compose.yml's.
VERSION_RE = re.compile(r"<neo4j\.version>([^<]+)</neo4j\.version>")


class Neo4jServerError(RuntimeError):
    """The launcher could not be built or Neo4j did not start; the message says why."""


def pinned_version() -> str:
    match = VERSION_RE.search((LAUNCHER_DIR / "pom.xml").read_text(encoding="utf-8"))
    if not match:
        raise Neo4jServerError(f"{LAUNCHER_DIR / 'pom.xml'} names no <neo4j.version>")
    return match.group(1)


def java_major(java: str = "java") -> int | None:
    """The major version of `java` on PATH, or None if there is none."""
    exe = shutil.which(java)
    if exe is None:
        return None
    try:
        out = subprocess.run(
            [exe, "-version"], capture_output=True, text=True, timeout=60, check=False
        ).stderr
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def unavailable_reason() -> str | None:
    """Why this machine cannot run the launcher (None: it can)."""
    major = java_major()
    if major is None:
        return "no Java found (Neo4j 5.26 needs Java 17 or later)"
    if major < 17:
        return f"Java {major} found, Neo4j 5.26 needs Java 17 or later"
    if shutil.which("mvn") is None and not _built():
        return "Maven (mvn) is not installed, so the Neo4j jars cannot be fetched"
    return None


def _classpath() -> str:
    target = LAUNCHER_DIR / "target"
    return f"{target / 'classes'}{os.pathsep}{target / 'lib' / '*'}"


def _built() -> bool:
    target = LAUNCHER_DIR / "target"
    stamp = target / "classes" / "tnr" / "Neo4jLauncher.class"
    lib = target / "lib"
    if not stamp.exists() or not lib.is_dir():
        return False
    inputs = [LAUNCHER_DIR / "pom.xml", *LAUNCHER_DIR.glob("src/**/*.java")]
    built_at = min(stamp.stat().st_mtime, lib.stat().st_mtime)
    return all(p.stat().st_mtime <= built_at for p in inputs)


@contextlib.contextmanager
def _build_lock() -> Iterator[None]:
    LAUNCHER_DIR.joinpath("target").mkdir(exist_ok=True)
    with (LAUNCHER_DIR / "target" / ".build.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def build(quiet: bool = True) -> None:
    """Compile the launcher and fetch Neo4j's jars with Maven, unless that is done already."""
    with _build_lock():
        if _built():
            return
        if shutil.which("mvn") is None:
            raise Neo4jServerError("Maven (mvn) is not installed: it fetches Neo4j's jars")
        lib = LAUNCHER_DIR / "target" / "lib"
        if lib.exists():
            shutil.rmtree(lib)  # an older Neo4j's jars must not stay on the class path
        print(
            f"building the Neo4j {pinned_version()} launcher with Maven (first time only)...",
            file=sys.stderr,
            flush=True,
        )
        cmd = ["mvn", "-B", "-q", "package"] if quiet else ["mvn", "-B", "package"]
        proc = subprocess.run(cmd, cwd=LAUNCHER_DIR, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-20:])
            raise Neo4jServerError(f"`mvn package` in {LAUNCHER_DIR} failed:\n{tail}")


@dataclass(frozen=True)
class Neo4jAddress:
    port: int
    password: str
    user: str = "neo4j"
    database: str = "neo4j"

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def routing_uri(self) -> str:
        """The same server through the routing scheme a cluster or Aura is reached by."""
        return f"neo4j://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            "NEO4J_URI": self.uri,
            "NEO4J_USER": self.user,
            "NEO4J_PASSWORD": self.password,
            "NEO4J_DATABASE": self.database,
        }


class Neo4jServer:
    """One Neo4j DBMS in a child JVM, its data in `home`; stopped by stop() or with us."""

    def __init__(
        self, home: Path, heap: str = "1g", pagecache_mb: int = 512, start_timeout: float = 240.0
    ) -> None:
        self.home = home
        self.heap = heap
        self.pagecache_mb = pagecache_mb
        self.start_timeout = start_timeout
        self.process: subprocess.Popen[str] | None = None
        self.address: Neo4jAddress | None = None
        self._log: IO[str] | None = None
        self._pump: threading.Thread | None = None

    def _password(self) -> tuple[str, Path]:
        path = self.home / "credentials"
        if path.exists():
            return path.read_text(encoding="utf-8").strip(), path
        password = secrets.token_urlsafe(24)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(password)
        return password, path

    def start(self, until: str = "stdin") -> Neo4jAddress:
        build()
        self.home.mkdir(parents=True, exist_ok=True)
        password, pw_file = self._password()
        port = free_port()
        log_path = self.home / "launcher.log"
        log = self._log = log_path.open("a", encoding="utf-8")
        cmd = [
            "java",
            f"-Xmx{self.heap}",
            f"-Xms{self.heap}",
            "-XX:+UseG1GC",
            "-cp",
            _classpath(),
            MAIN_CLASS,
            "--home",
            str(self.home / "dbms"),
            "--port",
            str(port),
            "--password-file",
            str(pw_file),
            "--pagecache-mb",
            str(self.pagecache_mb),
            "--until",
            until,
        ]
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE if until == "stdin" else None,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            start_new_session=until == "stdin",
        )
        ready = threading.Event()
        first: list[str] = []

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                if not log.closed:
                    log.write(line)
                    log.flush()
                if line.startswith("READY"):
                    first.append(line.strip())
                    ready.set()
            ready.set()

        self._pump = threading.Thread(target=pump, name="tnr-neo4j-log", daemon=True)
        self._pump.start()
        deadline = time.monotonic() + self.start_timeout
        while not ready.wait(0.2):
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                self._close()
                raise Neo4jServerError(
                    f"Neo4j did not start within {self.start_timeout:.0f}s; see {log_path}"
                )
        if not first:
            proc.wait(timeout=30)
            self._close()
            raise Neo4jServerError(
                f"Neo4j did not start (exit code {proc.returncode}); see {log_path}"
            )
        self.process = proc
        self.address = Neo4jAddress(port, password)
        return self.address

    def stop(self, timeout: float = 120.0) -> None:
        proc, self.process = self.process, None
        if proc is None:
            return
        if proc.poll() is None:
            if proc.stdin is not None:
                with contextlib.suppress(OSError):
                    proc.stdin.close()  # the launcher shuts Neo4j down when its stdin closes
            else:
                proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._close()

    def _close(self) -> None:
        if self._pump is not None:
            self._pump.join(timeout=5)
            self._pump = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Neo4jAddress:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _run(cmd: list[str], heap: str) -> int:
    if not cmd:
        print("run: name the command to run, after --", file=sys.stderr)
        return 2
    if os.environ.get("NEO4J_URI"):
        print(f"Neo4j pass: on {os.environ['NEO4J_URI']} (NEO4J_URI is set)", flush=True)
        return subprocess.call(cmd)
    reason = unavailable_reason()
    if reason is not None:
        print(f"Neo4j pass skipped: {reason}; set NEO4J_URI to use a running Neo4j 5.", flush=True)
        return 0
    with tempfile.TemporaryDirectory(prefix="tnr-neo4j-") as tmp:
        server = Neo4jServer(Path(tmp), heap=heap)
        try:
            address = server.start()
        except Neo4jServerError as exc:
            print(f"Neo4j pass failed to start Neo4j: {exc}", file=sys.stderr)
            return 1
        try:
            print(f"Neo4j pass: Neo4j {pinned_version()} on {address.uri}", flush=True)
            return subprocess.call(cmd, env={**os.environ, **address.env()})
        finally:
            server.stop()


def _serve(data: Path, heap: str) -> int:
    server = Neo4jServer(data, heap=heap, pagecache_mb=1024)
    address = server.start(until="signal")
    # SIGTERM (kill, a service manager) stops Neo4j cleanly too, through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"Neo4j {pinned_version()} is serving {data / 'dbms'}; Ctrl-C stops it. Use it with:")
    print(
        f"  export NEO4J_URI={address.uri} NEO4J_USER=neo4j "
        f'NEO4J_PASSWORD="$(cat {data / "credentials"})"',
        flush=True,
    )
    try:
        assert server.process is not None
        server.process.wait()
    except KeyboardInterrupt:
        print("stopping Neo4j...", flush=True)
    finally:
        server.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m graph.neo4j_server",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run a local Neo4j until Ctrl-C")
    serve.add_argument(
        "--data", type=Path, default=None, help="its data directory (default: TNR_DATA_DIR/neo4j)"
    )
    serve.add_argument("--heap", default="2g")
    run = sub.add_parser("run", help="run a command against a fresh, temporary Neo4j")
    run.add_argument("--heap", default=os.environ.get("TNR_NEO4J_HEAP", "1g"))
    run.add_argument("cmd", nargs=argparse.REMAINDER)
    sub.add_parser("check", help="say whether this machine can run Neo4j")
    args = parser.parse_args(argv)
    if args.command == "check":
        reason = unavailable_reason()
        print(reason or f"Neo4j {pinned_version()} can run here")
        return 0 if reason is None else 1
    if args.command == "run":
        cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
        return _run(cmd, args.heap)
    from graph.settings import Settings

    data = args.data or Settings.from_env().data_dir / "neo4j"
    try:
        return _serve(data.expanduser().resolve(), args.heap)
    except Neo4jServerError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
