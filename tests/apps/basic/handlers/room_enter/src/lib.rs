const ROUTE: &str = "[room]/action_enter";
include!("../../../common/probe.rs");
