"""Unit tests of the Python SDK and its build script, run on the host
Python against bindings componentize-py generates (their host calls are
replaced by fakes here). Run: guest-sdk/python/.venv/bin/python -m unittest
discover guest-sdk/python/tests (after guest-sdk/python/setup)."""

import ast
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import unittest.mock

SDK = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WIT = os.path.join(SDK, "..", "..", "wit", "socket.wit")


def _test_bindings(dest):
    """Bindings of one world with everything the SDK touches: the HTTP
    handler world (wasi:http, socket, store, context, queue) plus every
    socket.wit export. The guest WIT comes from scripts/guest-wit, or from
    $SWITCHBOARD_GUEST_WIT when set."""
    wit_dir = os.path.join(dest, "wit")
    assembled = os.path.join(dest, "guest-wit")
    if os.environ.get("SWITCHBOARD_GUEST_WIT"):
        assembled = os.environ["SWITCHBOARD_GUEST_WIT"]
    else:
        subprocess.run([os.path.join(SDK, "..", "..", "scripts", "guest-wit"), assembled], check=True)
    shutil.copytree(os.path.join(assembled, "deps"), os.path.join(wit_dir, "deps"))
    os.makedirs(os.path.join(wit_dir, "deps", "switchboard-guest"))
    shutil.copyfile(os.path.join(assembled, "http.wit"),
                    os.path.join(wit_dir, "deps", "switchboard-guest", "http.wit"))
    with open(WIT) as f:
        version = next(line for line in f if line.startswith("package ")).strip().rstrip(";").rpartition("@")[2]
    with open(os.path.join(wit_dir, "all.wit"), "w") as f:
        f.write("package switchboard:python-tests;\nworld all {\n")
        f.write(f"    include switchboard:guest/http-handler@{version};\n")
        for name in ("handler", "authenticate", "presence", "logging", "job", "schedule"):
            f.write(f"    export switchboard:socket/{name}@{version};\n")
        f.write("}\n")
    out = os.path.join(dest, "bindings")
    subprocess.run(
        [os.path.join(SDK, ".venv", "bin", "componentize-py"), "-d", wit_dir, "-w", "all",
         "bindings", out],
        check=True, stdout=subprocess.DEVNULL,
    )
    return out


_bindings = tempfile.TemporaryDirectory(prefix="switchboard-bindings-")
sys.path[:0] = [_test_bindings(_bindings.name), os.path.join(SDK, "src")]

from componentize_py_types import Err, Ok  # noqa: E402
from wit_world.imports import context as host_context  # noqa: E402
from wit_world.exports import job as wit_job  # noqa: E402
from wit_world.exports import schedule as wit_schedule  # noqa: E402
from wit_world.imports import outgoing_handler as host_outgoing  # noqa: E402
from wit_world.imports import queue as host_queue  # noqa: E402
from wit_world.imports import socket as host_socket  # noqa: E402
from wit_world.imports import store as host_store  # noqa: E402
from wit_world.imports import streams as wasi_streams  # noqa: E402
from wit_world.imports import wasi_http_types as wasi  # noqa: E402

import switchboard  # noqa: E402
from switchboard import _data, _exports, _http_exports, _job_exports, _schedule_exports  # noqa: E402
from switchboard import context, http, queue, socket, store  # noqa: E402
from switchboard._wit import types as wit  # noqa: E402

_spec = importlib.util.spec_from_file_location("sdk_build", os.path.join(SDK, "build.py"))
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)


class FakeHost:
    """Records what the SDK asks of the host; `refuse` makes every host
    call fail with that reason."""

    STORE = ("get", "set", "delete", "set_add", "set_remove", "set_members")

    def __init__(self, test):
        self.sent = []
        self.refuse = None
        self.values = {}
        self.sets = {}
        patched = [(host_socket, n) for n in ("send", "send_to", "is_online")]
        patched += [(host_store, n) for n in self.STORE]
        for module, name in patched:
            test.addCleanup(setattr, module, name, getattr(module, name))
        host_socket.send = self.send
        host_socket.send_to = lambda users, data: self.send(data, users)
        host_socket.is_online = self.checked(lambda user: user == "ann")
        for name in self.STORE:
            setattr(host_store, name, self.checked(getattr(self, "store_" + name)))

    def checked(self, fn):
        def call(*args):
            if self.refuse:
                raise Err(self.refuse)
            return fn(*args)
        return call

    def send(self, data, users=None):
        if self.refuse:
            raise Err(self.refuse)
        self.sent.append((users, data))

    def store_get(self, key):
        return self.values.get(key)

    def store_set(self, key, value):
        self.values[key] = value

    def store_delete(self, key):
        return self.values.pop(key, None) is not None

    def store_set_add(self, key, member):
        members = self.sets.setdefault(key, set())
        new = member not in members
        members.add(member)
        return new

    def store_set_remove(self, key, member):
        members = self.sets.get(key, set())
        there = member in members
        members.discard(member)
        return there

    def store_set_members(self, key):
        return sorted(self.sets.get(key, ()))


def request(data, user=None, params=()):
    return wit.Request("c1", data, "r1", user, list(params))


class JsonTest(unittest.TestCase):
    def test_like_serde_json(self):
        cases = [
            ({"b": 1, "a": [True, None, "é\n\u0001"]}, '{"a":[true,null,"é\\n\\u0001"],"b":1}'),
            ([1.0, 0.1, 1e16, 1e15, 1e-7, 0.0001, -0.0, 1.5e300, 123.456],
             "[1.0,0.1,1e+16,1000000000000000.0,1e-7,0.0001,-0.0,1.5e+300,123.456]"),
            ([float("nan"), float("inf")], "[null,null]"),
            ({1: "x", None: 2}, '{"1":"x","null":2}'),
            ((1, 2), "[1,2]"),
        ]
        for value, text in cases:
            self.assertEqual(_data.dumps(value), text)

    def test_reads_like_serde_json(self):
        self.assertEqual(_data.loads("[-0, 18446744073709551615, 18446744073709551616]"),
                         [-0.0, 18446744073709551615, 1.8446744073709552e19])

    def test_rejects_other_types(self):
        with self.assertRaises(TypeError):
            _data.dumps({"x": object()})

    def test_message_kinds(self):
        self.assertEqual(_data.to_wit("hi"), wit.Data_Text("hi"))
        self.assertEqual(_data.to_wit(b"\x00"), wit.Data_Binary(b"\x00"))
        self.assertEqual(_data.to_wit(bytearray(b"\x01")), wit.Data_Binary(b"\x01"))
        self.assertEqual(_data.to_wit({"a": 1}), wit.Data_Json('{"a":1}'))
        self.assertEqual(_data.to_wit(None), wit.Data_Json("null"))


class SocketAndStoreTest(unittest.TestCase):
    def test_send_and_send_to(self):
        host = FakeHost(self)
        socket.send({"x": 1})
        socket.to(["ann", "bob"]).send("hi")
        socket.to("ann").send(b"\x01")
        self.assertEqual(host.sent, [
            (None, wit.Data_Json('{"x":1}')),
            (["ann", "bob"], wit.Data_Text("hi")),
            (["ann"], wit.Data_Binary(b"\x01")),
        ])
        self.assertTrue(socket.is_online("ann"))
        self.assertFalse(socket.is_online("bob"))

    def test_store_round_trip(self):
        FakeHost(self)
        self.assertIsNone(store.get("k"))
        self.assertIsNone(store.set("k", "v"))
        self.assertEqual(store.get("k"), "v")
        self.assertTrue(store.delete("k"))
        self.assertFalse(store.delete("k"))
        self.assertTrue(store.set_add("s", "b"))
        self.assertFalse(store.set_add("s", "b"))
        store.set_add("s", "a")
        self.assertEqual(store.set_members("s"), ["a", "b"])
        self.assertTrue(store.set_remove("s", "a"))
        self.assertFalse(store.set_remove("s", "a"))
        self.assertEqual(store.set_members("none"), [])

    def test_host_errors_raise(self):
        host = FakeHost(self)
        host.refuse = "too many recipients"
        with self.assertRaises(switchboard.SendError) as caught:
            socket.to(["a"] * 101).send("x")
        self.assertEqual(str(caught.exception), "too many recipients")
        host.refuse = "the store is full"
        with self.assertRaises(switchboard.StoreError) as caught:
            store.set_add("k", "m")
        self.assertEqual(str(caught.exception), "the store is full")
        self.assertIsInstance(caught.exception, switchboard.HostError)

    def test_every_store_error_raises(self):
        host = FakeHost(self)
        host.refuse = "key is longer than 256 bytes"
        key = "k" * 300
        calls = {
            "get": lambda: store.get(key),
            "set": lambda: store.set(key, "v"),
            "delete": lambda: store.delete(key),
            "set_add": lambda: store.set_add(key, "m"),
            "set_remove": lambda: store.set_remove(key, "m"),
            "set_members": lambda: store.set_members(key),
        }
        for name, call in calls.items():
            with self.subTest(name):
                with self.assertRaises(switchboard.StoreError) as caught:
                    call()
                self.assertEqual(str(caught.exception), "key is longer than 256 bytes")
                self.assertEqual(caught.exception.message, "key is longer than 256 bytes")

    def test_is_online_error_raises(self):
        host = FakeHost(self)
        host.refuse = "presence backend unreachable"
        with self.assertRaises(switchboard.HostError) as caught:
            socket.is_online("ann")
        self.assertEqual(str(caught.exception), "presence backend unreachable")
        self.assertNotIsInstance(caught.exception, switchboard.SendError)


class ContextTest(unittest.TestCase):
    def test_user_and_params(self):
        for name in ("user", "params"):
            self.addCleanup(setattr, host_context, name, getattr(host_context, name))
        host_context.user = lambda: wit.User("ann", '{"role":"x"}', None)
        host_context.params = lambda: [("room", "r1"), ("id", "7")]
        self.assertEqual(context.user(), switchboard.User("ann", {"role": "x"}))
        self.assertEqual(context.params(), {"room": "r1", "id": "7"})
        host_context.user = lambda: None
        host_context.params = lambda: []
        self.assertIsNone(context.user())
        self.assertEqual(context.params(), {})


class QueueTest(unittest.TestCase):
    def setUp(self):
        self.pushed = []
        self.refuse = None
        self.addCleanup(setattr, host_queue, "push", host_queue.push)

        def push(name, payload, options):
            if self.refuse:
                raise Err(self.refuse)
            self.pushed.append((name, payload, options))
            return f"job-{len(self.pushed)}"

        host_queue.push = push

    def test_push_writes_json_and_options(self):
        self.assertEqual(queue.push("work", {"b": [1.0], "a": None}), "job-1")
        self.assertEqual(queue.push("work", "text", delay_ms=1500, idempotency_key="k1"), "job-2")
        queue.push("work", [1, 2])
        self.assertEqual(self.pushed, [
            ("work", '{"a":null,"b":[1.0]}', host_queue.PushOptions(None, None)),
            ("work", '"text"', host_queue.PushOptions(1500, "k1")),
            ("work", "[1,2]", host_queue.PushOptions(None, None)),
        ])

    def test_push_errors(self):
        self.refuse = "unknown queue `nope`"
        with self.assertRaises(switchboard.QueueError) as caught:
            queue.push("nope", {})
        self.assertEqual(str(caught.exception), "unknown queue `nope`")
        self.assertIsInstance(caught.exception, switchboard.HostError)
        self.refuse = None
        for bad in [dict(payload=b"x"), dict(payload={}, delay_ms=-1), dict(payload={}, delay_ms=True),
                    dict(payload={}, idempotency_key=7)]:
            with self.subTest(bad), self.assertRaises((TypeError, ValueError)):
                queue.push("work", **bad)
        self.assertEqual(self.pushed, [])

    def test_context_attempt(self):
        self.addCleanup(setattr, host_context, "attempt", host_context.attempt)
        host_context.attempt = lambda: 2
        self.assertEqual(context.attempt(), 2)
        host_context.attempt = lambda: None
        self.assertIsNone(context.attempt())


class JobAndScheduleTest(unittest.TestCase):
    def test_job_run_gets_a_parsed_job(self):
        seen = []
        _job_exports.load(Route(run=seen.append, config={"max_attempts": 3}))
        self.assertEqual(_job_exports.config(), wit_job.QueueConfig(None, 3, None))
        _job_exports.run(wit_job.Job("j1", '{"tag":"x","n":[1]}', wit.User("ann", None, None), 2))
        job = seen[0]
        self.assertEqual((job.id, job.payload, job.user, job.attempt),
                         ("j1", {"tag": "x", "n": [1]}, switchboard.User("ann"), 2))
        _job_exports.run(wit_job.Job("j2", "null", None, 1))
        self.assertEqual((seen[1].payload, seen[1].user), (None, None))

    def test_job_config(self):
        _job_exports.load(Route(run=print))
        self.assertEqual(_job_exports.config(), wit_job.QueueConfig(None, None, None))
        _job_exports.load(Route(run=print, config={"concurrency": 4, "max_attempts": 5, "timeout": 30}))
        self.assertEqual(_job_exports.config(), wit_job.QueueConfig(4, 5, 30))
        for config in [{"attempts": 3}, {"max_attempts": 0}, {"timeout": 1.5}, {"concurrency": True}, [3]]:
            with self.subTest(config), self.assertRaises((TypeError, ValueError)):
                _job_exports.load(Route(run=print, config=config))

    def test_job_exception_is_the_error(self):
        def fail(job):
            raise RuntimeError(f"attempt {job.attempt} failed")

        _job_exports.load(Route(run=fail))
        with self.assertRaises(Err) as caught:
            _job_exports.run(wit_job.Job("j1", "{}", None, 1))
        self.assertEqual(caught.exception.value, "attempt 1 failed")

    def test_schedule(self):
        seen = []
        _schedule_exports.load(Route(run=seen.append, config={"cron": "*/5 * * * *", "timezone": "Europe/Paris"}))
        self.assertEqual(_schedule_exports.config(),
                         wit_schedule.ScheduleConfig("*/5 * * * *", "Europe/Paris", None))
        _schedule_exports.run(wit_schedule.Tick(1700000000123, True))
        self.assertEqual((seen[0].scheduled_at, seen[0].catch_up), (1700000000123, True))
        _schedule_exports.load(Route(run=print, config={"cron": "* * * * * *", "timeout": 5}))
        self.assertEqual(_schedule_exports.config(), wit_schedule.ScheduleConfig("* * * * * *", None, 5))

    def test_schedule_config_is_required_and_checked(self):
        for config in [None, {}, {"cron": 5}, {"cron": "* * *"}, {"cron": "* * * * *", "tz": "UTC"},
                       {"cron": "* * * * *", "timezone": ""}, {"cron": "* * * * *", "timeout": 0}]:
            with self.subTest(config), self.assertRaises((TypeError, ValueError)):
                _schedule_exports.load(Route(run=print, config=config))


class _Resource:
    """What every fake wasi:http resource shares: `with` drops it."""

    dropped = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.dropped = True


class FakeStream(_Resource):
    def __init__(self, data=b"", sink=None, read_size=1000):
        self.data, self.pos, self.sink, self.read_size = data, 0, sink, read_size

    def blocking_read(self, n):
        if self.pos >= len(self.data):
            raise Err(wasi_streams.StreamError_Closed())
        chunk = self.data[self.pos:self.pos + min(n, self.read_size)]
        self.pos += len(chunk)
        return chunk

    def blocking_write_and_flush(self, data):
        if len(data) > 4096:
            raise Err(wasi_streams.StreamError_LastOperationFailed(None))
        self.sink.append(data)


class FakeFields(_Resource):
    def __init__(self, entries=()):
        self._entries = list(entries)

    @classmethod
    def from_list(cls, entries):
        for name, value in entries:
            if not name or " " in name or not isinstance(value, bytes):
                raise Err(wasi.HeaderError_InvalidSyntax())
        return cls(entries)

    def entries(self):
        return list(self._entries)


class FakeIncomingBody(_Resource):
    def __init__(self, data):
        self.data, self.finished = data, False

    def stream(self):
        return FakeStream(self.data)

    @classmethod
    def finish(cls, this):
        this.finished = True
        return _Resource()


class FakeOutgoingBody(_Resource):
    def __init__(self):
        self.writes, self.finished = [], False

    def write(self):
        return FakeStream(sink=self.writes)

    @classmethod
    def finish(cls, this, trailers):
        this.finished = True


class FakeIncomingRequest(_Resource):
    def __init__(self, method, path, headers=(), body=b""):
        self._method, self._path = method, path
        self._headers, self.body = headers, FakeIncomingBody(body)

    def method(self):
        return self._method

    def path_with_query(self):
        return self._path

    def scheme(self):
        return wasi.Scheme_Http()

    def authority(self):
        return "localhost"

    def headers(self):
        return FakeFields(self._headers)

    def consume(self):
        return self.body


class FakeOutgoingResponse(_Resource):
    def __init__(self, fields):
        self.fields, self.status, self.outgoing = fields, 200, FakeOutgoingBody()

    def set_status_code(self, status):
        self.status = status

    def body(self):
        return self.outgoing


class FakeOutparam:
    response = None

    @classmethod
    def set(cls, this, response):
        this.response = response.value


class FakeOutgoingRequest(_Resource):
    def __init__(self, fields):
        self.fields, self.outgoing = fields, FakeOutgoingBody()

    def set_method(self, method):
        self.method = method

    def set_scheme(self, scheme):
        self.scheme = scheme

    def set_authority(self, authority):
        self.authority = authority

    def set_path_with_query(self, path):
        self.path = path

    def body(self):
        return self.outgoing


class FakeIncomingResponse(_Resource):
    def __init__(self, status, headers, body):
        self._status, self._headers, self.body = status, headers, FakeIncomingBody(body)

    def status(self):
        return self._status

    def headers(self):
        return FakeFields(self._headers)

    def consume(self):
        return self.body


class FakeFuture(_Resource):
    def __init__(self, result):
        self.result = result

    def subscribe(self):
        ready = _Resource()
        ready.block = lambda: None
        return ready

    def get(self):
        return self.result


class FakeHttp:
    """Stands in for wasi:http: resources are the fakes above; `answer`
    is what the next outgoing request gets: a FakeIncomingResponse, or an
    ErrorCode raised by outgoing-handler.handle (`refuse`) or given by
    the future (`fail`)."""

    def __init__(self, test):
        fakes = {"Fields": FakeFields, "IncomingBody": FakeIncomingBody, "OutgoingBody": FakeOutgoingBody,
                 "OutgoingResponse": FakeOutgoingResponse, "ResponseOutparam": FakeOutparam,
                 "OutgoingRequest": FakeOutgoingRequest}
        for name, fake in fakes.items():
            test.addCleanup(setattr, wasi, name, getattr(wasi, name))
            setattr(wasi, name, fake)
        test.addCleanup(setattr, host_outgoing, "handle", host_outgoing.handle)
        host_outgoing.handle = self.handle
        self.requests = []
        self.answer = FakeIncomingResponse(200, [], b"")
        self.refuse = None
        self.fail = None

    def handle(self, request, options):
        self.requests.append(request)
        if self.refuse is not None:
            raise Err(self.refuse)
        if self.fail is not None:
            return FakeFuture(Ok(Err(self.fail)))
        return FakeFuture(Ok(Ok(self.answer)))


def serve(route, request):
    """Runs an api/ route on a fake request; the (status, headers, body)
    it sent."""
    _http_exports.load(route)
    out = FakeOutparam()
    _http_exports.handle(request, out)
    response = out.response
    body = response.outgoing
    assert body.finished and all(len(w) <= 4096 for w in body.writes)
    return response.status, dict(response.fields.entries()), b"".join(body.writes)


class HttpTest(unittest.TestCase):
    def test_headers_are_case_insensitive(self):
        h = http.Headers({"Content-Type": "text/plain"})
        h.add("Set-Cookie", "a=1")
        h.add("set-cookie", b"b=2")
        self.assertEqual((h["CONTENT-TYPE"], h.get("x"), h.get("x", "d")), ("text/plain", None, "d"))
        self.assertEqual(h.get_all("SET-COOKIE"), ["a=1", "b=2"])
        self.assertIn("Set-Cookie", h)
        self.assertEqual(list(h), ["content-type", "set-cookie"])
        h["set-cookie"] = "c=3"
        self.assertEqual(h.items(), [("content-type", "text/plain"), ("set-cookie", "c=3")])
        del h["content-type"]
        self.assertEqual(len(h), 1)
        with self.assertRaises(KeyError):
            h["content-type"]
        self.assertEqual(http.Headers([("A", "1"), ("a", "2")]).get_all("a"), ["1", "2"])

    def test_response(self):
        r = http.Response("héllo", status=201)
        self.assertEqual((r.status, r.body, r.text(), r.headers["content-type"]),
                         (201, "héllo".encode(), "héllo", "text/plain; charset=utf-8"))
        r = http.Response.json({"b": 1, "a": None}, status=404, headers={"x-lang": "python"})
        self.assertEqual((r.status, r.body, r.json()), (404, b'{"a":null,"b":1}', {"a": None, "b": 1}))
        self.assertEqual(r.headers.items(), [("x-lang", "python"), ("content-type", "application/json")])
        self.assertEqual(http.Response(b"\x00").headers.items(), [])
        for bad in [dict(body={"a": 1}), dict(status=99), dict(status=True)]:
            with self.assertRaises((TypeError, ValueError)):
                http.Response(**bad)

    def test_handle_reads_the_request_and_sends_the_response(self):
        FakeHttp(self)
        seen = []

        def handle(request):
            seen.append(request)
            return http.Response.json({"n": len(request.body)}, headers={"X-Lang": "python"})

        body = bytes(range(256)) * 40  # read in many chunks
        request = FakeIncomingRequest(wasi.Method_Post(), "/api/echo/7?x=1&y=%20z",
                                      [("X-Probe", b"p")], body)
        status, headers, sent = serve(Route(handle=handle), request)
        self.assertEqual((status, headers, sent), (200, {"x-lang": b"python", "content-type": b"application/json"},
                                                   b'{"n":10240}'))
        req = seen[0]
        self.assertEqual((req.method, req.path, req.query, req.query_param("y"), req.headers["x-probe"],
                          req.body, req.scheme, req.authority),
                         ("POST", "/api/echo/7?x=1&y=%20z", "x=1&y=%20z", " z", "p", body, "http", "localhost"))
        self.assertTrue(request.body.finished)

    def test_large_bodies_are_written_in_chunks(self):
        FakeHttp(self)
        big = b"x" * 10000
        status, _, sent = serve(Route(handle=lambda request: big), FakeIncomingRequest(wasi.Method_Get(), "/"))
        self.assertEqual((status, sent), (200, big))

    def test_what_handle_may_return(self):
        FakeHttp(self)
        get = FakeIncomingRequest(wasi.Method_Other("PROPFIND"), "/")
        self.assertEqual(serve(Route(handle=lambda r: "hi"), get)[2], b"hi")
        self.assertEqual(serve(Route(handle=lambda r: {"a": [1]}), get)[2], b'{"a":[1]}')
        with unittest.mock.patch("sys.stderr"):
            status, headers, body = serve(Route(handle=lambda r: None), get)
        self.assertEqual((status, headers["content-type"]), (500, b"application/json"))
        self.assertIn(b"handle returned NoneType", body)

    def test_exception_is_a_500(self):
        FakeHttp(self)

        def fail(request):
            raise RuntimeError("failed on purpose")

        with unittest.mock.patch("sys.stderr"):
            status, _, body = serve(Route(handle=fail), FakeIncomingRequest(wasi.Method_Get(), "/"))
        self.assertEqual((status, body), (500, b'{"error":"failed on purpose"}'))

    def test_fetch(self):
        fake = FakeHttp(self)
        fake.answer = FakeIncomingResponse(201, [("Content-Type", b"application/json")], b'{"ok":true}')
        response = http.fetch("https://api.example.com:8443/v1/items?q=1", method="post",
                              headers={"X-Key": "k"}, body="x" * 5000)
        self.assertEqual((response.status, response.headers["content-type"], response.json()),
                         (201, "application/json", {"ok": True}))
        sent = fake.requests[0]
        self.assertEqual((sent.method, sent.scheme, sent.authority, sent.path, sent.fields.entries()),
                         (wasi.Method_Post(), wasi.Scheme_Https(), "api.example.com:8443", "/v1/items?q=1",
                          [("x-key", b"k")]))
        self.assertEqual(b"".join(sent.outgoing.writes), b"x" * 5000)
        self.assertEqual([len(w) for w in sent.outgoing.writes], [4096, 904])
        self.assertTrue(sent.outgoing.finished)
        http.fetch("http://127.0.0.1:9")
        self.assertEqual((fake.requests[1].path, fake.requests[1].outgoing.writes), ("/", []))

    def test_fetch_errors_raise(self):
        fake = FakeHttp(self)
        fake.refuse = wasi.ErrorCode_HttpRequestDenied()
        with self.assertRaises(switchboard.HttpError) as caught:
            http.fetch("http://example.com/")
        self.assertEqual(str(caught.exception), "GET http://example.com/: HTTP-request-denied")
        self.assertEqual(caught.exception.code, "HTTP-request-denied")
        self.assertIsInstance(caught.exception, switchboard.HostError)
        fake.refuse = None
        fake.fail = wasi.ErrorCode_ConnectionRefused()
        with self.assertRaises(http.HttpError) as caught:
            http.fetch("http://127.0.0.1:1/")
        self.assertEqual(caught.exception.code, "connection-refused")
        fake.fail = wasi.ErrorCode_DnsError(wasi.DnsErrorPayload("NXDOMAIN", None))
        with self.assertRaises(http.HttpError) as caught:
            http.fetch("http://nowhere.invalid/")
        self.assertEqual(str(caught.exception), "GET http://nowhere.invalid/: DNS-error (rcode='NXDOMAIN')")
        with self.assertRaises(ValueError):
            http.fetch("/relative")

    def test_error_code_names_are_the_wit_names(self):
        names = [http._case_name(getattr(wasi, "ErrorCode_" + n)(*([None] * extra)))
                 for n, extra in [("DestinationIpProhibited", 0), ("HttpRequestUriTooLong", 0),
                                  ("TlsAlertReceived", 1), ("LoopDetected", 0)]]
        self.assertEqual(names, ["destination-IP-prohibited", "HTTP-request-URI-too-long",
                                 "TLS-alert-received", "loop-detected"])


class Route:
    """A stand-in for a route module."""

    def __init__(self, **names):
        self.__dict__.update(names)


class ExportsTest(unittest.TestCase):
    def test_handle_gets_decoded_request(self):
        seen = []
        _exports.load(Route(handle=seen.append, config={"data": "json", "timeout": 5}))
        self.assertEqual(_exports.config(), wit.HandlerConfig(wit.DataType.JSON, 5, wit.Instances.FRESH))
        _exports.handle(request(wit.Data_Json('{"a":[1]}'), wit.User("ann", '{"role":"x"}', 1700000000),
                                [("room", "lobby")]))
        req = seen[0]
        self.assertEqual((req.data, req.kind, req.connection, req.request_id, req.params),
                         ({"a": [1]}, "json", "c1", "r1", {"room": "lobby"}))
        self.assertEqual((req.user.id, req.user.claims, req.user.expires_at),
                         ("ann", {"role": "x"}, 1700000000))
        _exports.handle(request(wit.Data_Binary(b"\xff")))
        self.assertEqual((seen[1].data, seen[1].kind, seen[1].user), (b"\xff", "binary", None))

    def test_exception_becomes_error(self):
        def fail(req):
            raise RuntimeError("failed on purpose")

        _exports.load(Route(handle=fail))
        with self.assertRaises(Err) as caught:
            _exports.handle(request(wit.Data_Text("x")))
        self.assertEqual(caught.exception.value, "failed on purpose")

        def empty(req):
            raise ValueError()

        _exports.load(Route(handle=empty))
        with self.assertRaises(Err) as caught:
            _exports.handle(request(wit.Data_Text("x")))
        self.assertEqual(caught.exception.value, "ValueError")

    def test_bad_config(self):
        for config in [{"data": "xml"}, {"timeout": 0}, {"timeout": True}, {"other": 1}, [],
                       {"instances": "hot"}, {"instances": "WARM"}, {"instances": True}, {"instances": None}]:
            with self.subTest(config), self.assertRaises((ValueError, TypeError)):
                _exports.load(Route(handle=print, config=config))
        with self.assertRaises(ValueError) as caught:
            _exports.load(Route(handle=print, config={"instances": "pooled"}))
        self.assertIn("fresh, warm", str(caught.exception))

    def test_instances(self):
        _exports.load(Route(handle=print, config={"instances": "warm"}))
        self.assertEqual(_exports.config(), wit.HandlerConfig(wit.DataType.JSON, None, wit.Instances.WARM))
        _exports.load(Route(handle=print, config={"data": "text", "timeout": 3, "instances": "fresh"}))
        self.assertEqual(_exports.config(), wit.HandlerConfig(wit.DataType.TEXT, 3, wit.Instances.FRESH))
        _exports.load(Route(handle=print))
        self.assertEqual(_exports.config().instances, wit.Instances.FRESH)

    def test_authenticate(self):
        http = wit.HttpRequest("GET", "/socket", "user=ann", [("user", "ann")],
                               [("authorization", "Bearer t0k")], [("sid", "1")])
        seen = []

        def who(req):
            seen.append(req)
            return switchboard.User(req.query_param("user"), {"via": "test"})

        _exports.load(Route(authenticate=who))
        self.assertEqual(_exports.authenticate(http), wit.User("ann", '{"via":"test"}', None))
        self.assertEqual((seen[0].bearer_token(), seen[0].cookie("sid"), seen[0].header("Authorization")),
                         ("t0k", "1", "Bearer t0k"))
        _exports.load(Route(authenticate=lambda req: switchboard.User("eve", expires_at=1700000000)))
        self.assertEqual(_exports.authenticate(http), wit.User("eve", None, 1700000000))
        _exports.load(Route(authenticate=lambda req: "bob"))
        self.assertEqual(_exports.authenticate(http), wit.User("bob", None, None))
        _exports.load(Route(authenticate=lambda req: None))
        self.assertIsNone(_exports.authenticate(http))

        def deny(req):
            raise PermissionError("denied")

        _exports.load(Route(authenticate=deny))
        with self.assertRaises(Err) as caught:
            _exports.authenticate(http)
        self.assertEqual(caught.exception.value, "denied")

    def test_imported_module_is_not_a_setting(self):
        _exports.load(Route(handle=print, config=unittest, hooks=os))
        self.assertEqual(_exports.config(), wit.HandlerConfig(wit.DataType.JSON, None, wit.Instances.FRESH))

    def test_presence_one_hook(self):
        seen = []
        _exports.load(Route(on_online=seen.append))
        _exports.on_online("ann")
        _exports.on_offline("ann")
        self.assertEqual(seen, ["ann"])

    def test_hook_modes(self):
        M = wit.HookMode
        _exports.load(Route(on_error=print))
        self.assertEqual(_exports.hooks(), wit.HookModes(M.INHERIT, M.INHERIT, M.HANDLE))
        _exports.load(Route(on_error=print, hooks={"on_error": "wrap", "on_messages_sent": "disable"}))
        self.assertEqual(_exports.hooks(), wit.HookModes(M.INHERIT, M.DISABLE, M.WRAP))
        _exports.load(Route(on_messages_sent=print))
        self.assertEqual(_exports.hooks(), wit.HookModes(M.INHERIT, M.HANDLE, M.INHERIT))
        with self.assertRaises(ValueError) as caught:
            _exports.load(Route(hooks={"on_message_sent": "disable"}))
        self.assertIn("on_messages_sent", str(caught.exception))
        with self.assertRaises(ValueError) as caught:
            _exports.load(Route(on_message_sent=print))
        self.assertIn("on_messages_sent", str(caught.exception))
        with self.assertRaises(ValueError):
            _exports.load(Route(hooks={"error": "wrap"}))
        with self.assertRaises(ValueError):
            _exports.load(Route(hooks={"on_error": "loud"}))


    def test_messages_sent_gets_the_whole_batch(self):
        seen = []
        _exports.load(Route(on_messages_sent=seen.append))
        _exports.on_messages_sent([
            wit.SentMessage("c1", None, wit.Data_Json('{"n":1}')),
            wit.SentMessage(None, "ann", wit.Data_Text("hi")),
            wit.SentMessage(None, "bob", wit.Data_Binary(b"\x00")),
        ])
        self.assertEqual(len(seen), 1)
        self.assertEqual([(m.connection, m.user, m.data, m.kind) for m in seen[0]],
                         [("c1", None, {"n": 1}, "json"), (None, "ann", "hi", "text"),
                          (None, "bob", b"\x00", "binary")])
        self.assertTrue(all(isinstance(m, switchboard.SentMessage) for m in seen[0]))

    def test_failing_log_hook_is_printed_not_raised(self):
        def boom(messages):
            raise RuntimeError("hook failed")

        _exports.load(Route(on_messages_sent=boom))
        with unittest.mock.patch("sys.stderr") as stderr:
            _exports.on_messages_sent([wit.SentMessage("c1", None, wit.Data_Text("x"))])
        self.assertIn("hook failed", "".join(c.args[0] for c in stderr.write.call_args_list))


class BuildScanTest(unittest.TestCase):
    def exports(self, source):
        return build.find_exports(source, "handlers/x.py")

    def test_finds_exports(self):
        self.assertEqual(self.exports("def handle(req): pass"), ["handler"])
        self.assertEqual(self.exports("def authenticate(r): pass\ndef on_online(u): pass"),
                         ["authenticate", "presence"])
        self.assertEqual(self.exports("from auth import authenticate\nhooks = {'on_error': 'disable'}"),
                         ["authenticate", "logging"])
        self.assertEqual(self.exports("try:\n    def on_error(e, r): pass\nexcept Exception: pass"),
                         ["logging"])
        self.assertEqual(self.exports("def handle(r): pass\ndef on_messages_sent(m): pass"),
                         ["handler", "logging"])
        self.assertEqual(self.exports("import config, hooks\ndef authenticate(r): pass"),
                         ["authenticate"])

    def test_refuses(self):
        for source in ["x = 1", "config = {}\n", "async def handle(req): pass", "def handle(:"]:
            with self.assertRaises(build.BuildError):
                self.exports(source)

    def test_refuses_the_old_sent_hook(self):
        for source in ["def handle(r): pass\ndef on_message_sent(m): pass", "def on_message_sent(m): pass",
                       "from log import on_message_sent\ndef on_error(e, r): pass"]:
            with self.subTest(source), self.assertRaises(build.BuildError) as caught:
                self.exports(source)
            self.assertIn("on_messages_sent(messages)", str(caught.exception))
        with self.assertRaises(build.BuildError):
            build.find_runner("def run(j): pass\ndef on_message_sent(m): pass", "handlers/queues/w.py", "job")

    def test_glue_compiles(self):
        for exports in (["handler"], list(build.INTERFACES)):
            tree = ast.parse(build.glue(exports).replace("ROUTE_PATH", "'/0/x.py'"))
            classes = [n.name for n in tree.body if isinstance(n, ast.ClassDef)]
            self.assertEqual(classes, [build.INTERFACES[i][0] for i in exports])

    def test_world(self):
        with open(WIT) as f:
            package = next(line for line in f if line.startswith("package "))
        version = package.strip().rstrip(";").rpartition("@")[2]
        self.assertEqual(build.wit_version(), version)
        self.assertIn(f"export switchboard:socket/presence@{version};", build.world(["presence"]))
        self.assertIn(f"import switchboard:socket/store@{version};", build.world(["presence"]))
        self.assertNotIn("handler", build.world(["presence"]))

    def test_wit_version(self):
        self.assertEqual(build.wit_version("// x\npackage switchboard:socket@1.2.3-rc.1;\n"), "1.2.3-rc.1")
        with self.assertRaises(build.BuildError):
            build.wit_version("package other:thing@1.0.0;\n")

    def test_http_handler_scan(self):
        scan = build.find_http_handler
        self.assertEqual(scan("def handle(request): pass", "handlers/api/x.py"), ["incoming-handler"])
        self.assertEqual(scan("from impl import handle", "handlers/api/x.py"), ["incoming-handler"])
        for source in ["x = 1", "async def handle(r): pass", "def handle(r): pass\ndef on_error(e, r): pass",
                       "config = {}\ndef handle(r): pass", "def handle(:"]:
            with self.subTest(source), self.assertRaises(build.BuildError):
                scan(source, "handlers/api/x.py")

    def test_runner_scan(self):
        scan = build.find_runner
        self.assertEqual(scan("def run(job): pass", "handlers/queues/w.py", "job"), ["job"])
        self.assertEqual(scan("config = {'max_attempts': 3}\ndef run(job): pass", "q.py", "job"), ["job"])
        self.assertEqual(scan("config = {'cron': '* * * * *'}\ndef run(t): pass", "s.py", "schedule"),
                         ["schedule"])
        self.assertEqual(scan("from conf import config\nfrom impl import run", "s.py", "schedule"), ["schedule"])
        for source, kind in [("x = 1", "job"), ("async def run(j): pass", "job"),
                             ("def run(j): pass\ndef handle(r): pass", "job"),
                             ("def run(j): pass\nhooks = {}", "job"),
                             ("def run(t): pass", "schedule"), ("import config\ndef run(t): pass", "schedule")]:
            with self.subTest(source), self.assertRaises(build.BuildError):
                scan(source, "handlers/x.py", kind)
        with self.assertRaises(build.BuildError) as caught:
            scan("def run(tick): pass", "handlers/schedules/t.py", "schedule")
        self.assertIn("cron", str(caught.exception))
        with self.assertRaises(build.BuildError) as caught:
            self.exports("def run(job): pass")
        self.assertIn("--job", str(caught.exception))

    def test_runner_glue_compiles(self):
        for kind, cls in [("job", "Job"), ("schedule", "Schedule")]:
            tree = ast.parse(build.glue_runner(kind).replace("ROUTE_PATH", "'/0/x.py'"))
            self.assertEqual([n.name for n in tree.body if isinstance(n, ast.ClassDef)], [cls])
        self.assertIn(f"export switchboard:socket/job@{build.wit_version()};", build.world(["job"]))

    def test_http_glue_compiles(self):
        tree = ast.parse(build.glue_http().replace("ROUTE_PATH", "'/0/x.py'"))
        self.assertEqual([n.name for n in tree.body if isinstance(n, ast.ClassDef)], ["IncomingHandler"])

    def test_socket_world_imports_context_and_queue(self):
        for name in ("context", "queue"):
            self.assertIn(f"import switchboard:socket/{name}@{build.wit_version()};", build.world(["handler"]))

    def test_digest_has_the_kind(self):
        self.addCleanup(setattr, build, "_version", build._version)
        build._version = "componentize-py test"
        args = (b"def handle(r): pass", "handlers/x.py", ["handler"], None)
        self.assertNotEqual(build.input_digest(*args, kind="socket"), build.input_digest(*args, kind="http"))
        with tempfile.TemporaryDirectory() as wit_dir:
            with open(os.path.join(wit_dir, "http.wit"), "w") as f:
                f.write("package a:b;")
            first = build.input_digest(*args, kind="http", wit_dir=wit_dir)
            with open(os.path.join(wit_dir, "http.wit"), "w") as f:
                f.write("package a:c;")
            self.assertNotEqual(first, build.input_digest(*args, kind="http", wit_dir=wit_dir))

    def test_digest_section_round_trip(self):
        with tempfile.NamedTemporaryFile(suffix=".wasm") as f:
            f.write(b"\0asm\x0d\x00\x01\x00")
            f.write(build.custom_section(b"other", b"x"))
            f.write(build.custom_section(build.DIGEST_SECTION, b"abc123"))
            f.flush()
            self.assertEqual(build.recorded_digest(f.name), "abc123")


if __name__ == "__main__":
    unittest.main()
