import io
import logging
import threading

from fastapi import FastAPI

from request_log import TaggedStream, request_id
from test_middleware import call


def capture():
    raw = io.StringIO()
    return raw, TaggedStream(raw)


def test_lines_begun_under_a_request_id_are_tagged_others_not():
    raw, out = capture()
    out.write("before\n")
    token = request_id.set("req123")
    try:
        print("a", "b", file=out)
        out.write("partial ")
        out.write("end\nnext line\n")
    finally:
        request_id.reset(token)
    out.write("after\n")
    assert raw.getvalue() == "before\n\x1ereq123\x1fa b\n\x1ereq123\x1fpartial end\n\x1ereq123\x1fnext line\nafter\n"


def test_unsafe_ids_are_not_tagged():
    raw, out = capture()
    token = request_id.set("bad id\x1f")
    try:
        out.write("x\n")
    finally:
        request_id.reset(token)
    assert raw.getvalue() == "x\n"


def test_the_middleware_sets_the_id_for_async_sync_and_logging_code():
    raw, out = capture()
    log = logging.getLogger("fp-test-app")
    log.propagate = False
    log.addHandler(logging.StreamHandler(out))
    app = FastAPI()

    @app.get("/async")
    async def a():
        print("in async", file=out)
        return {}

    @app.get("/sync")
    def s():
        print("in sync thread", threading.current_thread().name != "MainThread", file=out)
        log.warning("logged")
        return {}

    assert call(app, "/async", {"x-request-id": "r1"})[0] == 200
    assert call(app, "/sync", {"x-request-id": "r2"})[0] == 200
    assert call(app, "/async")[0] == 200
    assert raw.getvalue() == "\x1er1\x1fin async\n\x1er2\x1fin sync thread True\n\x1er2\x1flogged\nin async\n"
    assert request_id.get() is None
