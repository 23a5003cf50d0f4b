// Bundles a driver of test/fixtures as the build bundles a component
// (async lowered, `switchboard` the SDK, the host's interfaces left as
// imports) and runs it under Node with the fake host of test/host; the
// driver prints what came out as JSON.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const TEST = path.dirname(fileURLToPath(import.meta.url));
export const SDK = path.dirname(TEST);

export async function runDriver(fixture) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "switchboard-js-test-"));
  try {
    const bundle = path.join(dir, "driver.mjs");
    await esbuild.build({
      entryPoints: [path.join(TEST, "fixtures", fixture)],
      outfile: bundle,
      bundle: true,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      supported: { "async-await": false, "async-generator": false, "for-await": false },
      alias: { switchboard: path.join(SDK, "src/index.js") },
      logLevel: "silent",
      plugins: [
        {
          name: "host",
          setup(build) {
            build.onResolve({ filter: /^switchboard:socket\// }, (args) => ({ path: args.path, external: true }));
            build.onResolve({ filter: /^#wasi-http$/ }, () => ({ path: path.join(SDK, "src/wasi-http-none.js") }));
          },
        },
      ],
    });
    const output = execFileSync(process.execPath, ["--import", path.join(TEST, "host/register.mjs"), bundle], {
      encoding: "utf8",
    });
    return JSON.parse(output);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
