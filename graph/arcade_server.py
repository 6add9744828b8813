"""The embedded engine's own process: ArcadeDB with its Bolt listener on 127.0.0.1.

Started by graph.embedded, never by hand. It prints one line
``READY <bolt_port> <http_port>`` when the Bolt listener accepts connections,
stops cleanly on SIGTERM or SIGINT, and stops by itself when the process that
started it is gone.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

DATABASE = "tnr"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graph.arcade_server")
    parser.add_argument("--root", required=True)
    parser.add_argument("--bolt-port", type=int, required=True)
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--heap", default="2g")
    parser.add_argument("--parent", type=int, default=0)
    args = parser.parse_args(argv)
    password = os.environ.get("TNR_ENGINE_PASSWORD", "")
    if len(password) < 8:
        print("ERROR the engine password (TNR_ENGINE_PASSWORD) is missing", flush=True)
        return 2

    import arcadedb_embedded as arcadedb
    from arcadedb_embedded.jvm import start_jvm

    start_jvm(heap_size=args.heap)
    server = arcadedb.create_server(
        args.root,
        root_password=password,
        config={
            "host": "127.0.0.1",
            "http_port": args.http_port,
            "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            "bolt_port": args.bolt_port,
        },
    )
    stop = threading.Event()

    def _on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    server.start()
    try:
        if not os.path.isdir(os.path.join(args.root, "databases", DATABASE)):
            server.create_database(DATABASE)
        else:
            server.get_database(DATABASE)
        print(f"READY {args.bolt_port} {args.http_port}", flush=True)
        while not stop.wait(1.0):
            if args.parent and not pid_alive(args.parent):
                break
    finally:
        server.stop()
    return 0


def pid_alive(pid: int) -> bool:
    """True if a process with this pid exists (signal 0 probes without touching it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


if __name__ == "__main__":
    sys.exit(main())
