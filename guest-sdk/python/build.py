"""Builds one Python route module into one Switchboard component.

Usage (from the app folder):
    guest-sdk/python/build [--http | --job | --schedule] SOURCE OUT

The module is parsed, never imported, to find which interfaces it
implements; componentize-py then packages it with the `switchboard` SDK and
the app's `lib/` folder, exporting exactly those interfaces.

With `--http` (routes under handlers/api/), the module's `handle(request)`
is exported as `wasi:http/incoming-handler` instead, in the world
`switchboard:guest/http-handler` of wit/guest/http.wit.

With `--job` (handlers/queues/) the module's `run(job)` and optional
`config` are exported as `switchboard:socket/job`; with `--schedule`
(handlers/schedules/), `run(tick)` and the required `config` as
`switchboard:socket/schedule`.
"""

import ast
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

SDK = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(SDK, "..", ".."))
WIT = os.path.join(REPO, "wit", "socket.wit")
# Assembles wit/guest/http.wit with its deps (the WASI packages the host
# links); SWITCHBOARD_GUEST_WIT may name a folder it already assembled.
GUEST_WIT = os.path.join(REPO, "scripts", "guest-wit")
HTTP_WORLD = "switchboard:guest/http-handler"
SDK_SRC = os.path.join(SDK, "src")
COMPONENTIZE = os.path.join(SDK, ".venv", "bin", "componentize-py")
# The custom section that records what a component was built from.
DIGEST_SECTION = b"switchboard-python-build"

# WIT interface -> (glue class, functions it forwards).
INTERFACES = {
    "handler": ("Handler", ["config", "handle"]),
    "authenticate": ("Authenticate", ["authenticate"]),
    "presence": ("Presence", ["on_online", "on_offline"]),
    "logging": ("Logging", ["hooks", "on_message_received", "on_messages_sent", "on_error"]),
}
# Module-level names that make a module implement an interface.
TRIGGERS = {
    "handler": ["handle"],
    "authenticate": ["authenticate"],
    "presence": ["on_online", "on_offline"],
    "logging": ["on_message_received", "on_messages_sent", "on_error", "hooks"],
}
FUNCTIONS = {"handle", "authenticate", "on_online", "on_offline",
             "on_message_received", "on_messages_sent", "on_error"}
# Entry points of an older switchboard:socket, refused with what replaced
# them (else a module defining one would build and never be called).
RENAMED = {
    "on_message_sent": "`on_message_sent(message)` is now `on_messages_sent(messages)` "
                       "(switchboard:socket 0.4.0): it is called once after a call that sent "
                       "anything, with the list of the messages it sent",
}
# The kinds of build other than a socket route: the flag, the folder under
# handlers/, the one interface exported, and the glue's class and SDK
# module.
RUNNERS = {
    "job": ("--job", "queues/", "Job", "_job_exports", "job"),
    "schedule": ("--schedule", "schedules/", "Schedule", "_schedule_exports", "tick"),
}
SCHEDULE_CONFIG_EXAMPLE = "config = {\"cron\": \"0 * * * *\"}"


# What every world of socket.wit imports, in the route's world.
IMPORTS = ("types", "socket", "store", "context", "queue")


class BuildError(Exception):
    pass


def refuse_renamed(names, filename):
    for old, why in RENAMED.items():
        node = names.get(old)
        if node is not None:
            raise BuildError(f"{filename}:{node.lineno}: {why}")


def find_http_handler(source, filename):
    """Checks that an `api/` module defines a plain `handle(request)` and
    none of the socket entry points, which an HTTP handler cannot export."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as e:
        raise BuildError(f"{filename}:{e.lineno}:{e.offset}: {e.msg}") from None
    names = bound_names(tree.body, {})
    refuse_renamed(names, filename)
    node = names.get("handle")
    if node is None:
        hint = " (names imported with `*` are not seen)" if "*" in names else ""
        raise BuildError(f"{filename}: an api/ handler defines `handle(request)`{hint}")
    if isinstance(node, ast.AsyncFunctionDef):
        raise BuildError(f"{filename}:{node.lineno}: `handle` must be a plain function, not async")
    others = sorted((FUNCTIONS - {"handle"}) & names.keys())
    if isinstance(names.get("config"), (ast.Assign, ast.AnnAssign)):
        others.append("config")
    if others:
        node = names[others[0]]
        raise BuildError(f"{filename}:{node.lineno}: `{others[0]}` is for socket handlers; "
                         "an api/ handler defines only `handle(request)`")
    return ["incoming-handler"]


def find_runner(source, filename, kind):
    """Checks that a `queues/` (kind "job") or `schedules/` ("schedule")
    module defines a plain `run` and none of the socket entry points; a
    schedule must also set `config`, which holds its cron expression."""
    flag, folder, _, _, arg = RUNNERS[kind]
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as e:
        raise BuildError(f"{filename}:{e.lineno}:{e.offset}: {e.msg}") from None
    names = bound_names(tree.body, {})
    refuse_renamed(names, filename)
    what = "a job" if kind == "job" else "a schedule"
    node = names.get("run")
    if node is None:
        hint = " (names imported with `*` are not seen)" if "*" in names else ""
        raise BuildError(f"{filename}: {what} ({folder}, built with {flag}) defines `run({arg})`{hint}")
    if isinstance(node, ast.AsyncFunctionDef):
        raise BuildError(f"{filename}:{node.lineno}: `run` must be a plain function, not async")
    others = sorted((FUNCTIONS | {"hooks"}) & names.keys())
    if others:
        node = names[others[0]]
        raise BuildError(f"{filename}:{node.lineno}: `{others[0]}` is for socket handlers; "
                         f"{what} defines only `run({arg})` and `config`")
    if kind == "schedule" and isinstance(names.get("config", ast.Import()), ast.Import):
        raise BuildError(f"{filename}: a schedule must declare when it runs, for example "
                         f"`{SCHEDULE_CONFIG_EXAMPLE}` (optional keys: \"timezone\", \"timeout\")")
    return [kind]


def bound_names(body, names):
    """Names bound at module level: def, class, assignment, import. Also
    looks inside top-level if/try/with blocks."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.setdefault(node.name, node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Name):
                        names.setdefault(sub.id, node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    names.setdefault("*", node)
                else:
                    name = alias.asname or alias.name.split(".")[0]
                    names.setdefault(name, node)
        elif isinstance(node, ast.If):
            bound_names(node.body, names)
            bound_names(node.orelse, names)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            bound_names(node.body, names)
            for handler in node.handlers:
                bound_names(handler.body, names)
            bound_names(node.orelse, names)
            bound_names(node.finalbody, names)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            bound_names(node.body, names)
    return names


def find_exports(source, filename):
    """The WIT interfaces a route module implements, in a fixed order."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as e:
        raise BuildError(f"{filename}:{e.lineno}:{e.offset}: {e.msg}") from None
    names = bound_names(tree.body, {})
    refuse_renamed(names, filename)
    for setting in ("config", "hooks"):
        # `import config` binds a module, not a setting.
        if isinstance(names.get(setting), (ast.Import, ast.ImportFrom)):
            del names[setting]
    for name in sorted(FUNCTIONS & names.keys()):
        node = names[name]
        if isinstance(node, ast.AsyncFunctionDef):
            raise BuildError(f"{filename}:{node.lineno}: `{name}` must be a plain function, not async")
    exports = [i for i in INTERFACES if any(t in names for t in TRIGGERS[i])]
    if "config" in names and "handler" not in exports:
        node = names["config"]
        raise BuildError(f"{filename}:{node.lineno}: `config` is set but there is no `handle` function")
    if not exports:
        hint = " (names imported with `*` are not seen)" if "*" in names else ""
        if "run" in names:
            hint += "; `run` is for jobs and schedules: build with --job or --schedule"
        raise BuildError(
            f"{filename}: defines none of handle, authenticate, on_online, on_offline, "
            f"on_message_received, on_messages_sent, on_error{hint}"
        )
    return exports


def glue(exports):
    """The module componentize-py loads: one class per exported interface,
    forwarding to the SDK, which calls the route module."""
    lines = [
        "# Generated by guest-sdk/python/build.",
        "import importlib.util",
        "import sys",
        "",
        "from wit_world import exports",
        "from switchboard import _exports",
        "",
        "_spec = importlib.util.spec_from_file_location('switchboard_route', ROUTE_PATH)",
        "route = importlib.util.module_from_spec(_spec)",
        "sys.modules['switchboard_route'] = route",
        "_spec.loader.exec_module(route)",
        "_exports.load(route)",
    ]
    for interface in exports:
        cls, functions = INTERFACES[interface]
        lines += ["", "", f"class {cls}(exports.{cls}):"]
        for fn in functions:
            params = {
                "config": "", "hooks": "", "handle": "req", "authenticate": "req",
                "on_online": "user_id", "on_offline": "user_id",
                "on_message_received": "req", "on_messages_sent": "messages",
                "on_error": "error, req",
            }[fn]
            args = ", " + params if params else ""
            lines += [f"    def {fn}(self{args}):", f"        return _exports.{fn}({params})", ""]
        lines.pop()
    return "\n".join(lines) + "\n"


def wit_version(text=None):
    """The version of the `package switchboard:socket@VERSION;` line of
    wit/socket.wit, so that a version bump there is the only edit."""
    if text is None:
        text = read(WIT).decode()
    found = re.search(r"^\s*package\s+switchboard:socket@([^\s;]+)\s*;", text, re.MULTILINE)
    if not found:
        raise BuildError(f"{WIT}: no `package switchboard:socket@VERSION;` line")
    return found.group(1)


def world(exports):
    """A WIT world with the host's imports and exactly these exports.
    (Naming several of socket.wit's worlds with -w instead makes
    componentize-py 0.25.1 panic for authenticate + presence.)"""
    version = wit_version()
    lines = ["package switchboard:python-route;", "", "world route {"]
    lines += [f"    import switchboard:socket/{i}@{version};" for i in IMPORTS]
    lines += [f"    export switchboard:socket/{i}@{version};" for i in exports]
    return "\n".join(lines + ["}"]) + "\n"


def glue_http():
    """The module componentize-py loads for an `api/` handler: the
    IncomingHandler export, forwarding to the SDK."""
    return "\n".join([
        "# Generated by guest-sdk/python/build --http.",
        "import importlib.util",
        "import sys",
        "",
        "from wit_world import exports",
        "from switchboard import _http_exports",
        "",
        "_spec = importlib.util.spec_from_file_location('switchboard_route', ROUTE_PATH)",
        "route = importlib.util.module_from_spec(_spec)",
        "sys.modules['switchboard_route'] = route",
        "_spec.loader.exec_module(route)",
        "_http_exports.load(route)",
        "",
        "",
        "class IncomingHandler(exports.IncomingHandler):",
        "    def handle(self, request, response_out):",
        "        _http_exports.handle(request, response_out)",
    ]) + "\n"


def glue_runner(kind):
    """The module componentize-py loads for a job or a schedule: its
    export class, forwarding `config` and `run` to the SDK."""
    _, _, cls, module, arg = RUNNERS[kind]
    return "\n".join([
        f"# Generated by guest-sdk/python/build {RUNNERS[kind][0]}.",
        "import importlib.util",
        "import sys",
        "",
        "from wit_world import exports",
        f"from switchboard import {module} as _exports",
        "",
        "_spec = importlib.util.spec_from_file_location('switchboard_route', ROUTE_PATH)",
        "route = importlib.util.module_from_spec(_spec)",
        "sys.modules['switchboard_route'] = route",
        "_spec.loader.exec_module(route)",
        "_exports.load(route)",
        "",
        "",
        f"class {cls}(exports.{cls}):",
        "    def config(self):",
        "        return _exports.config()",
        "",
        f"    def run(self, {arg}):",
        f"        return _exports.run({arg})",
    ]) + "\n"


def assemble_guest_wit(dest):
    """The HTTP world's WIT with its deps, in `dest`: a copy of
    $SWITCHBOARD_GUEST_WIT when set, else scripts/guest-wit's output."""
    given = os.environ.get("SWITCHBOARD_GUEST_WIT")
    if given:
        if not os.path.isdir(given):
            raise BuildError(f"SWITCHBOARD_GUEST_WIT={given}: no such folder")
        shutil.copytree(given, dest)
        return
    result = subprocess.run([GUEST_WIT, dest], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout)
        raise BuildError("scripts/guest-wit failed")


def files_under(root):
    """Python files under a folder, as sorted relative paths."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and not d.startswith("."))
        for name in filenames:
            if not name.endswith((".pyc", ".pyo")):
                found.append(os.path.relpath(os.path.join(dirpath, name), root))
    return sorted(found)


def input_digest(source_bytes, route_path, exports, lib_dir, kind="socket", wit_dir=None):
    """A hash of everything the component is built from: `kind` is
    "socket", "http", "job" or "schedule", and `wit_dir` the assembled
    WIT of an HTTP build."""
    h = hashlib.sha256()

    def add(label, data):
        h.update(label.encode() + b"\0" + len(data).to_bytes(8, "little") + data)

    add("build.py", read(os.path.abspath(__file__)))
    add("componentize-py", componentize_version().encode())
    add("kind", kind.encode())
    add("wit", read(WIT))
    if wit_dir:
        for rel in files_under(wit_dir):
            add("wit/" + rel, read(os.path.join(wit_dir, rel)))
    add("route", route_path.encode())
    add("source", source_bytes)
    add("exports", ",".join(exports).encode())
    for rel in files_under(SDK_SRC):
        add("sdk/" + rel, read(os.path.join(SDK_SRC, rel)))
    if lib_dir:
        for rel in files_under(lib_dir):
            add("lib/" + rel, read(os.path.join(lib_dir, rel)))
    return h.hexdigest()


def read(path):
    with open(path, "rb") as f:
        return f.read()


_version = None


def componentize_version():
    global _version
    if _version is None:
        out = subprocess.run([COMPONENTIZE, "--version"], capture_output=True, text=True)
        _version = out.stdout.strip()
    return _version


def leb128(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def read_leb128(data, pos):
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, pos


def custom_section(name, payload):
    body = leb128(len(name)) + name + payload
    return b"\0" + leb128(len(body)) + body


def recorded_digest(path):
    """The digest a previous build stored in OUT, if any. Custom sections
    are top-level sections with id 0; ours is the last one."""
    try:
        data = read(path)
    except OSError:
        return None
    if data[:4] != b"\0asm":
        return None
    pos = 8
    found = None
    try:
        while pos < len(data):
            section_id = data[pos]
            size, body = read_leb128(data, pos + 1)
            if section_id == 0:
                name_len, name_at = read_leb128(data, body)
                if data[name_at:name_at + name_len] == DIGEST_SECTION:
                    found = data[name_at + name_len:body + size].decode("ascii", "replace")
            pos = body + size
    except IndexError:
        return None
    return found


def tidy_error(output, route_path):
    """componentize-py's report of a failed build, reduced to the Python
    traceback of the module when there is one, with guest paths mapped
    back to the app's and the SDK's."""
    marker = "AssertionError: Traceback (most recent call last):"
    if marker in output:
        inner = output.split(marker, 1)[1].split("\n\nCaused by:", 1)[0]
        output = "Traceback (most recent call last):" + inner.rstrip() + "\n"
    output = output.replace("/0/" + route_path, route_path)
    return output.replace('File "/1/', 'File "' + SDK_SRC + "/")


def build(source, out, http=False, kind=None):
    """Builds SOURCE into OUT: a socket component; with `http` an `api/`
    incoming-handler; with `kind` "job" or "schedule" a queue's or a
    schedule's runner. Returns "built", or "unchanged" when OUT already
    records the same input digest."""
    if kind is None:
        kind = "http" if http else "socket"
    http = kind == "http"
    if not os.path.isfile(COMPONENTIZE):
        raise BuildError("componentize-py is not installed; run guest-sdk/python/setup")
    if not os.path.isfile(source):
        raise BuildError(f"{source}: no such file")
    source_bytes = read(source)
    if http:
        exports = find_http_handler(source_bytes, source)
    elif kind in RUNNERS:
        exports = find_runner(source_bytes, source, kind)
    else:
        exports = find_exports(source_bytes, source)

    # Tracebacks show the route by its path in the app, e.g.
    # handlers/[room]/action_text.py.
    rel = os.path.relpath(os.path.abspath(source))
    route_path = rel if not rel.startswith("..") else os.path.basename(source)
    lib_dir = "lib" if os.path.isdir("lib") else None

    out_dir = os.path.dirname(os.path.abspath(out))
    with tempfile.TemporaryDirectory(prefix="switchboard-python-") as tmp:
        wit_dir = os.path.join(tmp, "wit")
        if http:
            assemble_guest_wit(wit_dir)
            world_name = HTTP_WORLD
        else:
            os.makedirs(os.path.join(wit_dir, "deps", "switchboard-socket"))
            shutil.copyfile(WIT, os.path.join(wit_dir, "deps", "switchboard-socket", "socket.wit"))
            with open(os.path.join(wit_dir, "route.wit"), "w") as f:
                f.write(world(exports))
            world_name = "route"

        digest = input_digest(source_bytes, route_path, exports, lib_dir, kind, wit_dir if http else None)
        if recorded_digest(out) == digest:
            return "unchanged"

        stage = os.path.join(tmp, "app")
        staged_route = os.path.join(stage, route_path)
        os.makedirs(os.path.dirname(staged_route), exist_ok=True)
        shutil.copyfile(source, staged_route)
        with open(os.path.join(stage, "switchboard_main.py"), "w") as f:
            # Guest path of the staged route: the first python path entry is
            # mounted at /0.
            if http:
                main_module = glue_http()
            elif kind in RUNNERS:
                main_module = glue_runner(kind)
            else:
                main_module = glue(exports)
            f.write(main_module.replace("ROUTE_PATH", repr("/0/" + route_path)))
        # componentize-py adds a site-packages folder to the path; give it
        # an empty one so nothing from this machine's Python leaks in.
        venv = os.path.join(tmp, "env")
        os.makedirs(os.path.join(venv, "lib", "site-packages"))

        cmd = [COMPONENTIZE, "-q", "-d", wit_dir, "-w", world_name]
        cmd += ["componentize", "-p", stage, "-p", SDK_SRC]
        if lib_dir:
            cmd += ["-p", os.path.abspath(lib_dir)]
        built = os.path.join(tmp, "out.wasm")
        cmd += ["-o", built, "switchboard_main"]
        env = dict(os.environ, VIRTUAL_ENV=venv, RUST_BACKTRACE="0", RUST_LIB_BACKTRACE="0")
        env.pop("PYTHONPATH", None)
        result = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode != 0 or not os.path.isfile(built):
            sys.stderr.write(tidy_error(result.stdout, route_path))
            raise BuildError(f"{source}: componentize-py failed")

        with open(built, "ab") as f:
            f.write(custom_section(DIGEST_SECTION, digest.encode()))
        os.makedirs(out_dir, exist_ok=True)
        partial = os.path.join(out_dir, f".{os.path.basename(out)}.{os.getpid()}.tmp")
        shutil.copyfile(built, partial)
        os.replace(partial, out)
    return "built"


FLAGS = {"--http": "http", "--job": "job", "--schedule": "schedule"}


def main(argv):
    args = argv[1:]
    kind = "socket"
    if args and args[0] in FLAGS:
        kind = FLAGS[args.pop(0)]
    if len(args) != 2:
        sys.stderr.write("usage: guest-sdk/python/build [--http | --job | --schedule] SOURCE OUT\n")
        return 2
    try:
        build(args[0], args[1], kind=kind)
    except BuildError as e:
        sys.stderr.write(f"error: {e}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
