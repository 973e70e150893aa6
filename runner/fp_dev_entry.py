"""`fp dev`: the app as the platform runs it (same loader, same middleware: /health, tracebacks,
root_path), served by uvicorn with reload. FP_CODE_DIR and FP_ENTRY name the app."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from instance import load_app  # noqa: E402
from middleware import PlatformMiddleware  # noqa: E402

app = PlatformMiddleware(load_app(os.environ["FP_CODE_DIR"], os.environ.get("FP_ENTRY", "app.py")))
