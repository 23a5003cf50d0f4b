const ROUTE: &str = "action_enter";
include!("../../../common/probe.rs");
