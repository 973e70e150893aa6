"""One app instance: what a forked zygote child does before and while it serves.

Order matters: connect the log sockets and bind the serving socket while still
privileged, then apply rlimits, drop to the app's uid, clear the environment,
import the entrypoint and serve. Readiness (after lifespan startup) or the
failure with its traceback goes through `ready_fd`, a pipe to the zygote.
"""

from __future__ import annotations

import asyncio
import ctypes
import importlib
import json
import logging
import os
import resource
import signal
import socket
import sys
import time
import traceback

PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
THREAD_STACK = 4 * 1024 * 1024


def _prctl(option: int, arg: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, arg, 0, 0, 0)
    except Exception:
        pass


def _log_stream(path: str, instance_id: str, stream: str) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(f"{instance_id} {stream}\n".encode())
    return s


def _apply_limits(limits: dict, as_root: bool) -> None:
    mb = 1024 * 1024
    table = [
        (resource.RLIMIT_AS, limits.get("memory_mb"), mb),
        (resource.RLIMIT_NOFILE, limits.get("open_files"), 1),
        (resource.RLIMIT_FSIZE, limits.get("file_size_mb"), mb),
        (resource.RLIMIT_CPU, limits.get("cpu_seconds"), 1),
        (resource.RLIMIT_CORE, 0, 1),
    ]
    if as_root:  # RLIMIT_NPROC counts per real uid: only meaningful with a per-app uid
        table.append((resource.RLIMIT_NPROC, limits.get("processes"), 1))
    for which, value, unit in table:
        if value is None:
            continue
        v = int(value) * unit
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY and v > hard:
            v = hard
        resource.setrlimit(which, (v, v))


class _LastError(logging.Handler):
    """Keeps the last error logged by uvicorn (e.g. a failed lifespan startup)."""

    text = ""

    def emit(self, record):
        msg = record.getMessage()
        if record.exc_info:
            msg += "\n" + "".join(traceback.format_exception(*record.exc_info))
        _LastError.text = msg


def _report(ready_fd: int, payload: dict) -> None:
    try:
        os.write(ready_fd, (json.dumps(payload) + "\n").encode())
    except OSError:
        pass


class _Trace:
    """Start-up timings on stderr when FP_TRACE=1 (for tuning wakes)."""

    def __init__(self, on: bool):
        self.on, self.t = on, time.perf_counter()

    def __call__(self, step: str) -> None:
        if self.on:
            now = time.perf_counter()
            print(f"T {step} {1000 * (now - self.t):.2f}ms", file=sys.stderr, flush=True)
            self.t = now


def load_app(code_dir: str, entrypoint: str):
    """Imports the entrypoint module from code_dir and returns its `app`."""
    os.chdir(code_dir)
    sys.path.insert(0, code_dir)
    module_name = entrypoint[:-3].replace("/", ".") if entrypoint.endswith(".py") else entrypoint
    module = importlib.import_module(module_name)
    app = getattr(module, "app", None)
    if app is None:
        raise RuntimeError(f"{entrypoint} defines no `app`: write `app = FastAPI()` or `app, rt = fast_app()`")
    return app


def _detach(close_fds: set[int], keep: set[int]) -> None:
    """First steps of every forked child: own session, default signals, die with the zygote,
    none of the zygote's descriptors (its stdin, selector, other children's pipes)."""
    os.setsid()
    for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    signal.set_wakeup_fd(-1)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    for fd in sorted(close_fds):
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def spare(spec_fd: int, ready_fd: int, close_fds: set[int], warm_app) -> None:
    """A child forked ahead of demand: it does the app-independent work (fork, framework warm-up)
    now, then waits for the zygote to hand it a spawn command and becomes that instance."""
    try:
        _detach(close_fds, {spec_fd, ready_fd})
        if warm_app is not None:
            import warmup
            warmup.warm_generic(warm_app)
            warmup.warm_server(warm_app)
        data = b""
        while not data.endswith(b"\n"):
            chunk = os.read(spec_fd, 1 << 20)
            if not chunk:
                os._exit(0)  # the zygote discarded this spare
            data += chunk
        os.close(spec_fd)
        spec = json.loads(data)
    except BaseException:
        os._exit(1)
    run(spec, ready_fd, set(), detached=True)


def run(spec: dict, ready_fd: int, close_fds: set[int], detached: bool = False) -> None:
    """Runs in the forked child; never returns (os._exit)."""
    code = 1
    trace = _Trace(os.environ.get("FP_TRACE") == "1")
    try:
        if not detached:
            _detach(close_fds, {ready_fd})
        out = _log_stream(spec["log_socket"], spec["id"], "stdout")
        err = _log_stream(spec["log_socket"], spec["id"], "stderr")
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        out.close(); err.close(); os.close(devnull)
        from request_log import TaggedStream
        sys.stdout = TaggedStream(open(1, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False))
        sys.stderr = TaggedStream(open(2, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False))

        trace("stdio")
        sock_path = spec["socket"]
        if os.path.exists(sock_path):
            os.unlink(sock_path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(sock_path)
        os.chmod(sock_path, 0o600)
        sock.listen(2048)

        trace("bind")
        as_root = os.getuid() == 0
        _apply_limits(spec.get("limits") or {}, as_root and bool(spec.get("uid")))
        if as_root and spec.get("uid"):
            os.setgroups([])
            os.setgid(int(spec["gid"]))
            os.setuid(int(spec["uid"]))
        _prctl(PR_SET_NO_NEW_PRIVS, 1)
        os.umask(0o077)
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in (spec.get("env") or {}).items()})

        trace("privileges+env")
        import threading
        threading.stack_size(THREAD_STACK)  # worker threads count against RLIMIT_AS
        app = load_app(spec["code_dir"], spec["entrypoint"])
        trace("import app")
        from middleware import PlatformMiddleware
        from warmup import warm_instance
        import uvicorn

        # log_config=None skips uvicorn's dictConfig (milliseconds on every wake): set up by hand.
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        for name in ("uvicorn", "uvicorn.error"):
            logging.getLogger(name).setLevel(logging.WARNING)
        logging.getLogger("uvicorn").addHandler(handler)
        logging.getLogger("uvicorn.error").addHandler(_LastError())
        config = uvicorn.Config(PlatformMiddleware(app), lifespan="auto", http="httptools", loop="uvloop",
                                ws="websockets-sansio", log_config=None, log_level="warning", access_log=False,
                                timeout_keep_alive=30, timeout_graceful_shutdown=5, proxy_headers=False)

        asgi = config.app
        trace("config")

        class Server(uvicorn.Server):
            async def startup(self, sockets=None):
                # Sync routes run in a worker thread: start it now, alongside the app's startup,
                # so the first request does not wait for a thread to be created and scheduled.
                import anyio.to_thread
                thread = asyncio.ensure_future(anyio.to_thread.run_sync(int))
                await super().startup(sockets=sockets)
                if not self.should_exit:
                    trace("startup")
                    await warm_instance(asgi, sock_path)
                    await thread
                    trace("warm")
                    _report(ready_fd, {"event": "ready"})

        server = Server(config)
        server.run(sockets=[sock])
        if not server.started:
            _report(ready_fd, {"event": "failed", "error": "application startup failed",
                               "traceback": _LastError.text or "lifespan startup failed"})
        code = 0 if server.started else 3
    except BaseException as e:  # report every failure, including SystemExit at import
        tb = traceback.format_exc()
        try:
            print(tb, file=sys.stderr, flush=True)
        except Exception:
            pass
        _report(ready_fd, {"event": "failed", "error": f"{type(e).__name__}: {e}", "traceback": tb})
    finally:
        try:
            sys.stdout.flush(); sys.stderr.flush()
        except Exception:
            pass
        os._exit(code)
