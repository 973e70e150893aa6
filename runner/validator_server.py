"""Long-lived validator process: one JSON request per stdin line, one JSON reply per stdout line.

Request: {"id", "files": {path: text}, "entrypoint"?, "allowed_imports"?}
Reply:   {"id", "ok", "entrypoint", "diagnostics"} or {"id", "error"}
"""

import json
import sys

from validator import validate


def main() -> None:
    for line in sys.stdin:
        if not line.strip():
            continue
        rid = None
        try:
            req = json.loads(line)
            rid = req.get("id")
            out = validate(req.get("files") or {}, req.get("entrypoint"), req.get("allowed_imports"))
            out["id"] = rid
        except Exception as e:  # a bad request must never kill the validator
            out = {"id": rid, "error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
