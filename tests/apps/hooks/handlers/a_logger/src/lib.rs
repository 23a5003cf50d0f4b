use switchboard_guest::{HookMode, HookModes};

const LABEL: &str = "kind_a";
const PANIC: bool = false;
const MODES: HookModes = HookModes {
    received: HookMode::Wrap,
    sent: HookMode::Inherit,
    error: HookMode::Inherit,
};

include!("../../../common/logger.rs");
