const ROUTE: &str = "[room]/index";
include!("../../../common/probe.rs");
