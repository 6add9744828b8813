"""Delivering watch notifications to their webhooks: signed, retried with back-off, never lost.

Each notification of a watch with a webhook is recorded `pending` (graph/watches.py). A
delivery POSTs its JSON (`Notification.payload`) with `X-TNR-Signature: sha256=<hex
HMAC-SHA256 of the exact body, keyed with the watch's secret>`; a 2xx answer marks it
delivered, anything else (an error status, no answer within the timeout) records the error,
counts the attempt and sets the next one after an exponential back-off
(`backoff * 2**(attempts-1)` seconds). After `max_attempts` it is `failed`, still kept;
`deliver(failed=True)` (`tnr watch deliver --failed`) tries it again.

A digest watch's notifications are sent as one POST per watch and UTC day (`{"digest": day,
"watch": ..., "notifications": [...]}`) once that day is over (or at once with
`digest_now`). Deliveries run after each check in a background thread (`in_background`), so
a load never waits for a webhook; whatever is not sent then is sent by the next check or
`tnr watch deliver`.

A webhook may not point at the server's own network: a URL whose host is, or resolves to, a
loopback, private, link-local or otherwise non-public address is refused when the watch is
saved and again before each delivery (the name may resolve elsewhere by then), unless the
setting TNR_WEBHOOK_PRIVATE allows it. Redirects are not followed.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import re
import socket
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from graph.store import Store
from graph.watches import (
    Notification,
    Watch,
    due_notifications,
    list_watches,
    mark_delivery,
    utc_now,
)

log = logging.getLogger("tnr.webhooks")

SIGNATURE_HEADER = "X-TNR-Signature"
BACKOFF = 30.0
MAX_ATTEMPTS = 6
TIMEOUT = 5.0


#: What a webhook looks like: http(s), a host, no white space.
URL = re.compile(r"^https?://[^\s/]+\S*$")


def address_refusal(url: str, *, allow_private: bool) -> str | None:
    """Why a webhook URL may not be called (None: it may): not http(s), no host, a host that
    does not resolve, or one that is or resolves to an address outside the public internet."""
    if not URL.match(url):
        return "the webhook must be an http(s) URL"
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        return f"the webhook URL is not valid: {exc}"
    if not parts.hostname:
        return "the webhook must be an http(s) URL with a host"
    if allow_private:
        return None
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        return f"the webhook's host {parts.hostname!r} does not resolve ({exc})"
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        mapped = getattr(address, "ipv4_mapped", None)
        if not (mapped or address).is_global:
            return (
                f"the webhook's host {parts.hostname!r} is a non-public address ({address}); "
                "set TNR_WEBHOOK_PRIVATE=1 to allow webhooks inside your own network"
            )
    return None


def signature(secret: str, body: bytes) -> str:
    """The `X-TNR-Signature` of `body`: sha256=<hex HMAC-SHA256 keyed with the secret>."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """For receivers: does `header` sign `body` with `secret`?"""
    return hmac.compare_digest(signature(secret, body), header or "")


def body_of(payload: Any) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")


@dataclass
class Delivered:
    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (notification id, error)
    waiting: int = 0  # digests whose day is not over


def _at(now: str, seconds: float) -> str:
    base = datetime.strptime(now, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return (base + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def deliver(
    store: Store,
    *,
    failed: bool = False,
    digest_now: bool = False,
    backoff: float = BACKOFF,
    max_attempts: int = MAX_ATTEMPTS,
    timeout: float = TIMEOUT,
    client: httpx.Client | None = None,
) -> Delivered:
    """Attempt every due delivery once (see the module docstring)."""
    now = utc_now()
    report = Delivered()
    watches = {w.id: w for w in list_watches(store)}
    batches: dict[tuple[str, str], list[Notification]] = defaultdict(list)
    for n in due_notifications(store, now, failed=failed):
        watch = watches.get(n.watch_id)
        if watch is None or not watch.webhook:
            continue
        if watch.digest:
            day = n.digest_day or n.at[:10]
            if day >= now[:10] and not digest_now:
                report.waiting += 1
                continue
            batches[(watch.id, f"digest:{day}")].append(n)
        else:
            batches[(watch.id, n.id)].append(n)
    own = client is None
    http = client or httpx.Client(timeout=timeout, follow_redirects=False)
    try:
        for (watch_id, key), group in batches.items():
            watch = watches[watch_id]
            if key.startswith("digest:"):
                payload: Any = {
                    "digest": key.removeprefix("digest:"),
                    "watch": watch.name,
                    "notifications": [n.payload() for n in group],
                }
            else:
                payload = group[0].payload()
            _post(
                store,
                http,
                watch,
                group,
                body_of(payload),
                report,
                now=now,
                backoff=backoff,
                max_attempts=max_attempts,
            )
    finally:
        if own:
            http.close()
    return report


def _post(
    store: Store,
    http: httpx.Client,
    watch: Watch,
    group: list[Notification],
    body: bytes,
    report: Delivered,
    *,
    now: str,
    backoff: float,
    max_attempts: int,
) -> None:
    ids = [n.id for n in group]
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature(watch.secret, body),
        "X-TNR-Watch": watch.name,
        "X-TNR-Delivery": ids[0],
    }
    error = address_refusal(str(watch.webhook), allow_private=store.settings.webhook_private)
    try:
        if error is None:
            response = http.post(str(watch.webhook), content=body, headers=headers)
            if not 200 <= response.status_code < 300:
                error = f"HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    if error is None:
        mark_delivery(store, ids, ok=True, error=None, next_attempt=None, gave_up=False)
        report.sent += ids
        return
    attempts = max(n.attempts for n in group) + 1
    gave_up = attempts >= max_attempts
    later = None if gave_up else _at(now, backoff * 2 ** (attempts - 1))
    mark_delivery(store, ids, ok=False, error=error, next_attempt=later, gave_up=gave_up)
    log.warning(
        "webhook of watch %s: %s (attempt %d%s)",
        watch.name,
        error,
        attempts,
        "; gave up" if gave_up else f"; next at {later}",
    )
    report.failed += [(i, error) for i in ids]


_THREADS: list[threading.Thread] = []


def in_background(store: Store) -> threading.Thread:
    """Deliver what is due in a thread of its own (the caller does not wait for it; `wait`
    before closing the store)."""

    def run() -> None:
        try:
            deliver(store)
        except Exception:  # recorded as pending; the next check or `tnr watch deliver` retries
            log.exception("webhook delivery failed")

    thread = threading.Thread(target=run, name="tnr-webhooks", daemon=True)
    _THREADS.append(thread)
    thread.start()
    return thread


def wait(timeout: float = 2 * TIMEOUT) -> None:
    """Give background deliveries up to `timeout` seconds to finish (what is left stays
    pending, for the next check or `tnr watch deliver`)."""
    while _THREADS:
        _THREADS.pop().join(timeout)
