// The build stubs out WASI, so the engine has no clock: reading the time
// would trap ("unreachable executed"). Make it a clear error instead.
// Dates built from explicit values still work.

const NO_CLOCK = "Switchboard JS handlers have no clock (WASI is stubbed out): Date.now(), new Date() and performance.now() are unavailable";

const RealDate = Date;

function noClock() {
  throw new Error(NO_CLOCK);
}

globalThis.Date = new Proxy(RealDate, {
  construct(target, args, newTarget) {
    if (args.length === 0) noClock();
    return Reflect.construct(target, args, newTarget);
  },
  apply() {
    noClock();
  },
  get(target, key, receiver) {
    if (key === "now") return noClock;
    return Reflect.get(target, key, receiver);
  },
});

Object.defineProperty(globalThis, "performance", {
  value: Object.freeze({ now: noClock }),
  writable: true,
  configurable: true,
});
