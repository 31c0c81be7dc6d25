"""The district's HTTP sync API, on Starlette (served by uvicorn).

Starlette because it is a small, well-kept ASGI toolkit with no code generation or
validation layer we would not use (FastAPI is built on it), and uvicorn is its usual
server.  Every request is untrusted: bodies are capped, parsed as JSON, checked, and
each refusal is one sentence in {"error": ...} with a fitting status.  Bodies travel
gzip-compressed both ways when the other side says so: events are repetitive JSON, and
the link to a rural school is the slow part.

    POST /v1/hello  {"device", "frontier"}          -> {"school", "frontier"}
    POST /v1/push   {"device", "events"}            -> {"added", "duplicates", "frontier"}
    POST /v1/pull   {"frontier", "cursor", "limit"} -> {"events", "cursor", "more"}
    POST /v1/packs  {"installed": {id: version}}    -> {"packs": [{"id", "version", "sha256", "size"}]}
    GET  /v1/pack/{sha256}  [Range: bytes=N-]       -> the pack file, 206 for a range

Pack files go out through Starlette's FileResponse, which streams from disk and answers
a byte range with 206 and Content-Range; the Range header is checked here first, so
anything but one satisfiable range is refused with a sentence rather than served whole.

A token opens one station slot of one school; the first hello binds it to that
station's device id, and it opens nothing else afterwards.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from district import packs
from district.schools import token_digest
from district.store import Slot, Store, StoreConflict
from engine.errors import PathstoneError
from engine.event import Event, EventError, is_valid_name
from engine.sync.bundle import BundleError, check_frontier
from engine.sync.downloads import VERSION
from engine.sync.inflate import Damaged, TooLarge, inflate

MAX_REQUEST_BYTES = 4 * 1024 * 1024
MAX_PULL = 1000
MAX_INSTALLED = 1000
_RANGE = re.compile(r"bytes=(\d{1,12})-(\d{1,12})?")
_SHA256 = re.compile(r"[0-9a-f]{64}")


class Refused(PathstoneError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


Handler = Callable[[Store, Slot, str, dict[str, Any]], dict[str, Any]]


def create_app(store: Store) -> Starlette:
    def route(path: str, handler: Handler) -> Route:
        async def endpoint(request: Request) -> JSONResponse:
            try:
                digest = _token(request)
                body = await _body(request)
                reply = await run_in_threadpool(_authorised, store, digest, handler, body)
            except Refused as refused:
                return JSONResponse({"error": str(refused)}, status_code=refused.status)
            except StoreConflict as conflict:
                return JSONResponse({"error": str(conflict)}, status_code=409)
            return JSONResponse(reply)
        return Route(path, endpoint, methods=["POST"])

    async def download(request: Request) -> Response:
        try:
            digest = _token(request)
            path = await run_in_threadpool(_pack_path, store, digest, request.path_params["sha256"])
            _check_range(request.headers.get("range"), path.stat().st_size)
        except Refused as refused:
            return JSONResponse({"error": str(refused)}, status_code=refused.status)
        return FileResponse(path, media_type="application/octet-stream")

    return Starlette(
        routes=[route("/v1/hello", _hello), route("/v1/push", _push), route("/v1/pull", _pull),
                route("/v1/packs", _packs), Route("/v1/pack/{sha256}", download, methods=["GET"])],
        middleware=[Middleware(GZipMiddleware, minimum_size=1024)])


def _token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Refused(401, "This request carries no station token.")
    return token_digest(token.strip())


async def _body(request: Request) -> dict[str, Any]:
    declared = request.headers.get("content-length", "0")
    if not declared.isdigit() or int(declared) > MAX_REQUEST_BYTES:
        raise Refused(413, "This request is larger than the district accepts.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_REQUEST_BYTES:
            raise Refused(413, "This request is larger than the district accepts.")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if request.headers.get("content-encoding", "identity") == "gzip":
        raw = _gunzip(raw)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise Refused(400, "This request's body is not JSON.") from None
    if not isinstance(body, dict):
        raise Refused(400, "This request's body is not a JSON object.")
    return body


def _gunzip(packed: bytes) -> bytes:
    try:
        return inflate(packed, MAX_REQUEST_BYTES * 8, gzip=True)
    except Damaged:
        raise Refused(400, "This request's gzip body is damaged.") from None
    except TooLarge:
        raise Refused(413, "This request is larger than the district accepts once unpacked.") from None


def _authorised(store: Store, digest: str, handler: Handler, body: dict[str, Any]) -> dict[str, Any]:
    slot = store.slot(digest)
    if slot is None:
        raise Refused(401, "This station token is not known to the district.")
    return handler(store, slot, digest, body)


def _device(slot: Slot, body: dict[str, Any]) -> str:
    device = body.get("device")
    if not is_valid_name(device):
        raise Refused(400, "This request names no valid device id.")
    if slot.device is not None and slot.device != device:
        raise Refused(403, "This station token belongs to another station.")
    return str(device)


def _frontier(raw: object) -> dict[str, int]:
    try:
        return check_frontier(raw)
    except BundleError as error:
        raise Refused(400, str(error)) from None


def _hello(store: Store, slot: Slot, digest: str, body: dict[str, Any]) -> dict[str, Any]:
    device = _device(slot, body)
    frontier = _frontier(body.get("frontier"))
    if slot.device is None:
        store.bind(digest, device)
    store.acknowledge(slot.school, device, frontier)
    return {"school": slot.school, "frontier": store.frontier(slot.school)}


def _push(store: Store, slot: Slot, digest: str, body: dict[str, Any]) -> dict[str, Any]:
    device = _device(slot, body)
    if slot.device is None:
        raise Refused(403, "This station must say hello before it sends events.")
    raw = body.get("events")
    if not isinstance(raw, list):
        raise Refused(400, "This request's events are not a list.")
    try:
        events = [Event.from_dict(item) for item in raw]
    except EventError as error:
        raise Refused(400, str(error)) from None
    added, duplicates = store.merge(slot.school, events)
    frontier = store.frontier(slot.school)
    store.acknowledge(slot.school, device, {o: s for o, s in frontier.items() if o == device})
    return {"added": added, "duplicates": duplicates, "frontier": frontier}


def _pull(store: Store, slot: Slot, digest: str, body: dict[str, Any]) -> dict[str, Any]:
    base = _frontier(body.get("frontier"))
    cursor, limit = body.get("cursor"), body.get("limit")
    if type(cursor) is not int or cursor < 0 or type(limit) is not int or not 1 <= limit <= MAX_PULL:
        raise Refused(400, f"A pull needs a cursor from 0 up and a limit from 1 to {MAX_PULL}.")
    page = store.page(slot.school, base, cursor, limit)
    return {"events": [e.to_dict() for e in page.events], "cursor": page.cursor, "more": page.more}


def _packs(store: Store, slot: Slot, digest: str, body: dict[str, Any]) -> dict[str, Any]:
    installed = body.get("installed")
    if not isinstance(installed, dict) or len(installed) > MAX_INSTALLED or not all(
            is_valid_name(k) and isinstance(v, str) and VERSION.fullmatch(v)
            for k, v in installed.items()):
        raise Refused(400, "A packs request needs the installed packs as ids to versions like 1.2.3.")
    offered = packs.newer(store, slot.school, installed)
    return {"packs": [{"id": r.id, "version": r.version, "sha256": r.sha256, "size": r.size}
                      for r in offered]}


def _pack_path(store: Store, digest: str, sha256: str) -> Path:
    slot = store.slot(digest)
    if slot is None:
        raise Refused(401, "This station token is not known to the district.")
    path = store.pack_file(sha256) if _SHA256.fullmatch(sha256) else None
    if path is None or not any(r.sha256 == sha256 for r in store.packs(slot.school)):
        raise Refused(404, "The district offers no such pack to this station's school.")
    return path


def _check_range(header: str | None, size: int) -> None:
    if header is None:
        return
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        raise Refused(416, "The district serves one byte range of the form bytes=N- or bytes=N-M.")
    start, end = int(match[1]), match[2]
    if start >= size or (end is not None and int(end) < start):
        raise Refused(416, f"The byte range asked for lies outside the pack's {size} bytes.")
