import pytest

from validator import check_path, find_app, validate

HELLO = "from fastapi import FastAPI\n\napp = FastAPI()\n\n@app.get('/')\ndef root():\n    return {'ok': True}\n"


def codes(result):
    return [d["code"] for d in result["diagnostics"]]


def test_hello_is_valid_and_entrypoint_detected():
    r = validate({"app.py": HELLO})
    assert r["ok"] and r["entrypoint"] == "app.py" and r["diagnostics"] == []


def test_main_py_and_fasthtml():
    r = validate({"main.py": "from fasthtml.common import *\napp, rt = fast_app()\n"})
    assert r["ok"] and r["entrypoint"] == "main.py"


def test_syntax_error_has_line_and_column():
    r = validate({"app.py": "from fastapi import FastAPI\napp = FastAPI()\ndef f(:\n    pass\n"})
    assert not r["ok"]
    d = r["diagnostics"][0]
    assert (d["file"], d["line"], d["code"]) == ("app.py", 3, "syntax-error")
    assert d["column"] >= 1


@pytest.mark.parametrize("src,name", [
    ("import subprocess", "subprocess"),
    ("import ctypes", "ctypes"),
    ("from importlib import import_module", "importlib"),
    ("import requests", "requests"),
    ("import socket", "socket"),
])
def test_imports_outside_allow_list(src, name):
    r = validate({"app.py": f"{src}\n{HELLO}"})
    assert not r["ok"]
    d = [x for x in r["diagnostics"] if x["code"] == "import-not-allowed"][0]
    assert name in d["message"] and d["line"] == 1


@pytest.mark.parametrize("src", [
    "eval('1')", "exec('x=1')", "compile('1','f','eval')", "__import__('os')",
    "import os\nos.system('id')", "import os as o\no.execv('/bin/sh', [])", "from os import system",
    "import os\nos.popen('id')", "__builtins__.eval('1')",
])
def test_blocked_calls(src):
    r = validate({"app.py": f"{HELLO}\n{src}\n"})
    assert "blocked-call" in codes(r), r


def test_os_environ_is_fine():
    assert validate({"app.py": "import os\n" + HELLO + "x = os.environ.get('A')\n"})["ok"]


def test_admin_allow_list_is_honoured():
    assert not validate({"app.py": "import json\n" + HELLO}, allowed_imports=["fastapi"])["ok"]
    assert validate({"app.py": "import json\n" + HELLO}, allowed_imports=["fastapi", "json"])["ok"]


def test_no_app_and_no_entrypoint():
    assert "no-app" in codes(validate({"app.py": "x = 1\n"}))
    assert "no-entrypoint" in codes(validate({"a.py": "x = 1\n", "b.py": "y = 2\n"}))
    assert "no-entrypoint" in codes(validate({"app.py": HELLO}, entrypoint="missing.py"))


def test_local_modules_and_cycles():
    files = {"app.py": "import helpers\n" + HELLO, "helpers.py": "import app\n", "pkg/__init__.py": "", "pkg/m.py": "from . import n\n", "pkg/n.py": "x=1\n"}
    r = validate(files)
    assert r["ok"]  # cycles are warnings
    assert "import-cycle" in codes(r)
    assert all(d["severity"] == "warning" for d in r["diagnostics"])


@pytest.mark.parametrize("path", ["../x.py", "/etc/passwd", "a/../../b.py", "a\x00b.py", "x" * 300 + ".py", "a//b.py", ".env", "run.sh"])
def test_bad_paths(path):
    assert check_path(path) is not None
    assert "bad-path" in codes(validate({"app.py": HELLO, path: "x=1"}))


def test_limits():
    assert "file-limit" in codes(validate({f"f{i}.py": "" for i in range(51)}))
    assert "file-limit" in codes(validate({"app.py": "#" * (100 * 1024 + 1)}))


def test_find_app_variants():
    import ast
    assert find_app(ast.parse("app: FastAPI = FastAPI()"))
    assert find_app(ast.parse("app = fastapi.FastAPI(title='x')"))
    assert find_app(ast.parse("def f():\n    app = FastAPI()")) is None
