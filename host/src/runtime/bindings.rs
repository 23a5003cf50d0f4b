//! Host-side bindings of the WIT package in `wit/`.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "switchboard:socket/host",
    imports: { default: async | trappable },
    exports: { default: async },
});

pub use exports::switchboard::socket::{authenticate, handler, job, logging, presence, schedule};
pub use switchboard::socket::{context, queue, socket, store, types};
