"""Entry point of the runner image on Kubernetes (docs/kubernetes.md §3).

The app's code arrives as a ConfigMap mounted read-only at FP_CODE_DIR: keys `f0`, `f1`, … hold
the files and `__manifest.json` maps each key to its relative path (ConfigMap keys cannot contain
'/'). The files are laid out under FP_APP_DIR (a writable emptyDir), then FP_ENTRYPOINT is served
with the same loader and middleware as the local runtime, by uvicorn on FP_HOST:PORT.
"""

from __future__ import annotations

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFEST = "__manifest.json"


class CodeError(Exception):
    """The mounted code is unusable (bad manifest, unsafe path, missing file)."""


def safe_relpath(path: object) -> str:
    """A relative path inside the app dir, or CodeError: no absolute path, '..', empty or odd segment."""
    if not isinstance(path, str) or not path or len(path) > 512:
        raise CodeError(f"invalid file path {path!r}")
    if path.startswith("/") or "\\" in path or "\0" in path:
        raise CodeError(f"file path must be relative: {path!r}")
    parts = path.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise CodeError(f"file path has an empty, '.' or '..' segment: {path!r}")
    return "/".join(parts)


def layout(code_dir: str, app_dir: str) -> list[str]:
    """Writes the mounted files to app_dir at their real paths; returns the relative paths."""
    manifest_path = os.path.join(code_dir, MANIFEST)
    os.makedirs(app_dir, exist_ok=True)
    if os.path.isfile(manifest_path):
        try:
            with open(manifest_path, encoding="utf-8") as f:
                files = json.load(f)["files"]
        except (ValueError, KeyError, TypeError) as e:
            raise CodeError(f"{MANIFEST} is not {{\"files\": {{key: path}}}}: {e}") from None
        if not isinstance(files, dict):
            raise CodeError(f"{MANIFEST}: \"files\" must map keys to paths")
        pairs = [(key, safe_relpath(rel)) for key, rel in files.items()]
    else:  # flat layout: every mounted file as it is (kubelet's ..data/ symlinks skipped)
        pairs = [(name, name) for name in sorted(os.listdir(code_dir))
                 if not name.startswith("..") and os.path.isfile(os.path.join(code_dir, name))]
    written = []
    for key, rel in pairs:
        if not isinstance(key, str) or "/" in key or key.startswith(".."):
            raise CodeError(f"invalid ConfigMap key {key!r}")
        src = os.path.join(code_dir, key)
        if not os.path.isfile(src):
            raise CodeError(f"{MANIFEST} names key {key!r} ({rel}) but the mount has no such file")
        dst = os.path.join(app_dir, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(src, "rb") as f_in, open(dst, "wb") as f_out:
            f_out.write(f_in.read())
        written.append(rel)
    # FastHTML keeps its session key in .sesskey next to the app: the platform's key, as locally.
    key = os.environ.get("PLATFORM_SESSION_KEY")
    if key and ".sesskey" not in written:
        with open(os.path.join(app_dir, ".sesskey"), "w", encoding="utf-8") as f:
            f.write(key)
    return written


def main() -> None:
    env = os.environ
    code_dir = env.pop("FP_CODE_DIR", "/app/code")
    app_dir = env.pop("FP_APP_DIR", "/tmp/app")
    entrypoint = env.pop("FP_ENTRYPOINT", "app.py")
    host = env.pop("FP_HOST", "0.0.0.0")
    port = int(env.get("PORT") or 8000)
    try:
        layout(code_dir, app_dir)
        safe_relpath(entrypoint)
        if not os.path.isfile(os.path.join(app_dir, entrypoint)):
            raise CodeError(f"entrypoint {entrypoint} is not among the app's files")
    except CodeError as e:
        print(f"fastapi-platform runner: {e}", file=sys.stderr, flush=True)
        sys.exit(2)

    sys.path.insert(0, HERE)
    from instance import load_app
    from middleware import PlatformMiddleware
    import uvicorn

    app = PlatformMiddleware(load_app(app_dir, entrypoint))
    uvicorn.run(app, host=host, port=port, lifespan="auto", http="httptools", loop="uvloop",
                ws="websockets-sansio", log_level="warning", access_log=False,
                timeout_keep_alive=75, timeout_graceful_shutdown=5, proxy_headers=False)


if __name__ == "__main__":
    main()
