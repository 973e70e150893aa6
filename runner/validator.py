"""Static checks for an app's files before it is deployed.

A guard rail for honest mistakes, not the security boundary (the sandbox is):
syntax errors with line/column, imports outside the allow-list, blocked calls,
entrypoint detection, file limits, unsafe paths and import cycles between the
app's own modules. Used by the platform's long-lived validator process and by
the `fp validate` CLI, so both give the same messages.
"""

from __future__ import annotations

import ast
import posixpath
import re

MAX_FILES = 50
MAX_FILE_BYTES = 100 * 1024
MAX_TOTAL_BYTES = 500 * 1024
MAX_PATH_LEN = 200
TEXT_EXTENSIONS = {
    ".py", ".html", ".htm", ".css", ".js", ".mjs", ".svg", ".json", ".md", ".txt",
    ".csv", ".toml", ".yaml", ".yml", ".jinja", ".j2", ".xml", ".ini", ".cfg",
}

DEFAULT_ALLOWED_IMPORTS = [
    # web and data
    "fastapi", "starlette", "pydantic", "pydantic_core", "pymongo", "bson", "jinja2",
    "httpx", "fasthtml", "fastcore", "multipart", "python_multipart", "annotated_types",
    "typing_extensions", "uvicorn", "anyio", "sniffio",
    # safe standard library
    "__future__", "abc", "array", "asyncio", "base64", "binascii", "bisect", "calendar",
    "collections", "contextlib", "contextvars", "copy", "csv", "dataclasses", "datetime",
    "decimal", "difflib", "email", "enum", "errno", "fractions", "functools", "gzip",
    "hashlib", "heapq", "hmac", "html", "http", "io", "ipaddress", "itertools", "json",
    "logging", "math", "mimetypes", "numbers", "operator", "os", "pathlib", "pprint",
    "queue", "random", "re", "secrets", "statistics", "string", "struct", "sys", "tempfile",
    "textwrap", "threading", "concurrent", "time", "timeit", "traceback", "types", "typing", "unicodedata", "urllib",
    "uuid", "warnings", "weakref", "zlib", "zoneinfo",
]

# Calls that run code or start processes: named builtins and module attributes.
BLOCKED_NAMES = {"eval", "exec", "compile", "__import__", "breakpoint"}
BLOCKED_ATTRS = {
    "os": {"system", "popen", "fork", "forkpty", "execl", "execle", "execlp", "execlpe",
           "execv", "execve", "execvp", "execvpe", "spawnl", "spawnle", "spawnlp",
           "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe", "posix_spawn",
           "posix_spawnp", "kill", "killpg", "setuid", "setgid", "chroot"},
}
ALWAYS_BLOCKED_MODULES = {"subprocess", "ctypes", "cffi", "multiprocessing", "pty",
                          "importlib", "socket", "signal", "resource", "marshal", "pickle",
                          "shutil", "code", "codeop", "runpy", "builtins"}

_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")


def check_path(path: str) -> str | None:
    """Return why a file path is unsafe, or None when it is a clean relative path."""
    if not isinstance(path, str) or not path:
        return "file path is empty"
    if "\x00" in path:
        return "file path contains a NUL byte"
    if len(path) > MAX_PATH_LEN:
        return f"file path is longer than {MAX_PATH_LEN} characters"
    if path.startswith("/") or "\\" in path:
        return "file path must be relative and use '/'"
    if posixpath.normpath(path) != path:
        return "file path must be normalized (no '.', '..' or '//')"
    for seg in path.split("/"):
        if seg in ("", ".", "..") or not _SEGMENT.match(seg):
            return f"file path segment {seg!r} is not allowed (letters, digits, '_', '-', '.')"
    ext = posixpath.splitext(path)[1].lower()
    if ext not in TEXT_EXTENSIONS:
        return f"file type {ext or '(none)'!r} is not allowed"
    return None


def _diag(file, line, column, severity, code, message):
    return {"file": file, "line": line, "column": column, "severity": severity,
            "code": code, "message": message}


def _module_name(path: str) -> str:
    mod = path[:-3].replace("/", ".")
    return mod[: -len(".__init__")] if mod.endswith(".__init__") else mod


class _Checker(ast.NodeVisitor):
    def __init__(self, file, allowed, local_modules, package):
        self.file, self.allowed, self.local, self.package = file, allowed, local_modules, package
        self.diags: list[dict] = []
        self.local_imports: set[str] = set()
        self.aliases: dict[str, str] = {}

    def _import(self, node, name: str):
        top = name.split(".")[0]
        if name in self.local or top in self.local:
            self.local_imports.add(name if name in self.local else top)
            return
        if top in ALWAYS_BLOCKED_MODULES or top not in self.allowed:
            self.diags.append(_diag(self.file, node.lineno, node.col_offset + 1, "error",
                                    "import-not-allowed",
                                    f"import of '{name}' is not allowed on this platform"))

    def visit_Import(self, node):
        for alias in node.names:
            self._import(node, alias.name)
            local_name = alias.asname or alias.name.split(".")[0]
            self.aliases[local_name] = alias.name if alias.asname else alias.name.split(".")[0]
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        if node.level:
            base = self.package.split(".")[: len(self.package.split(".")) - node.level + 1] if self.package else []
            name = ".".join([p for p in base if p] + ([node.module] if node.module else []))
            if name:
                self.local_imports.add(name if name in self.local else name.split(".")[0])
            for alias in node.names:
                sub = f"{name}.{alias.name}" if name else alias.name
                if sub in self.local:
                    self.local_imports.add(sub)
        elif node.module:
            self._import(node, node.module)
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                if sub in self.local:
                    self.local_imports.add(sub)
                if node.module in BLOCKED_ATTRS and alias.name in BLOCKED_ATTRS[node.module]:
                    self._blocked(node, f"{node.module}.{alias.name}")
        self.generic_visit(node)

    def _blocked(self, node, name):
        self.diags.append(_diag(self.file, node.lineno, node.col_offset + 1, "error",
                                "blocked-call", f"'{name}' is blocked on this platform"))

    def visit_Name(self, node):
        if node.id in BLOCKED_NAMES:
            self._blocked(node, node.id)

    def visit_Attribute(self, node):
        if isinstance(node.value, ast.Name):
            mod = self.aliases.get(node.value.id, node.value.id)
            if mod in BLOCKED_ATTRS and node.attr in BLOCKED_ATTRS[mod]:
                self._blocked(node, f"{mod}.{node.attr}")
            if node.value.id == "__builtins__":
                self._blocked(node, f"__builtins__.{node.attr}")
        self.generic_visit(node)


def _call_name(call: ast.AST) -> str | None:
    if not isinstance(call, ast.Call):
        return None
    f = call.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return None


def find_app(tree: ast.Module) -> tuple[str, int] | None:
    """Find a module-level `app = FastAPI(...)`/`FastHTML(...)` or `app, rt = fast_app()`."""
    for node in tree.body:
        targets, value = [], None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        name = _call_name(value) if value is not None else None
        for t in targets:
            if isinstance(t, ast.Name) and t.id == "app" and name:
                return name, node.lineno
            if isinstance(t, ast.Tuple) and t.elts and isinstance(t.elts[0], ast.Name) \
                    and t.elts[0].id == "app" and name in ("fast_app", "FastHTMLWithLiveReload"):
                return name, node.lineno
    return None


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, seen, stack, on = [], set(), [], set()

    def visit(n):
        seen.add(n); stack.append(n); on.add(n)
        for m in sorted(graph.get(n, ())):
            if m not in graph:
                continue
            if m in on:
                cyc = stack[stack.index(m):] + [m]
                if sorted(cyc[:-1]) not in [sorted(c[:-1]) for c in found]:
                    found.append(cyc)
            elif m not in seen:
                visit(m)
        stack.pop(); on.discard(n)

    for n in sorted(graph):
        if n not in seen:
            visit(n)
    return found


def validate(files: dict, entrypoint: str | None = None, allowed_imports=None) -> dict:
    """Check an app's files; return {"ok", "entrypoint", "diagnostics"}."""
    allowed = set(allowed_imports if allowed_imports is not None else DEFAULT_ALLOWED_IMPORTS)
    diags: list[dict] = []
    if not isinstance(files, dict) or not files:
        diags.append(_diag("", 1, 1, "error", "no-files", "the app has no files"))
        return {"ok": False, "entrypoint": entrypoint, "diagnostics": diags}
    if len(files) > MAX_FILES:
        diags.append(_diag("", 1, 1, "error", "file-limit", f"too many files: {len(files)} > {MAX_FILES}"))
    total = 0
    for path, content in files.items():
        why = check_path(path)
        if why:
            diags.append(_diag(str(path)[:MAX_PATH_LEN], 1, 1, "error", "bad-path", why))
        if not isinstance(content, str):
            diags.append(_diag(path, 1, 1, "error", "bad-content", "file content must be text"))
            continue
        size = len(content.encode("utf-8", "surrogatepass"))
        total += size
        if size > MAX_FILE_BYTES:
            diags.append(_diag(path, 1, 1, "error", "file-limit",
                               f"file is {size} bytes; the limit is {MAX_FILE_BYTES}"))
    if total > MAX_TOTAL_BYTES:
        diags.append(_diag("", 1, 1, "error", "file-limit",
                           f"files total {total} bytes; the limit is {MAX_TOTAL_BYTES}"))
    if diags:
        return {"ok": False, "entrypoint": entrypoint, "diagnostics": diags}

    py = {p: c for p, c in files.items() if p.endswith(".py")}
    local = {_module_name(p): p for p in py}
    # packages are importable by their directory name too
    for p in py:
        parts = p.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            local.setdefault(".".join(parts[:i]), p)
    trees, graph = {}, {}
    for path, content in py.items():
        try:
            tree = ast.parse(content, filename=path)
        except SyntaxError as e:
            diags.append(_diag(path, e.lineno or 1, e.offset or 1, "error", "syntax-error",
                               f"{e.msg}"))
            continue
        trees[path] = tree
        mod = _module_name(path)
        pkg = mod if path.endswith("__init__.py") else mod.rpartition(".")[0]
        checker = _Checker(path, allowed, set(local), pkg)
        checker.visit(tree)
        diags.extend(checker.diags)
        graph[mod] = {m for m in checker.local_imports if m != mod}

    if entrypoint is None:
        for cand in ("app.py", "main.py"):
            if cand in py:
                entrypoint = cand
                break
        else:
            if len(py) == 1:
                entrypoint = next(iter(py))
    if entrypoint is None or entrypoint not in files:
        diags.append(_diag(entrypoint or "", 1, 1, "error", "no-entrypoint",
                           "no entrypoint: add app.py or main.py, or name the entrypoint file"
                           if entrypoint is None else f"entrypoint {entrypoint!r} is not one of the app's files"))
    elif not entrypoint.endswith(".py"):
        diags.append(_diag(entrypoint, 1, 1, "error", "no-entrypoint", "the entrypoint must be a .py file"))
    elif entrypoint in trees and find_app(trees[entrypoint]) is None:
        diags.append(_diag(entrypoint, 1, 1, "error", "no-app",
                           "no module-level `app` found: write `app = FastAPI()` "
                           "or `app, rt = fast_app()`"))

    for cyc in _cycles(graph):
        first = local.get(cyc[0], "")
        diags.append(_diag(first, 1, 1, "warning", "import-cycle",
                           "import cycle between the app's modules: " + " -> ".join(cyc)))
    ok = not any(d["severity"] == "error" for d in diags)
    return {"ok": ok, "entrypoint": entrypoint, "diagnostics": diags}
