const ROUTE: &str = "kind_b/action_x";

include!("../../../common/probe.rs");
