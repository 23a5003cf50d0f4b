// guest-sdk/js/build [--http|--job|--schedule] SOURCE OUT: one handler
// source (.js, .mjs or .ts) to one component.
//
// 1. Bundle the author's module once to learn its exports.
// 2. Generate an entry that adapts those exports to the WIT exports, and a
//    WIT world that exports exactly the interfaces they implement. With
//    `--http` (an `api/` handler) the world is wit/guest/http.wit's
//    `http-handler` and the export is wasi:http/incoming-handler; with
//    `--job` (`queues/<name>`) the export is `job`, with `--schedule`
//    (`schedules/<name>`) it is `schedule`.
// 3. Bundle the entry (TypeScript stripped, `async` lowered to generators,
//    see src/promise.js) into one ES module.
// 4. Componentize it with QuickJS (componentize-qjs), the engine's own WASI
//    stubbed out (see http-build.mjs for how wasi:http survives that).

import { componentize } from "componentize-qjs";
import * as esbuild from "esbuild";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { assembleWit, exportsIncomingHandler, restoreWasiNames, SHADOW, shadowWasi, witTexts } from "./http-build.mjs";

const SDK = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(SDK, "../..");
const WIT = path.join(REPO, "wit/socket.wit");

// A build error for the author: printed without a stack (as is when
// `raw`), exit status 1.
class BuildError extends Error {
  constructor(message, raw = false) {
    super(message);
    this.raw = raw;
  }
}

function fail(message) {
  throw new BuildError(message);
}

// The package's version, read from the WIT so that a bump there is the
// only edit: the SDK imports `switchboard:socket/<interface>` unversioned
// and the bundle names `switchboard:socket/<interface>@<version>`.
function witVersion() {
  const found = /^\s*package\s+switchboard:socket@([^\s;]+)\s*;/m.exec(fs.readFileSync(WIT, "utf8"));
  if (!found) fail(`${WIT}: no \`package switchboard:socket@VERSION;\` line`);
  return found[1];
}
const VERSION = witVersion();

// Host interfaces stay imports of the bundle, with the version added.
// `wasi:` interfaces exist only in HTTP handlers, where they are named by
// their shadow package (http-build.mjs). `#wasi-http` is the SDK's
// wasi:http layer, or its stand-in for socket handlers.
function hostModules(kind) {
  return {
    name: "switchboard-host-modules",
    setup(build) {
      build.onResolve({ filter: /^switchboard:socket\// }, (args) => ({
        path: args.path.includes("@") ? args.path : `${args.path}@${VERSION}`,
        external: true,
      }));
      build.onResolve({ filter: /^#wasi-http$/ }, () => ({
        path: path.join(SDK, kind.http ? "src/wasi-http.js" : "src/wasi-http-none.js"),
      }));
      build.onResolve({ filter: /^wasi:/ }, (args) => {
        if (!kind.http) {
          return { errors: [{ text: `${args.path}: WASI interfaces are only available in api/ handlers (build --http)` }] };
        }
        const found = /^wasi:([a-z0-9-]+)\/([a-z0-9-]+)(?:@(.+))?$/.exec(args.path);
        const version = found && (found[3] ?? kind.wasiVersions[found[1]]);
        if (!version) return { errors: [{ text: `${args.path}: not a WASI interface of wit/guest/http.wit` }] };
        return { path: `${SHADOW}:${found[1]}/${found[2]}@${version}`, external: true };
      });
    },
  };
}

// Author's export -> the WIT interface it belongs to.
const INTERFACES = {
  default: "handler",
  config: "handler",
  authenticate: "authenticate",
  onOnline: "presence",
  onOffline: "presence",
  onMessageReceived: "logging",
  onMessagesSent: "logging",
  onError: "logging",
  hooks: "logging",
};


// componentize-qjs snapshots the engine after running the module, and the
// snapshot differs in a few hundred bytes from run to run. So
// that an unchanged source gives an unchanged file (and the host's compile
// cache hits), each component ends with a custom section naming a hash of
// everything that went into it; a rebuild with the same hash keeps the file.
const SECTION = "switchboard-js-build";

function buildSection(key) {
  const name = Buffer.from(SECTION);
  const payload = Buffer.from(key);
  const body = Buffer.concat([Buffer.from([name.length]), name, payload]);
  if (body.length > 127) throw new Error("build section too long");
  return Buffer.concat([Buffer.from([0, body.length]), body]);
}

function versionOf(pkg) {
  const file = path.join(SDK, "node_modules", pkg, "package.json");
  return JSON.parse(fs.readFileSync(file, "utf8")).version;
}

function upToDate(out, section) {
  let fd;
  try {
    fd = fs.openSync(out, "r");
    const size = fs.fstatSync(fd).size;
    if (size < section.length) return false;
    const tail = Buffer.alloc(section.length);
    fs.readSync(fd, tail, 0, section.length, size - section.length);
    return tail.equals(section);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function bundleOptions(kind, extra) {
  return {
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    // QuickJS never runs its own promise jobs inside a call: lower `async`
    // so that our Promise (src/promise.js) drives it.
    supported: { "async-await": false, "async-generator": false, "for-await": false },
    mainFields: ["module", "main"],
    alias: { switchboard: path.join(SDK, "src/index.js") },
    plugins: [hostModules(kind)],
    charset: "utf8",
    legalComments: "none",
    logLevel: "silent",
    ...extra,
  };
}

function report(error) {
  if (error.errors?.length) {
    const lines = esbuild.formatMessagesSync(error.errors, { kind: "error", color: false });
    throw new BuildError(lines.join(""), true);
  }
  throw error;
}

async function exportsOf(kind, source) {
  const result = await esbuild
    .build(bundleOptions(kind, { entryPoints: [source], metafile: true, outdir: "out" }))
    .catch(report);
  const [output] = Object.values(result.metafile.outputs).filter((o) => o.entryPoint);
  return output.exports;
}

function entryModule(source, interfaces) {
  const glue = JSON.stringify(path.join(SDK, "src/glue.js"));
  const lines = [
    `import * as glue from ${glue};`,
    `import * as author from ${JSON.stringify(source)};`,
  ];
  if (interfaces.has("handler")) lines.push("export const handler = glue.handlerExport(author);");
  if (interfaces.has("authenticate")) {
    lines.push("export const authenticate = glue.authenticateExport(author);");
  }
  if (interfaces.has("presence")) lines.push("export const presence = glue.presenceExport(author);");
  if (interfaces.has("logging")) lines.push("export const logging = glue.loggingExport(author);");
  if (interfaces.has("job")) lines.push("export const job = glue.jobExport(author);");
  if (interfaces.has("schedule")) lines.push("export const schedule = glue.scheduleExport(author);");
  return lines.join("\n") + "\n";
}

function httpEntryModule(source) {
  const glue = JSON.stringify(path.join(SDK, "src/glue.js"));
  return [
    `import * as glue from ${glue};`,
    `import * as author from ${JSON.stringify(source)};`,
    "export const incomingHandler = glue.incomingHandlerExport(author);",
  ].join("\n") + "\n";
}

function worldFile(interfaces) {
  const exports = [...interfaces].map((name) => `    export ${name};\n`).join("");
  return (
    `package switchboard:socket@${VERSION};\n\n` +
    "world js-component {\n    import socket;\n    import store;\n    import context;\n    import queue;\n" +
    exports +
    "}\n"
  );
}

// Which interfaces a socket module implements, by its exports.
function socketInterfaces(sourceArg, names) {
  if (names.includes("onMessageSent")) {
    fail(
      `${sourceArg}: exports onMessageSent, which is no longer a hook: export onMessagesSent(messages) instead, ` +
        "called once after each call that sent anything, with every message it sent in order",
    );
  }
  const interfaces = new Set();
  for (const name of names) {
    const iface = INTERFACES[name];
    if (iface) interfaces.add(iface);
  }
  if (names.includes("config") && !names.includes("default")) {
    fail(`${sourceArg}: exports config but no default handler function`);
  }
  if (interfaces.size === 0) {
    fail(
      `${sourceArg}: exports nothing Switchboard calls; export a default handler function, ` +
        "authenticate, onOnline/onOffline, or logging hooks (onMessageReceived, onMessagesSent, onError, hooks)",
    );
  }
  const order = ["handler", "authenticate", "presence", "logging"];
  return new Set(order.filter((name) => interfaces.has(name)));
}

// A job (`--job`) or schedule (`--schedule`) module: its run function is
// the default export (or `run`); a schedule must declare its config.
function runInterfaces(sourceArg, names, kind) {
  const what = kind.job ? "a queue's job module (build --job)" : "a schedule (build --schedule)";
  if (!names.includes("default") && !names.includes("run")) {
    fail(`${sourceArg}: ${what} must export its run function: export default async function (${kind.job ? "job" : "tick"}) { ... }`);
  }
  if (names.includes("default") && names.includes("run")) {
    fail(`${sourceArg}: ${what} exports both a default function and run; export one of them`);
  }
  if (kind.schedule && !names.includes("config")) {
    fail(
      `${sourceArg}: a schedule must declare when it runs: ` +
        'export const config = { cron: "0 * * * *" } (and optionally timezone, timeout)',
    );
  }
  return new Set([kind.job ? "job" : "schedule"]);
}

// The WIT folder componentize-qjs reads, and its world, for each kind.
function prepareWit(kind, witDir, interfaces) {
  if (kind.http) {
    return { world: "http-handler", texts: witTexts(witDir) };
  }
  fs.copyFileSync(WIT, path.join(witDir, "socket.wit"));
  fs.writeFileSync(path.join(witDir, "world.wit"), worldFile(interfaces));
  return { world: "js-component", texts: witTexts(witDir) };
}

async function main() {
  const args = process.argv.slice(2);
  const flags = { "--http": "http", "--job": "job", "--schedule": "schedule" };
  const kindName = flags[args[0]] ?? "socket";
  if (kindName !== "socket") args.shift();
  const http = kindName === "http";
  const [sourceArg, outArg, extra] = args;
  if (!sourceArg || !outArg || extra !== undefined || sourceArg.startsWith("--")) {
    fail("usage: build [--http|--job|--schedule] SOURCE OUT");
  }
  const source = path.resolve(sourceArg);
  const out = path.resolve(outArg);
  if (!fs.existsSync(source)) fail(`${sourceArg}: no such file`);
  if (!/\.(js|mjs|ts)$/.test(source)) fail(`${sourceArg}: expected a .js, .mjs or .ts file`);

  const witDir = fs.mkdtempSync(path.join(os.tmpdir(), "switchboard-js-"));
  try {
    // An HTTP handler's WIT is assembled first: the bundle names the
    // versions of the WASI interfaces it imports.
    const kind = { http, job: kindName === "job", schedule: kindName === "schedule", wasiVersions: {} };
    if (http) {
      try {
        assembleWit(REPO, witDir);
      } catch (error) {
        fail(error.message);
      }
      kind.wasiVersions = shadowWasi(witDir);
    }

    const names = await exportsOf(kind, source);
    let interfaces = null;
    let entry;
    if (http) {
      if (!names.includes("default")) {
        fail(`${sourceArg}: an api/ handler must export a default function (request) => Response`);
      }
      entry = httpEntryModule(source);
    } else if (kind.job || kind.schedule) {
      interfaces = runInterfaces(sourceArg, names, kind);
      entry = entryModule(source, interfaces);
    } else {
      interfaces = socketInterfaces(sourceArg, names);
      entry = entryModule(source, interfaces);
    }

    const bundled = await esbuild
      .build(
        bundleOptions(kind, {
          stdin: {
            contents: entry,
            resolveDir: path.dirname(source),
            sourcefile: "switchboard-entry.js",
            loader: "js",
          },
        }),
      )
      .catch(report);
    const js = bundled.outputFiles[0].text;
    if (process.env.SWITCHBOARD_JS_DUMP) fs.writeFileSync(process.env.SWITCHBOARD_JS_DUMP, js);

    const { world, texts } = prepareWit(kind, witDir, interfaces);
    const optSize = process.env.SWITCHBOARD_JS_OPT_SIZE === "1";
    const key = createHash("sha256")
      .update(
        JSON.stringify({
          kind: kindName,
          js,
          world,
          wit: texts,
          componentize: versionOf("componentize-qjs"),
          optSize,
        }),
      )
      .digest("hex");
    const section = buildSection(key);
    if (upToDate(out, section)) return;

    let component;
    try {
      ({ component } = await componentize({
        witPath: witDir,
        world,
        jsSource: js,
        // Our WIT has no async functions; the host runs components
        // without the component-model async ABI.
        sync: true,
        // Every WASI import of the engine itself becomes a trap: the
        // component imports only its world's interfaces.
        stubWasi: true,
        optSize,
      }));
    } catch (error) {
      fail(`${sourceArg}: ${String(error.message ?? error).replace(/^[:\s]+/, "")}`);
    }
    if (http) {
      restoreWasiNames(component);
      if (!exportsIncomingHandler(component)) {
        fail(`${sourceArg}: the component does not export wasi:http/incoming-handler (an SDK bug)`);
      }
    }
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const temporary = path.join(path.dirname(out), `.${path.basename(out)}.${process.pid}.tmp`);
    fs.writeFileSync(temporary, Buffer.concat([component, section]));
    fs.renameSync(temporary, out);
  } finally {
    fs.rmSync(witDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  if (error instanceof BuildError && error.raw) process.stderr.write(error.message);
  else {
    const message = error instanceof BuildError ? error.message : (error.stack ?? String(error));
    process.stderr.write(`guest-sdk/js/build: ${message}\n`);
  }
  process.exit(1);
});
