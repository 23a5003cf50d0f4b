const ROUTE: &str = "action_self";

include!("../../../common/probe.rs");

mod log {
    use switchboard_guest::{HookMode, HookModes};

    const LABEL: &str = "self";
    const PANIC: bool = false;
    const MODES: HookModes = HookModes {
        received: HookMode::Handle,
        sent: HookMode::Inherit,
        error: HookMode::Inherit,
    };

    include!("../../../common/logger.rs");
}
