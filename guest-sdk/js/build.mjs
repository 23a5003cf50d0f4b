// guest-sdk/js/build SOURCE OUT: one handler source (.js, .mjs or .ts) to
// one component.
//
// 1. Bundle the author's module once to learn its exports.
// 2. Generate an entry that adapts those exports to the WIT exports, and a
//    WIT world that exports exactly the interfaces they implement.
// 3. Bundle the entry (TypeScript stripped, `async` lowered to generators,
//    see src/promise.js) into one ES module.
// 4. Componentize it with QuickJS (componentize-qjs), WASI stubbed out.

import { componentize } from "componentize-qjs";
import * as esbuild from "esbuild";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SDK = path.dirname(fileURLToPath(import.meta.url));
const WIT = path.resolve(SDK, "../../wit/socket.wit");

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
const hostModules = {
  name: "switchboard-host-modules",
  setup(build) {
    build.onResolve({ filter: /^switchboard:socket\// }, (args) => ({
      path: args.path.includes("@") ? args.path : `${args.path}@${VERSION}`,
      external: true,
    }));
  },
};

// Author's export -> the WIT interface it belongs to.
const INTERFACES = {
  default: "handler",
  config: "handler",
  authenticate: "authenticate",
  onOnline: "presence",
  onOffline: "presence",
  onMessageReceived: "logging",
  onMessageSent: "logging",
  onError: "logging",
  hooks: "logging",
};

function fail(message) {
  process.stderr.write(`guest-sdk/js/build: ${message}\n`);
  process.exit(1);
}

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

function bundleOptions(extra) {
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
    plugins: [hostModules],
    charset: "utf8",
    legalComments: "none",
    logLevel: "silent",
    ...extra,
  };
}

function report(error) {
  if (error.errors?.length) {
    const lines = esbuild.formatMessagesSync(error.errors, { kind: "error", color: false });
    process.stderr.write(lines.join(""));
    process.exit(1);
  }
  throw error;
}

async function exportsOf(source) {
  const result = await esbuild
    .build(bundleOptions({ entryPoints: [source], metafile: true, outdir: "out" }))
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
  return lines.join("\n") + "\n";
}

function worldFile(interfaces) {
  const exports = [...interfaces].map((name) => `    export ${name};\n`).join("");
  return (
    `package switchboard:socket@${VERSION};\n\n` +
    "world js-component {\n    import socket;\n    import store;\n" +
    exports +
    "}\n"
  );
}

async function main() {
  const [sourceArg, outArg] = process.argv.slice(2);
  if (!sourceArg || !outArg) fail("usage: build SOURCE OUT");
  const source = path.resolve(sourceArg);
  const out = path.resolve(outArg);
  if (!fs.existsSync(source)) fail(`${sourceArg}: no such file`);
  if (!/\.(js|mjs|ts)$/.test(source)) fail(`${sourceArg}: expected a .js, .mjs or .ts file`);

  const names = await exportsOf(source);
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
        "authenticate, onOnline/onOffline, or logging hooks (onMessageReceived, onMessageSent, onError, hooks)",
    );
  }
  const order = ["handler", "authenticate", "presence", "logging"];
  const sorted = new Set(order.filter((name) => interfaces.has(name)));

  const bundled = await esbuild
    .build(
      bundleOptions({
        stdin: {
          contents: entryModule(source, sorted),
          resolveDir: path.dirname(source),
          sourcefile: "switchboard-entry.js",
          loader: "js",
        },
      }),
    )
    .catch(report);
  const js = bundled.outputFiles[0].text;
  if (process.env.SWITCHBOARD_JS_DUMP) fs.writeFileSync(process.env.SWITCHBOARD_JS_DUMP, js);

  const optSize = process.env.SWITCHBOARD_JS_OPT_SIZE === "1";
  const key = createHash("sha256")
    .update(
      JSON.stringify({
        js,
        world: worldFile(sorted),
        wit: fs.readFileSync(WIT, "utf8"),
        componentize: versionOf("componentize-qjs"),
        optSize,
      }),
    )
    .digest("hex");
  const section = buildSection(key);
  if (upToDate(out, section)) return;

  const witDir = fs.mkdtempSync(path.join(os.tmpdir(), "switchboard-js-"));
  try {
    fs.copyFileSync(WIT, path.join(witDir, "socket.wit"));
    fs.writeFileSync(path.join(witDir, "world.wit"), worldFile(sorted));
    let component;
    try {
      ({ component } = await componentize({
        witPath: witDir,
        world: "js-component",
        jsSource: js,
        // Our WIT has no async functions; the host runs components
        // without the component-model async ABI.
        sync: true,
        // Every WASI import becomes a trap: the component imports only
        // Switchboard's interfaces.
        stubWasi: true,
        optSize,
      }));
    } catch (error) {
      fail(`${sourceArg}: ${String(error.message ?? error).replace(/^[:\s]+/, "")}`);
    }
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const temporary = path.join(path.dirname(out), `.${path.basename(out)}.${process.pid}.tmp`);
    fs.writeFileSync(temporary, Buffer.concat([component, section]));
    fs.renameSync(temporary, out);
  } finally {
    fs.rmSync(witDir, { recursive: true, force: true });
  }
}

main().catch((error) => fail(error.stack ?? String(error)));
