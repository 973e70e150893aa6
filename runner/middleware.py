"""ASGI middleware the platform wraps around every app.

- honours the proxy's X-Forwarded-Prefix as the ASGI root_path (so /docs and
  /openapi.json work under /app/{slug}/);
- answers GET /health when the app has no route of its own there;
- turns an unhandled exception into a 500 and reports the traceback to the
  platform in the `x-fp-traceback` response header (base64), with the request id;
- puts the request id in `request_log.request_id` while the request is served, so
  the lines the app prints or logs meanwhile carry it (see request_log.py).
"""

from __future__ import annotations

import base64
import json
import sys
import traceback

from request_log import request_id

TRACEBACK_HEADER = b"x-fp-traceback"
MAX_TRACEBACK = 12_000
HOLD_LIMIT = 1 << 20


def _has_route(app, path: str) -> bool:
    for route in getattr(app, "routes", None) or []:
        if getattr(route, "path", None) == path:
            return True
    return False


def relative_traceback(tb: str) -> str:
    """Shows the app's own files as relative paths (app.py, not /data/apps/…/app.py)."""
    import os
    return tb.replace(os.getcwd().rstrip("/") + "/", "")


def encode_traceback(tb: str) -> bytes:
    """Base64 of the last MAX_TRACEBACK characters of a traceback (headers must be ASCII)."""
    return base64.b64encode(tb[-MAX_TRACEBACK:].encode("utf-8", "replace"))


class PlatformMiddleware:
    """Wraps a user's ASGI app with the platform's prefix, health and error handling."""

    def __init__(self, app):
        self.app = app
        self.own_health = _has_route(app, "/health")

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        prefix = rid = ""
        for k, v in scope.get("headers") or ():  # one pass over the headers, for both
            if k == b"x-forwarded-prefix":
                prefix = v.decode("latin-1").rstrip("/")
            elif k == b"x-request-id":
                rid = v.decode("latin-1")
        if prefix.startswith("/") and not scope.get("root_path"):
            # the server made this scope for this request alone: set the prefix in place
            scope["root_path"] = prefix
            scope["path"] = prefix + scope["path"]
            scope["raw_path"] = prefix.encode("latin-1") + (scope.get("raw_path") or b"")
        if scope["type"] == "websocket":
            return await self.app(scope, receive, send)
        route_path = scope["path"][len(scope.get("root_path", "")):] or "/"
        if route_path == "/health" and not self.own_health and scope["method"] in ("GET", "HEAD"):
            return await self._json(send, 200, {"status": "ok"})
        return await self._guarded(scope, receive, send, rid)

    async def _guarded(self, scope, receive, send, rid):
        held: list[dict] = []  # a 500 response held back until we know whether it raised
        state = {"started": False, "holding": False, "size": 0}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                state["started"] = True
                if message.get("status") == 500:
                    state["holding"] = True
                    held.append(message)
                    return
            elif state["holding"]:
                held.append(message)
                state["size"] += len(message.get("body", b""))
                if state["size"] <= HOLD_LIMIT:
                    return
                state["holding"] = False
                for m in held[:-1]:
                    await send(m)
                message = held[-1]
                held.clear()
            await send(message)

        token = request_id.set(rid or None)
        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            tb = relative_traceback(traceback.format_exc())
            print(f"[request {rid}] unhandled exception in {scope['method']} {scope['path']}\n{tb}",
                  file=sys.stderr, flush=True)
            if held:
                start = dict(held[0])
                start["headers"] = list(start.get("headers") or []) + [(TRACEBACK_HEADER, encode_traceback(tb))]
                await send(start)
                for m in held[1:]:
                    await send(m)
                if held[-1].get("more_body"):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
            elif not state["started"]:
                await self._json(send, 500, {"detail": "Internal Server Error", "request_id": rid},
                                 [(TRACEBACK_HEADER, encode_traceback(tb))])
            return
        finally:
            request_id.reset(token)
        for m in held:
            await send(m)

    @staticmethod
    async def _json(send, status, payload, extra=()):
        body = json.dumps(payload).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers + list(extra)})
        await send({"type": "http.response.body", "body": body})
