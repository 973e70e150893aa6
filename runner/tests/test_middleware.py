import asyncio
import base64

from fastapi import FastAPI

from middleware import PlatformMiddleware


def call(app, path="/", headers=None, method="GET"):
    sent = []
    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "root_path": "",
             "query_string": b"", "headers": [(k.encode(), v.encode()) for k, v in (headers or {}).items()],
             "http_version": "1.1", "scheme": "http", "server": ("x", 80), "client": ("c", 1)}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(m):
        sent.append(m)

    asyncio.run(PlatformMiddleware(app)(scope, receive, send))
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], dict(start["headers"]), body


def make():
    app = FastAPI()

    @app.get("/")
    def root():
        return {"ok": True}

    @app.get("/boom")
    def boom():
        raise ValueError("nope")

    return app


def test_passes_through():
    assert call(make())[0] == 200


def test_health_added_when_missing():
    status, _, body = call(make(), "/health")
    assert status == 200 and b"ok" in body


def test_own_health_route_wins():
    app = FastAPI()

    @app.get("/health")
    def h():
        return {"mine": True}

    assert b"mine" in call(app, "/health")[2]


def test_exception_becomes_500_with_traceback_header():
    status, headers, _ = call(make(), "/boom", {"x-request-id": "r1"})
    assert status == 500
    tb = base64.b64decode(headers[b"x-fp-traceback"]).decode()
    assert "ValueError: nope" in tb and "in boom" in tb


def test_plain_asgi_exception_before_start():
    async def app(scope, receive, send):
        raise RuntimeError("early")

    status, headers, body = call(app, "/x", {"x-request-id": "r2"})
    assert status == 500 and b"r2" in body
    assert b"RuntimeError: early" in base64.b64decode(headers[b"x-fp-traceback"])


def test_forwarded_prefix_becomes_root_path():
    app = FastAPI()

    @app.get("/where")
    def where(request: __import__("fastapi").Request):
        return {"root": request.scope["root_path"], "url": str(request.url_for("where"))}

    _, _, body = call(app, "/where", {"x-forwarded-prefix": "/app/demo"})
    assert b'"root":"/app/demo"' in body and b"/app/demo/where" in body
