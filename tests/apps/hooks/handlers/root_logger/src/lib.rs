use switchboard_guest::{HookMode, HookModes};

const LABEL: &str = "root";
const PANIC: bool = false;
const MODES: HookModes = HookModes {
    received: HookMode::Handle,
    sent: HookMode::Handle,
    error: HookMode::Handle,
};

include!("../../../common/logger.rs");
