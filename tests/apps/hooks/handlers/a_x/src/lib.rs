const ROUTE: &str = "kind_a/action_x";

include!("../../../common/probe.rs");
