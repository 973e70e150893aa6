"""Tags what an app prints while it serves a request with that request's id.

The platform's middleware puts the proxy's x-request-id in a context variable for
the time of a request (asyncio tasks and the thread pool of sync routes inherit
it). sys.stdout and sys.stderr are wrapped so that each line begun under a
request id starts with an invisible tag: RS, the id, US. The platform's log
socket strips the tag and stores the id with the line, so a run's detail shows
the lines its attempts printed or logged. Bytes written to fd 1/2 directly
(subprocesses, os.write) pass untagged.
"""

from __future__ import annotations

import contextvars
import io
import threading

TAG_START = "\x1e"
TAG_END = "\x1f"

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("fp_request_id", default=None)


def _safe(rid: str) -> bool:
    return 0 < len(rid) <= 64 and all(c.isalnum() or c in "-_" for c in rid)


class TaggedStream(io.TextIOBase):
    """A text stream that prefixes lines begun during a request with the request's tag."""

    def __init__(self, raw):
        self._raw = raw
        self._lock = threading.Lock()
        self._line_start = True

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        if not s:
            return 0
        rid = request_id.get()
        tag = f"{TAG_START}{rid}{TAG_END}" if rid and _safe(rid) else ""
        with self._lock:
            if not tag:
                self._raw.write(s)
            else:
                out = []
                parts = s.split("\n")
                for i, part in enumerate(parts):
                    piece = part + ("\n" if i < len(parts) - 1 else "")
                    if not piece:
                        continue
                    if self._line_start:
                        out.append(tag)
                    out.append(piece)
                    self._line_start = piece.endswith("\n")
                self._raw.write("".join(out))
                return len(s)
            self._line_start = s.endswith("\n")
        return len(s)

    def flush(self):
        self._raw.flush()

    def fileno(self):
        return self._raw.fileno()

    def isatty(self):
        return False

    def writable(self):
        return True

    @property
    def encoding(self):
        return self._raw.encoding

    @property
    def errors(self):
        return self._raw.errors

    @property
    def buffer(self):
        return self._raw.buffer
