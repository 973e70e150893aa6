"""Warm-up requests: run code paths once before they are needed, so a woken app's first real
request does not pay for lazy initialisation or copy-on-write page faults.

- zygote (before gc.freeze): `warm_generic` through a throwaway FastAPI app (lazy init shared by all)
- spare child (before it knows its app): `warm_generic` again and `warm_server` (copies the pages)
- app instance (before it reports ready): `warm_instance` through its own stack and socket
"""

from __future__ import annotations

import asyncio
import os
import socket


async def asgi_call(asgi, method: str, path: str, body: bytes = b"") -> None:
    """One synthetic HTTP request straight into an ASGI app; the answer is dropped."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": [(b"host", b"warm"), (b"content-type", b"application/json")],
             "server": ("warm", 80), "client": ("127.0.0.1", 0)}

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(_):
        pass

    await asgi(scope, receive, send)


async def socket_call(sock_path: str, raw: bytes) -> None:
    """One raw HTTP/1.1 request (with `connection: close`) over a Unix socket, read to EOF."""
    reader, writer = await asyncio.open_unix_connection(sock_path)
    writer.write(raw)
    await writer.drain()
    await asyncio.wait_for(reader.read(), 2)
    writer.close()


def _get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nhost: warm\r\nconnection: close\r\n\r\n".encode()


def _run(main) -> None:
    try:
        import uvloop
        uvloop.run(main())
    except Exception:
        pass


def warm_generic(app) -> None:
    """Requests through a throwaway FastAPI app (the zygote's): valid, invalid, missing, /health."""
    from middleware import PlatformMiddleware

    async def main() -> None:
        wrapped = PlatformMiddleware(app)
        for _ in range(3):
            await asgi_call(wrapped, "GET", "/items/1")
            await asgi_call(wrapped, "POST", "/items/1", b'{"name": "x", "price": 1}')
            await asgi_call(wrapped, "POST", "/items/1", b'{"price": "nope"}')
            await asgi_call(wrapped, "GET", "/missing")
            await asgi_call(wrapped, "GET", "/health")

    _run(main)


def warm_server(app) -> None:
    """In a spare only (it may open sockets; the zygote may not): a few requests through a throwaway
    uvicorn server on a private socket, so the HTTP protocol, transport and server code is copied."""
    import tempfile
    import uvicorn
    from middleware import PlatformMiddleware

    async def main() -> None:
        d = tempfile.mkdtemp(prefix="fp-warm-")
        path = os.path.join(d, "s.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(path)
        sock.listen(8)
        config = uvicorn.Config(PlatformMiddleware(app), lifespan="off", http="httptools", ws="websockets-sansio",
                                log_config=None, log_level="critical", access_log=False, proxy_headers=False)
        server = uvicorn.Server(config)
        # what Server.serve does, minus its main loop (it only notices an exit every 100 ms)
        config.load()
        server.lifespan = config.lifespan_class(config)
        await server.startup(sockets=[sock])
        try:
            await socket_call(path, _get("/items/1"))
            await socket_call(path, b"POST /items/2 HTTP/1.1\r\nhost: w\r\nconnection: close\r\ncontent-type: application/json\r\n"
                                    b'content-length: 25\r\n\r\n{"name": "x", "price": 1}')
            await socket_call(path, _get("/missing"))
        finally:  # not server.shutdown(): it always sleeps 100 ms for connections to close
            for srv in server.servers:
                srv.close()
            sock.close()
            os.unlink(path)
            os.rmdir(d)

    _run(main)


async def warm_instance(asgi, sock_path: str) -> None:
    """One request (it 404s) through an instance's whole stack, then one over its real socket."""
    try:
        await asgi_call(asgi, "GET", "/__fp/warm")
        await socket_call(sock_path, _get("/__fp/warm"))
    except Exception:
        pass
