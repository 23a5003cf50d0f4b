// A fake of the host's imports (every interface in one module, as their
// function names do not clash), for SDK code run under Node. Each call is
// logged in `calls`; `state` says what the host answers. A thrown string
// is the WIT `err(reason)`, as componentize-qjs gives it to the guest.

export const calls = [];
export const state = { user: null, params: [], attempt: null, pushError: null, sendError: null, nextJob: 1 };

function log(name, ...args) {
  calls.push([name, ...args]);
}

// socket
export function send(data) {
  log("send", data);
  if (state.sendError !== null) throw state.sendError;
}
export function sendTo(users, data) {
  log("sendTo", users, data);
}
export function isOnline() {
  return false;
}

// store
export function get() {
  return undefined;
}
export function set() {}
function remove() {
  return false;
}
export { remove as delete };
export function setAdd() {
  return true;
}
export function setRemove() {
  return false;
}
export function setMembers() {
  return [];
}

// context
export function user() {
  return state.user;
}
export function params() {
  return state.params;
}
export function attempt() {
  return state.attempt;
}

// queue
export function push(queue, payload, options) {
  log("push", queue, payload, options);
  if (state.pushError !== null) throw state.pushError;
  return `job-${state.nextJob++}`;
}
