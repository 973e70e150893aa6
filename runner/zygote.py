"""The zygote: a pre-warmed Python that forks app instances in milliseconds.

It imports everything a FastAPI/FastHTML app's startup needs, freezes the heap
(gc.freeze) and then only forks. No threads, sockets or pools are open here.

Control channel: JSON lines on stdin (commands) and stdout (events). EOF on
stdin means the platform is gone: the zygote kills its children and exits.
  in : {"op": "spawn", "id", "code_dir", "entrypoint", "socket", "log_socket",
        "env", "uid", "gid", "limits"}   |   {"op": "ping"}
  out: {"event": "hello", "pid", "preload_ms"} · {"event": "spawned", "id", "pid"}
       {"event": "ready", "id", "pid"} · {"event": "failed", "id", "pid", "error", "traceback"}
       {"event": "exit", "id", "pid", "code", "signal"} · {"event": "pong"} · {"event": "error", "error"}
"""

import gc
import json
import os
import selectors
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

PRELOAD = [
    "asyncio", "json", "logging", "email.utils", "http.cookies", "typing", "uuid", "datetime",
    "fastapi", "fastapi.responses", "fastapi.staticfiles", "fastapi.templating", "fastapi.security",
    "fastapi.middleware.cors", "fastapi.openapi.utils", "fastapi.openapi.docs",
    "starlette", "starlette.applications", "starlette.responses", "starlette.routing",
    "pydantic", "pydantic.json_schema", "anyio", "anyio._backends._asyncio",
    "uvicorn", "uvicorn.config", "uvicorn.server", "uvicorn.main", "uvicorn.lifespan.on",
    "uvicorn.protocols.http.httptools_impl", "uvicorn.protocols.http.h11_impl",
    "uvicorn.protocols.websockets.websockets_sansio_impl",
    "uvicorn.loops.uvloop", "uvloop", "httptools", "websockets",
    "multipart", "jinja2", "pymongo", "bson", "httpx", "fasthtml.common",
    "request_log", "middleware", "warmup", "instance",
]


WARM_APP = None  # a small FastAPI app spares run requests through before they are needed
SPARE_DELAY = 0.15  # seconds after a spare is taken before the next one is forked (the woken app goes first)


def preload() -> float:
    """Imports the runner environment and warms lazy code paths; returns the time taken in ms."""
    t0 = time.perf_counter()
    import importlib
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception as e:  # an optional module missing must not stop the zygote
            print(f"[zygote] preload {name} skipped: {e}", file=sys.stderr, flush=True)
    try:  # warm FastAPI's lazy paths: route compilation, pydantic schemas, openapi
        from fastapi import FastAPI
        from pydantic import BaseModel

        class _Item(BaseModel):
            name: str
            price: float = 0

        warm = FastAPI()

        @warm.post("/items/{item_id}")
        async def _create(item_id: int, item: _Item) -> _Item:
            return item

        @warm.get("/items/{item_id}")
        async def _read(item_id: int, q: str | None = None) -> dict:
            return {"id": item_id, "q": q}

        warm.openapi()
        # Requests through it initialise what FastAPI does lazily on a route's first call (the
        # endpoint's source context: inspect + tokenize compile their regexes once, ~10 ms).
        import warmup
        warmup.warm_generic(warm)
        global WARM_APP
        WARM_APP = warm
    except Exception as e:
        print(f"[zygote] warm-up skipped: {e}", file=sys.stderr, flush=True)
    return (time.perf_counter() - t0) * 1000


class Zygote:
    def __init__(self):
        self.sel = selectors.DefaultSelector()
        self.children = {}  # pid → instance id
        self.pending = {}  # ready pipe fd → (instance id, pid)
        self.buf = b""
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_w, False)
        os.set_blocking(self.wake_r, False)
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGTERM, lambda *_: self.shutdown())
        self.sel.register(0, selectors.EVENT_READ, "stdin")
        self.sel.register(self.wake_r, selectors.EVENT_READ, "signal")
        # One pre-forked spare child (FP_SPARES=0 turns it off): a wake hands it the spawn command
        # instead of forking, skipping the fork and the framework's copy-on-write warm-up.
        self.spares_on = os.environ.get("FP_SPARES", "1") != "0"
        self.spare = None  # (pid, spec_w, ready_r)
        self.spare_at = time.monotonic() if self.spares_on else None

    def emit(self, **event) -> None:
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()

    def _inherited(self, *extra: int) -> set[int]:
        """Descriptors a child must close: the zygote's own and other children's pipes."""
        fds = {0, self.wake_r, self.wake_w, self.sel.fileno(), *self.pending.keys(), *extra}
        if self.spare:
            fds |= {self.spare[1], self.spare[2]}
        return fds

    def fork_spare(self) -> None:
        self.spare_at = None
        spec_r, spec_w = os.pipe()
        ready_r, ready_w = os.pipe()
        close_in_child = self._inherited(spec_w, ready_r)
        pid = os.fork()
        if pid == 0:
            import instance
            instance.spare(spec_r, ready_w, close_in_child, WARM_APP)  # never returns
        os.close(spec_r)
        os.close(ready_w)
        self.spare = (pid, spec_w, ready_r)
        self.children[pid] = None

    def take_spare(self, spec: dict):
        """Hands `spec` to the spare; returns (pid, ready pipe) or None when there is none."""
        if not self.spare:
            return None
        pid, spec_w, ready_r = self.spare
        self.spare = None
        try:
            os.write(spec_w, (json.dumps(spec) + "\n").encode())
        except OSError:  # it died meanwhile: fork as usual
            os.close(ready_r)
            return None
        finally:
            os.close(spec_w)
        self.spare_at = time.monotonic() + SPARE_DELAY
        return pid, ready_r

    def spawn(self, spec: dict) -> None:
        taken = self.take_spare(spec) if self.spares_on else None
        if taken:
            pid, ready_r = taken
        else:
            ready_r, ready_w = os.pipe()
            close_in_child = self._inherited(ready_r)
            pid = os.fork()
            if pid == 0:
                import instance
                instance.run(spec, ready_w, close_in_child)  # never returns
            os.close(ready_w)
        self.children[pid] = spec["id"]
        self.pending[ready_r] = (spec["id"], pid)
        self.sel.register(ready_r, selectors.EVENT_READ, "ready")
        self.emit(event="spawned", id=spec["id"], pid=pid)

    def on_ready_pipe(self, fd: int) -> None:
        iid, pid = self.pending.pop(fd)
        self.sel.unregister(fd)
        data = b""
        try:
            while True:  # the child writes one line then keeps (or closes) the pipe
                chunk = os.read(fd, 65536)
                data += chunk
                if not chunk or data.endswith(b"\n"):
                    break
        except OSError:
            pass
        os.close(fd)
        try:
            msg = json.loads(data.decode() or "{}")
        except ValueError:
            msg = {}
        if msg.get("event") == "ready":
            self.emit(event="ready", id=iid, pid=pid)
        else:
            self.emit(event="failed", id=iid, pid=pid, error=msg.get("error", "the app exited during startup"),
                      traceback=msg.get("traceback", ""))

    def reap(self) -> None:
        try:
            os.read(self.wake_r, 4096)
        except OSError:
            pass
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            iid = self.children.pop(pid, None)
            if self.spare and self.spare[0] == pid:  # the spare died unused: make another later
                os.close(self.spare[1]); os.close(self.spare[2])
                self.spare = None
                self.spare_at = time.monotonic() + 1.0
            if iid is None:
                continue
            code = os.waitstatus_to_exitcode(status)
            self.emit(event="exit", id=iid, pid=pid, code=code if code >= 0 else None,
                      signal=-code if code < 0 else None)

    def on_stdin(self) -> bool:
        chunk = os.read(0, 1 << 20)
        if not chunk:
            return False
        self.buf += chunk
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            if not line.strip():
                continue
            try:
                cmd = json.loads(line)
                if cmd.get("op") == "spawn":
                    self.spawn(cmd)
                elif cmd.get("op") == "ping":
                    self.emit(event="pong")
                else:
                    self.emit(event="error", error=f"unknown op {cmd.get('op')!r}")
            except Exception as e:
                self.emit(event="error", id=(cmd.get("id") if isinstance(cmd, dict) else None), error=str(e))
        return True

    def shutdown(self) -> None:
        for pid in list(self.children):
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        os._exit(0)

    def serve(self) -> None:
        while True:
            timeout = None
            if self.spare_at is not None:
                timeout = max(0.0, self.spare_at - time.monotonic())
                if timeout == 0:
                    self.fork_spare()
                    timeout = None
            for key, _ in self.sel.select(timeout):
                if key.data == "stdin":
                    if not self.on_stdin():
                        self.shutdown()
                elif key.data == "signal":
                    self.reap()
                elif key.data == "ready":
                    self.on_ready_pipe(key.fd)


def main() -> None:
    ms = preload()
    gc.collect()
    gc.freeze()
    z = Zygote()
    z.emit(event="hello", pid=os.getpid(), preload_ms=round(ms, 1))
    z.serve()


if __name__ == "__main__":
    main()
