"""One sync with the district over HTTP(S), made to survive a link that comes and goes.

hello (frontiers exchanged) -> push our events the district lacks, in chunks of bounded
size, each answered with the district's new frontier -> pull what we lack, page by page
-> hello again so the district knows what we now hold.  Every request is idempotent
(merging is by event id), so a request cut off is simply sent again after a pause that
doubles each time, and a sync cut off for good resumes from the frontiers next time.
Replies are untrusted: size-capped, parsed, checked; any refusal is one sentence.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import random
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from engine.errors import PathstoneError
from engine.event import Event, EventError, encode_json
from engine.station import Station
from engine.sync import peers
from engine.sync.bundle import BundleError, check_frontier, lacking
from engine.sync.inflate import Damaged, TooLarge, inflate

PEER = "district"
MAX_REPLY_BYTES = 16 * 1024 * 1024
T = TypeVar("T")


class NetError(PathstoneError):
    pass


class DistrictUnreachable(NetError):
    """No network, or no answer: expected in an offline classroom, not a failure."""


class Retry(Exception):
    """A failure worth another attempt: the link, a timeout, a server error."""


@dataclass(frozen=True)
class NetOptions:
    timeout: float = 15.0
    attempts: int = 6
    backoff: float = 0.5
    max_pause: float = 20.0
    chunk_bytes: int = 512 * 1024
    pull_limit: int = 500
    cafile: Path | None = None


@dataclass
class NetReport:
    sent: int = 0
    received: int = 0
    retries: int = 0


class Link:
    def __init__(self, url: str, token: str, options: NetOptions) -> None:
        if not url.startswith(("http://", "https://")):
            raise NetError(f"{url!r} is not an http:// or https:// address.")
        self.url = url.rstrip("/")
        self.token = token
        self.options = options
        self.retries = 0
        self.shift = 0
        self.context = ssl.create_default_context(
            cafile=str(options.cafile) if options.cafile else None)

    def call(self, path: str, build: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
        """POST the body `build` makes; on a failure worth retrying, pause (doubling) and
        build again, smaller: a link that drops every few kilobytes still passes small
        requests.  Returns the body that got through and the reply."""
        def once() -> tuple[dict[str, Any], dict[str, Any]]:
            body = build()
            return body, self._once(path, body)
        return self.retrying(once)

    def retrying(self, action: Callable[[], T]) -> T:
        """`action()`, tried again after a pause (doubling) while it raises Retry."""
        options = self.options
        for attempt in range(options.attempts):
            try:
                result = action()
            except Retry as failure:
                last = str(failure)
                self.retries += 1
                self.shift = min(self.shift + 1, 12)
                if attempt + 1 < options.attempts:
                    pause = min(options.max_pause, options.backoff * 2**attempt)
                    time.sleep(pause * random.uniform(0.5, 1.0))
                continue
            self.shift = max(self.shift - 1, 0)
            return result
        raise DistrictUnreachable(
            f"The district could not be reached after {options.attempts} tries ({last}); "
            "nothing is lost, so run the sync again later.")

    def share(self, full: int) -> int:
        """`full` scaled down after recent failures."""
        return max(1, full >> self.shift)

    @contextlib.contextmanager
    def open(self, path: str, headers: dict[str, str],
             data: bytes | None = None) -> Iterator[http.client.HTTPResponse]:
        """One request, POST with `data` or GET without; failures of the link, while the
        request is made or its reply read, raise Retry, and refusals NetError."""
        request = urllib.request.Request(
            self.url + path, data=data, method="GET" if data is None else "POST",
            headers={"Authorization": f"Bearer {self.token}", **headers})
        try:
            with urllib.request.urlopen(request, timeout=self.options.timeout,
                                        context=self.context) as reply:
                yield reply
        except urllib.error.HTTPError as error:
            if error.code >= 500:
                raise Retry(f"server error {error.code}") from None
            raise NetError(_refusal(error)) from None
        except (OSError, http.client.HTTPException) as error:
            cause = error if isinstance(error, ssl.SSLError) else getattr(error, "reason", None)
            if isinstance(cause, ssl.SSLCertVerificationError):
                raise NetError(f"The district's certificate is not trusted ({cause.verify_message}); "
                               "give the right CA file with --ca-file.") from None
            raise Retry(_reason(error)) from None

    def _once(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"Content-Type": "application/json", "Content-Encoding": "gzip",
                   "Accept-Encoding": "gzip"}
        with self.open(path, headers, gzip.compress(encode_json(body), 6)) as reply:
            raw = _read_reply(reply)
        try:
            parsed = json.loads(raw)
        except (ValueError, RecursionError):
            raise NetError("The district's reply is not JSON; is the URL the district's?") from None
        if not isinstance(parsed, dict):
            raise NetError("The district's reply is not a JSON object.")
        return parsed


def _read_reply(reply: http.client.HTTPResponse) -> bytes:
    """The whole body, unpacked.  The district always declares its length: a reply
    without one had its headers cut off, and a short body raises IncompleteRead; both
    are retried."""
    length = reply.headers.get("Content-Length", "")
    if not length.isdigit():
        raise Retry("a reply was cut short")
    if int(length) > MAX_REPLY_BYTES:
        raise NetError("The district's reply is larger than any reply may be.")
    raw = reply.read()
    if reply.headers.get("Content-Encoding", "identity") != "gzip":
        return raw
    try:
        return inflate(raw, MAX_REPLY_BYTES, gzip=True)
    except Damaged:
        raise NetError("The district's compressed reply is damaged.") from None
    except TooLarge:
        raise NetError("The district's reply is larger than any reply may be.") from None


def _reason(error: BaseException) -> str:
    if isinstance(error, urllib.error.URLError) and not isinstance(error.reason, str):
        error = error.reason  # type: ignore[assignment]
    return type(error).__name__ if not str(error) else str(error)


def _refusal(error: urllib.error.HTTPError) -> str:
    try:
        message = json.loads(error.read(4096))["error"]
        if isinstance(message, str) and message:
            return f"The district refused: {message}"
    except (ValueError, TypeError, KeyError, OSError, http.client.HTTPException):
        pass
    return f"The district refused the request with status {error.code}."


def sync_net(station: Station, url: str, token: str, options: NetOptions = NetOptions(),
             say: Callable[[str], None] = lambda _: None) -> NetReport:
    """Send the district what it lacks and take in what this station lacks."""
    link = Link(url, token, options)
    report = NetReport()
    district = _hello(station, link)
    pending = lacking((e for _, e in station.journal.scan()), district)
    device = station.identity.device_id
    while report.sent < len(pending):
        body, reply = link.call("/v1/push", lambda: {
            "device": device,
            "events": _chunk(pending, report.sent, link.share(options.chunk_bytes))})
        _count(reply, "added")
        report.sent += len(body["events"])
        peers.record(station.home, PEER, _frontier(reply.get("frontier")))
        say(f"Sent {report.sent} of {len(pending)} events.")
    report.received = _pull(station, link, options, say)
    if report.received:
        station.state.refresh(station.journal)
    _hello(station, link)
    report.retries = link.retries
    return report


def _hello(station: Station, link: Link) -> dict[str, int]:
    _, reply = link.call("/v1/hello", lambda: {"device": station.identity.device_id,
                                              "frontier": station.journal.frontier()})
    if reply.get("school") != station.identity.school_id:
        raise NetError("The district answered for another school than this station's.")
    frontier = _frontier(reply.get("frontier"))
    peers.record(station.home, PEER, frontier)
    return frontier


def _pull(station: Station, link: Link, options: NetOptions, say: Callable[[str], None]) -> int:
    received = cursor = 0
    while True:
        body, reply = link.call("/v1/pull", lambda: {
            "frontier": station.journal.frontier(), "cursor": cursor,
            "limit": link.share(options.pull_limit)})
        raw, after, more = reply.get("events"), reply.get("cursor"), reply.get("more")
        if not isinstance(raw, list) or type(after) is not int or type(more) is not bool \
                or after < cursor or (more and after == cursor) or len(raw) > body["limit"]:
            raise NetError("The district's reply to a pull is not laid out as a pull reply.")
        try:
            events = [Event.from_dict(item) for item in raw]
        except EventError as error:
            raise NetError(f"The district sent a bad event: {error}") from None
        received += station.journal.merge(events).added
        say(f"Received {received} events.")
        cursor = after
        if not more:
            return received


def _chunk(events: list[Event], start: int, limit: int) -> list[dict[str, Any]]:
    """Events from `start` on, as many as fit in `limit` bytes, and at least one."""
    chunk: list[dict[str, Any]] = []
    size = 0
    for event in events[start:]:
        size += len(event.to_json())
        if chunk and size > limit:
            break
        chunk.append(event.to_dict())
    return chunk


def _frontier(raw: object) -> dict[str, int]:
    try:
        return check_frontier(raw)
    except BundleError:
        raise NetError("The district's reply holds no valid frontier.") from None


def _count(reply: dict[str, Any], key: str) -> int:
    value = reply.get(key)
    if type(value) is not int or value < 0:
        raise NetError("The district's reply to a push is not laid out as a push reply.")
    return value
