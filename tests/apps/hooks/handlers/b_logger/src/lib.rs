use switchboard_guest::{HookMode, HookModes};

const LABEL: &str = "kind_b";
const PANIC: bool = false;
const MODES: HookModes = HookModes {
    received: HookMode::Disable,
    sent: HookMode::Disable,
    error: HookMode::Inherit,
};

include!("../../../common/logger.rs");
