const ROUTE: &str = "kind_a/[sub]/action_y";

include!("../../../common/probe.rs");
