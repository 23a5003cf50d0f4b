use switchboard_guest::{HookMode, HookModes};

const LABEL: &str = "kind_t";
const PANIC: bool = true;
const MODES: HookModes = HookModes {
    received: HookMode::Handle,
    sent: HookMode::Inherit,
    error: HookMode::Inherit,
};

include!("../../../common/logger.rs");
