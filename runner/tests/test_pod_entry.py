"""The runner image's entry point, run for real: files laid out as the kubelet mounts a ConfigMap
(keys as symlinks into a ..data directory), a real uvicorn on a loopback port, real HTTP requests."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import pytest

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENTRY = os.path.join(HERE, "pod_entry.py")

APP = '''
import os
from fastapi import FastAPI
from pkg.util import greet

app = FastAPI()

@app.get("/")
def root():
    return {"msg": greet(os.environ.get("GREETING", "?")),
            "fp_vars": sorted(k for k in os.environ if k.startswith("FP_")),
            "cwd_files": sorted(os.listdir("."))}
'''
UTIL = 'def greet(g):\n    return g + " from a pod"\n'


def configmap_mount(root: str, data: dict) -> str:
    """Lays out `data` (key -> text) the way the kubelet mounts a ConfigMap volume."""
    mount = os.path.join(root, "code")
    ts = os.path.join(mount, "..2026_11_22_00_00_00.000000001")
    os.makedirs(ts)
    for key, text in data.items():
        with open(os.path.join(ts, key), "w", encoding="utf-8") as f:
            f.write(text)
    os.symlink(os.path.basename(ts), os.path.join(mount, "..data"))
    for key in data:
        os.symlink(os.path.join("..data", key), os.path.join(mount, key))
    os.chmod(ts, 0o555)
    os.chmod(mount, 0o555)
    return mount


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(mount: str, app_dir: str, entrypoint: str, extra_env=None):
    port = free_port()
    env = {"PATH": os.environ.get("PATH", ""), "PORT": str(port), "FP_HOST": "127.0.0.1",
           "FP_CODE_DIR": mount, "FP_APP_DIR": app_dir, "FP_ENTRYPOINT": entrypoint,
           "PYTHONDONTWRITEBYTECODE": "1", **(extra_env or {})}
    proc = subprocess.Popen([sys.executable, ENTRY], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return proc, f"http://127.0.0.1:{port}"


def wait_ready(proc, url: str, timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"runner exited {proc.returncode}: {proc.stderr.read().decode()}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=1) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.1)
    raise AssertionError("runner did not become ready")


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status, json.loads(r.read())


def test_serves_the_app_from_a_configmap_mount_with_a_manifest():
    with tempfile.TemporaryDirectory() as tmp:
        manifest = {"files": {"f0": "app.py", "f1": "pkg/util.py", "f2": "pkg/__init__.py"}}
        mount = configmap_mount(tmp, {"__manifest.json": json.dumps(manifest), "f0": APP, "f1": UTIL, "f2": ""})
        proc, url = start(mount, os.path.join(tmp, "app"), "app.py", {"GREETING": "hello"})
        try:
            wait_ready(proc, url)
            status, body = get_json(url + "/")
            assert status == 200
            assert body["msg"] == "hello from a pod"
            assert body["fp_vars"] == []  # the runner's own variables are not the app's environment
            assert body["cwd_files"] == ["app.py", "pkg"]  # real paths, no f0/f1 keys, no manifest
            assert get_json(url + "/health") == (200, {"status": "ok"})
        finally:
            proc.terminate()
            proc.wait(10)


def test_entrypoint_in_a_subdirectory():
    with tempfile.TemporaryDirectory() as tmp:
        main = "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\ndef r():\n    return {'where': __name__}\n"
        manifest = {"files": {"f0": "svc/main.py", "f1": "svc/__init__.py"}}
        mount = configmap_mount(tmp, {"__manifest.json": json.dumps(manifest), "f0": main, "f1": ""})
        proc, url = start(mount, os.path.join(tmp, "app"), "svc/main.py")
        try:
            wait_ready(proc, url)
            assert get_json(url + "/") == (200, {"where": "svc.main"})
        finally:
            proc.terminate()
            proc.wait(10)


@pytest.mark.parametrize("path", ["../evil.py", "/etc/evil.py", "a//b.py", "a/./b.py"])
def test_unsafe_manifest_path_is_refused_and_nothing_is_written_outside(path):
    with tempfile.TemporaryDirectory() as tmp:
        mount = configmap_mount(tmp, {"__manifest.json": json.dumps({"files": {"f0": path}}), "f0": "x = 1\n"})
        app_dir = os.path.join(tmp, "app")
        proc, _ = start(mount, app_dir, "app.py")
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 2
        assert "fastapi-platform runner:" in err.decode() and path in err.decode()
        assert not os.path.exists(os.path.join(tmp, "evil.py"))
        assert os.listdir(app_dir) == []


def test_missing_entrypoint_is_a_clear_error():
    with tempfile.TemporaryDirectory() as tmp:
        mount = configmap_mount(tmp, {"__manifest.json": json.dumps({"files": {"f0": "main.py"}}), "f0": "x = 1\n"})
        proc, _ = start(mount, os.path.join(tmp, "app"), "app.py")
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 2
        assert "entrypoint app.py is not among the app's files" in err.decode()


def test_flat_mount_without_manifest():
    with tempfile.TemporaryDirectory() as tmp:
        app = "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\ndef r():\n    return {'flat': True}\n"
        mount = configmap_mount(tmp, {"app.py": app})
        proc, url = start(mount, os.path.join(tmp, "app"), "app.py")
        try:
            wait_ready(proc, url)
            assert get_json(url + "/") == (200, {"flat": True})
        finally:
            proc.terminate()
            proc.wait(10)


def test_session_key_file_from_the_platform_env(monkeypatch):
    """FastHTML reads .sesskey beside the app: laid out from PLATFORM_SESSION_KEY unless the app ships one."""
    sys.path.insert(0, HERE)
    import pod_entry
    with tempfile.TemporaryDirectory() as tmp:
        mount = configmap_mount(tmp, {"app.py": "app = None\n"})
        monkeypatch.setenv("PLATFORM_SESSION_KEY", "k-123")
        pod_entry.layout(mount, os.path.join(tmp, "app"))
        with open(os.path.join(tmp, "app", ".sesskey")) as f:
            assert f.read() == "k-123"
        mount2 = configmap_mount(os.path.join(tmp, "b"), {"app.py": "app = None\n", ".sesskey": "own"})
        pod_entry.layout(mount2, os.path.join(tmp, "app2"))
        with open(os.path.join(tmp, "app2", ".sesskey")) as f:
            assert f.read() == "own"
