// A Promise whose reactions run on a queue this module owns.
//
// QuickJS runs its own promise jobs only when the embedder asks, and the
// component runtime never asks during a call: a native `await` would
// suspend forever. So the build lowers every `async` function to a
// generator driven by `Promise`, and this module replaces the global
// `Promise` (and `queueMicrotask`) with one whose jobs `drain()` runs.
// The glue calls `drain()` after each export, so a handler's promise is
// settled before the call returns. Ordering follows the usual rules:
// reactions never run synchronously inside `then`.

const jobs = [];
let next = 0;

function enqueue(job) {
  jobs.push(job);
}

/** Runs queued jobs, and the jobs they queue, until none are left. If one
 *  throws (they catch what they run, so only an engine error can), the
 *  rest are dropped: in a warm instance nothing one call queued may run
 *  in the next call, which can be another user's. */
export function drain() {
  try {
    while (next < jobs.length) {
      const job = jobs[next];
      jobs[next++] = undefined;
      job();
    }
  } finally {
    jobs.length = 0;
    next = 0;
  }
}

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;

const state = Symbol("state");
const value = Symbol("value");
const reactions = Symbol("reactions");

function settle(promise, newState, result) {
  if (promise[state] !== PENDING) return;
  promise[state] = newState;
  promise[value] = result;
  const waiting = promise[reactions];
  promise[reactions] = undefined;
  for (const react of waiting) enqueue(() => react(newState, result));
}

// The promise resolution procedure: adopts thenables, once.
function resolver(promise) {
  let done = false;
  const resolve = (result) => {
    if (done) return;
    done = true;
    if (result === promise) {
      settle(promise, REJECTED, new TypeError("a promise cannot resolve to itself"));
      return;
    }
    if (result !== null && (typeof result === "object" || typeof result === "function")) {
      let then;
      try {
        then = result.then;
      } catch (error) {
        settle(promise, REJECTED, error);
        return;
      }
      if (typeof then === "function") {
        enqueue(() => {
          const inner = resolver(promise);
          try {
            then.call(result, inner.resolve, inner.reject);
          } catch (error) {
            inner.reject(error);
          }
        });
        return;
      }
    }
    settle(promise, FULFILLED, result);
  };
  const reject = (reason) => {
    if (done) return;
    done = true;
    settle(promise, REJECTED, reason);
  };
  return { resolve, reject };
}

class QueuedPromise {
  constructor(executor) {
    if (typeof executor !== "function") throw new TypeError("Promise resolver is not a function");
    this[state] = PENDING;
    this[value] = undefined;
    this[reactions] = [];
    const { resolve, reject } = resolver(this);
    try {
      executor(resolve, reject);
    } catch (error) {
      reject(error);
    }
  }

  then(onFulfilled, onRejected) {
    const Species = typeof this.constructor === "function" ? this.constructor : QueuedPromise;
    let resolve;
    let reject;
    const derived = new Species((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const react = (settled, result) => {
      const callback = settled === FULFILLED ? onFulfilled : onRejected;
      if (typeof callback !== "function") {
        (settled === FULFILLED ? resolve : reject)(result);
        return;
      }
      try {
        resolve(callback(result));
      } catch (error) {
        reject(error);
      }
    };
    if (this[state] === PENDING) this[reactions].push(react);
    else {
      const settled = this[state];
      const result = this[value];
      enqueue(() => react(settled, result));
    }
    return derived;
  }

  catch(onRejected) {
    return this.then(undefined, onRejected);
  }

  finally(onFinally) {
    if (typeof onFinally !== "function") return this.then(onFinally, onFinally);
    const C = this.constructor;
    return this.then(
      (result) => C.resolve(onFinally()).then(() => result),
      (reason) =>
        C.resolve(onFinally()).then(() => {
          throw reason;
        }),
    );
  }

  static resolve(result) {
    if (result instanceof QueuedPromise && result.constructor === this) return result;
    return new this((resolve) => resolve(result));
  }

  static reject(reason) {
    return new this((_, reject) => reject(reason));
  }

  static withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  }

  static all(iterable) {
    return collect(this, iterable, (result, index, values, done) => {
      result.then((v) => {
        values[index] = v;
        done.one();
      }, done.reject);
    });
  }

  static allSettled(iterable) {
    return collect(this, iterable, (result, index, values, done) => {
      result.then(
        (v) => {
          values[index] = { status: "fulfilled", value: v };
          done.one();
        },
        (reason) => {
          values[index] = { status: "rejected", reason };
          done.one();
        },
      );
    });
  }

  static any(iterable) {
    return new this((resolve, reject) => {
      const reasons = [];
      let left = 1;
      let index = 0;
      const fail = () => {
        if (--left === 0) reject(new AggregateError(reasons, "all promises were rejected"));
      };
      for (const item of iterable) {
        const i = index++;
        left++;
        this.resolve(item).then(resolve, (reason) => {
          reasons[i] = reason;
          fail();
        });
      }
      fail();
    });
  }

  static race(iterable) {
    return new this((resolve, reject) => {
      for (const item of iterable) this.resolve(item).then(resolve, reject);
    });
  }

  get [Symbol.toStringTag]() {
    return "Promise";
  }
}

function collect(C, iterable, watch) {
  return new C((resolve, reject) => {
    const values = [];
    let left = 1;
    const done = {
      one: () => {
        if (--left === 0) resolve(values);
      },
      reject,
    };
    let index = 0;
    for (const item of iterable) {
      left++;
      values.push(undefined);
      watch(C.resolve(item), index++, values, done);
    }
    done.one();
  });
}

/** The settled state of a promise made here, after `drain()`. */
export function outcome(promise) {
  if (!(promise instanceof QueuedPromise)) return undefined;
  if (promise[state] === PENDING) return { pending: true };
  return { ok: promise[state] === FULFILLED, value: promise[value] };
}

export { QueuedPromise };

globalThis.Promise = QueuedPromise;
globalThis.queueMicrotask = (callback) => {
  if (typeof callback !== "function") throw new TypeError("queueMicrotask needs a function");
  enqueue(() => {
    try {
      callback();
    } catch {
      // An error in a microtask has no one to report to.
    }
  });
};
