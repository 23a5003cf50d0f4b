//! Property tests that feed arbitrary input to decoding, routing, route
//! parsing and the component loader: no panics, and every input is
//! answered or refused cleanly.
//!
//! CI runs the default case counts. Run longer with, for example,
//! `PROPTEST_CASES=200000 cargo test --release -p switchboard --test fuzz`.

use proptest::prelude::*;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use switchboard::app::routing::{Route, RouteTable};
use switchboard::runtime::Runtime;
use switchboard::runtime::bindings::types::DataType;
use switchboard::socket::codec::{self, Frame};

mod common;

const DATA_TYPES: [DataType; 4] = [
    DataType::Json,
    DataType::Text,
    DataType::Binary,
    DataType::Frame,
];

fn table() -> RouteTable<&'static str> {
    let files = [
        "index.wasm",
        "action_join.wasm",
        "[room]/action_enter.wasm",
        "[room]/index.wasm",
        "kind_a/[sub]/action_y.wasm",
        "n_5.wasm",
    ];
    RouteTable::new(
        files
            .iter()
            .map(|f| (Route::parse(Path::new(f)).unwrap().unwrap(), *f))
            .collect(),
    )
}

/// JSON-ish text: objects with the fields the routes look at, cut-off
/// objects, and noise.
fn jsonish() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("\"join\"".to_owned()),
        Just("\"enter\"".to_owned()),
        Just("5".to_owned()),
        Just("null".to_owned()),
        Just("[1,{}]".to_owned()),
        Just("[1, {\"a\" : true}]".to_owned()),
        Just("1.50".to_owned()),
        Just("-0".to_owned()),
        Just("1e3".to_owned()),
        Just("\"jo\\u0069n\"".to_owned()),
        Just("\"a\\\"b\"".to_owned()),
        "\"[a-z\\[\\]_ ]{0,12}\"",
    ];
    let field = prop_oneof![
        Just("action"),
        Just("act\\u0069on"),
        Just("room"),
        Just("kind"),
        Just("sub"),
        Just("n"),
        Just("other"),
    ];
    let object = prop::collection::vec((field, value), 0..6).prop_map(|pairs| {
        let body: Vec<String> = pairs.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", body.join(","))
    });
    prop_oneof![
        object.clone(),
        object.prop_map(|o| o[..o.len() / 2].to_owned()),
        ".{0,64}",
    ]
}

/// Routes and decodes a frame, checking routing against serde_json's
/// reading of the same bytes: a frame is JSON exactly when serde_json
/// parses it, and each param is the field's value as a string, or as
/// compact JSON for other values (the last of repeated keys).
fn check_frame(frame: Frame, bytes: &[u8], table: &RouteTable<&'static str>) {
    let parsed = Some(frame.parse_json());
    let reference = serde_json::from_slice::<serde_json::Value>(bytes);
    assert_eq!(
        parsed.as_ref().unwrap().is_ok(),
        reference.is_ok(),
        "JSON or not, as serde_json says: {:?}",
        String::from_utf8_lossy(bytes)
    );
    let fields = codec::fields(parsed.as_ref());
    assert_eq!(
        fields.is_some(),
        reference.as_ref().is_ok_and(|v| v.is_object())
    );
    if let Some(resolved) = table.resolve(fields) {
        for (name, text) in &resolved.params {
            let value = &reference.as_ref().expect("params come from JSON")[name];
            assert!(!value.is_null(), "param {name} names a field");
            let expected = match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert_eq!(text, &expected);
        }
    }
    for data_type in DATA_TYPES {
        let checked = Some(frame.parse_json().map(drop));
        // Decoding gives data, or an error with a message for the client.
        if let Err(err) = codec::decode(frame.clone(), data_type, checked) {
            assert!(!err.to_string().is_empty());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(5_000) })]

    #[test]
    fn text_frames_route_and_decode_cleanly(text in jsonish()) {
        check_frame(Frame::Text(text.clone().into()), text.as_bytes(), &table());
    }

    #[test]
    fn binary_frames_route_and_decode_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        check_frame(Frame::Binary(bytes.clone().into()), &bytes, &table());
    }

    #[test]
    fn arbitrary_file_names_parse_or_are_refused(name in "[a-z_\\[\\]/.]{0,24}(\\.wasm)?") {
        match Route::parse(Path::new(&name)) {
            Ok(Some(route)) => prop_assert!(!route.name.is_empty()),
            Ok(None) => {}
            Err(err) => prop_assert!(!err.reason.is_empty()),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(64) })]

    /// Random bytes, and a valid component with bytes flipped and cut
    /// off, are refused with a `LoadError` (or, rarely, still load); never
    /// a panic.
    #[test]
    fn the_loader_refuses_broken_components(
        garbage in prop::collection::vec(any::<u8>(), 0..512),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let runtime = runtime();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        // A component header followed by noise.
        let mut wasm = b"\0asm\x0d\0\x01\0".to_vec();
        wasm.extend_from_slice(&garbage);
        prop_assert!(rt.block_on(runtime.load("garbage.wasm", wasm)).is_err());

        let mut mutated = valid_component().to_vec();
        for (at, byte) in &flips {
            let i = at.index(mutated.len());
            mutated[i] ^= byte | 1;
        }
        mutated.truncate(cut.index(mutated.len() + 1));
        if let Err(err) = rt.block_on(runtime.load("mutated.wasm", mutated)) {
            prop_assert!(!err.to_string().is_empty());
        }
    }
}

fn runtime() -> Arc<Runtime> {
    static RUNTIME: OnceLock<Arc<Runtime>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| Runtime::new(Default::default(), None).unwrap())
        .clone()
}

/// The echo example's component, built from source once.
fn valid_component() -> &'static [u8] {
    static WASM: OnceLock<Vec<u8>> = OnceLock::new();
    WASM.get_or_init(|| std::fs::read(common::echo_app().join("socket/index.wasm")).unwrap())
}
