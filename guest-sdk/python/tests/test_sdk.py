"""Unit tests of the Python SDK and its build script, run on the host
Python against bindings componentize-py generates (their host calls are
replaced by fakes here). Run: guest-sdk/python/.venv/bin/python -m unittest
discover guest-sdk/python/tests (after guest-sdk/python/setup)."""

import ast
import importlib.util
import os
import subprocess
import sys
import tempfile
import unittest

SDK = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WIT = os.path.join(SDK, "..", "..", "wit", "socket.wit")
_bindings = tempfile.TemporaryDirectory(prefix="switchboard-bindings-")
subprocess.run(
    [os.path.join(SDK, ".venv", "bin", "componentize-py"), "-d", WIT, "-w", "host",
     "bindings", _bindings.name],
    check=True, stdout=subprocess.DEVNULL,
)
sys.path[:0] = [_bindings.name, os.path.join(SDK, "src")]

from componentize_py_types import Err  # noqa: E402
from wit_world.imports import socket as host_socket  # noqa: E402
from wit_world.imports import store as host_store  # noqa: E402
from wit_world.imports import types as wit  # noqa: E402

import switchboard  # noqa: E402
from switchboard import _data, _exports, socket, store  # noqa: E402

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


class Route:
    """A stand-in for a route module."""

    def __init__(self, **names):
        self.__dict__.update(names)


class ExportsTest(unittest.TestCase):
    def test_handle_gets_decoded_request(self):
        seen = []
        _exports.load(Route(handle=seen.append, config={"data": "json", "timeout": 5}))
        self.assertEqual(_exports.config(), wit.HandlerConfig(wit.DataType.JSON, 5))
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
        for config in [{"data": "xml"}, {"timeout": 0}, {"timeout": True}, {"other": 1}, []]:
            with self.assertRaises((ValueError, TypeError)):
                _exports.load(Route(handle=print, config=config))

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
        self.assertEqual(_exports.config(), wit.HandlerConfig(wit.DataType.JSON, None))

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
        _exports.load(Route(on_error=print, hooks={"on_error": "wrap", "on_message_sent": "disable"}))
        self.assertEqual(_exports.hooks(), wit.HookModes(M.INHERIT, M.DISABLE, M.WRAP))
        with self.assertRaises(ValueError):
            _exports.load(Route(hooks={"error": "wrap"}))
        with self.assertRaises(ValueError):
            _exports.load(Route(hooks={"on_error": "loud"}))


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
        self.assertEqual(self.exports("def handle(r): pass\ndef on_message_sent(m): pass"),
                         ["handler", "logging"])
        self.assertEqual(self.exports("import config, hooks\ndef authenticate(r): pass"),
                         ["authenticate"])

    def test_refuses(self):
        for source in ["x = 1", "config = {}\n", "async def handle(req): pass", "def handle(:"]:
            with self.assertRaises(build.BuildError):
                self.exports(source)

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

    def test_digest_section_round_trip(self):
        with tempfile.NamedTemporaryFile(suffix=".wasm") as f:
            f.write(b"\0asm\x0d\x00\x01\x00")
            f.write(build.custom_section(b"other", b"x"))
            f.write(build.custom_section(build.DIGEST_SECTION, b"abc123"))
            f.flush()
            self.assertEqual(build.recorded_digest(f.name), "abc123")


if __name__ == "__main__":
    unittest.main()
