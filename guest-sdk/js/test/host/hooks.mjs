// Node module hooks for test/jobs.test.mjs: every `switchboard:socket/…`
// import (the host's interfaces) resolves to the fake host next door.
const HOST = new URL("./host.mjs", import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier.startsWith("switchboard:socket/")) return { url: HOST, shortCircuit: true };
  return next(specifier, context);
}
