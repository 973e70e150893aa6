"""The real zygote: fork an instance, get readiness through the pipe, serve over a Unix socket."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class LogSink:
    def __init__(self, path):
        self.lines = []
        self.srv = socket.socket(socket.AF_UNIX)
        self.srv.bind(path)
        self.srv.listen(16)
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            c, _ = self.srv.accept()
            threading.Thread(target=self.read, args=(c,), daemon=True).start()

    def read(self, c):
        buf = b""
        while chunk := c.recv(4096):
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                self.lines.append(line.decode())


def http_get(path, sock_path):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    return data.decode()


def test_spawn_ready_serve_exit():
    d = tempfile.mkdtemp(prefix="fpz")
    code = os.path.join(d, "code")
    os.makedirs(code)
    with open(os.path.join(code, "app.py"), "w") as f:
        f.write("import os\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\ndef r():\n"
                "    print('called', flush=True)\n    return {'env': os.environ.get('X'), 'has_path': 'HOME' in os.environ}\n")
    with open(os.path.join(code, "bad.py"), "w") as f:
        f.write("raise ImportError('broken on purpose')\n")
    sink = LogSink(os.path.join(d, "logs.sock"))
    z = subprocess.Popen([sys.executable, "-u", os.path.join(HERE, "zygote.py")], cwd=HERE,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        hello = json.loads(z.stdout.readline())
        assert hello["event"] == "hello"

        def spawn(iid, entry):
            cmd = {"op": "spawn", "id": iid, "code_dir": code, "entrypoint": entry,
                   "socket": os.path.join(d, f"{iid}.sock"), "log_socket": os.path.join(d, "logs.sock"),
                   "env": {"X": "from-spec"}, "uid": None, "gid": None,
                   "limits": {"memory_mb": 1024, "open_files": 256, "file_size_mb": 8, "cpu_seconds": 60, "processes": 64}}
            z.stdin.write(json.dumps(cmd) + "\n")
            z.stdin.flush()

        t0 = time.perf_counter()
        spawn("good", "app.py")
        events = [json.loads(z.stdout.readline()) for _ in range(2)]
        took = time.perf_counter() - t0
        assert [e["event"] for e in events] == ["spawned", "ready"]
        assert took < 5
        body = http_get("/", os.path.join(d, "good.sock"))
        assert '"env":"from-spec"' in body and '"has_path":false' in body

        spawn("bad", "bad.py")
        events = []
        while not any(e["event"] == "failed" for e in events):
            events.append(json.loads(z.stdout.readline()))
        failed = [e for e in events if e["event"] == "failed"][0]
        assert "broken on purpose" in failed["traceback"]

        time.sleep(0.3)
        assert any("called" in line for line in sink.lines)
    finally:
        z.stdin.close()  # EOF: the zygote kills its children and exits
        z.wait(timeout=5)
    assert z.returncode == 0


def _children(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return {int(p) for p in out.split()}


def test_spare_child_serves_the_next_spawn_and_is_replaced():
    """One child is forked ahead of demand; a spawn takes it, the next spawn (before the refill)
    forks as usual; a spare that dies unused is replaced; EOF leaves no child behind."""
    d = tempfile.mkdtemp(prefix="fps")
    code = os.path.join(d, "code")
    os.makedirs(code)
    with open(os.path.join(code, "app.py"), "w") as f:
        f.write("import os\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\nasync def r():\n"
                "    return {'pid': os.getpid(), 'x': os.environ.get('X')}\n")
    LogSink(os.path.join(d, "logs.sock"))
    z = subprocess.Popen([sys.executable, "-u", os.path.join(HERE, "zygote.py")], cwd=HERE,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def spawn(iid):
        cmd = {"op": "spawn", "id": iid, "code_dir": code, "entrypoint": "app.py",
               "socket": os.path.join(d, f"{iid}.sock"), "log_socket": os.path.join(d, "logs.sock"),
               "env": {"X": iid}, "uid": None, "gid": None,
               "limits": {"memory_mb": 1024, "open_files": 256, "file_size_mb": 8, "cpu_seconds": 60, "processes": 64}}
        z.stdin.write(json.dumps(cmd) + "\n")
        z.stdin.flush()
        events = [json.loads(z.stdout.readline()) for _ in range(2)]
        assert [e["event"] for e in events] == ["spawned", "ready"], events
        return events[0]["pid"]

    def wait_spare(exclude):
        deadline = time.time() + 5
        while time.time() < deadline:
            spare = _children(z.pid) - exclude
            if spare:
                return spare.pop()
            time.sleep(0.02)
        raise AssertionError("no spare child was forked")

    try:
        assert json.loads(z.stdout.readline())["event"] == "hello"
        spare = wait_spare(set())
        time.sleep(0.3)  # let it finish its warm-up
        a = spawn("a")
        assert a == spare  # the wake was served by the spare, not a new fork
        b = spawn("b")  # right away: no spare yet, a plain fork
        assert b != a
        assert json.loads(http_get("/", os.path.join(d, "a.sock")).split("\r\n\r\n", 1)[1]) == {"pid": a, "x": "a"}
        assert json.loads(http_get("/", os.path.join(d, "b.sock")).split("\r\n\r\n", 1)[1]) == {"pid": b, "x": "b"}
        spare2 = wait_spare({a, b})
        os.kill(spare2, 9)  # a spare that dies unused is replaced, and reported to nobody
        spare3 = wait_spare({a, b, spare2})
        assert spare3 != spare2
    finally:
        z.stdin.close()
        z.wait(timeout=5)
    time.sleep(0.2)
    for pid in (a, b, spare3):
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"
