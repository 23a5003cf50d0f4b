const ROUTE: &str = "kind_t/action_x";

include!("../../../common/probe.rs");
