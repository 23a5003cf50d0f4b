include!("../../../common/context.rs");
