//! The host's folders stay layered: each imports only the layers below it
//! (as the README's table says), so there is no circle of imports and
//! nothing below `server` and `cli` reaches up to them.

use std::collections::BTreeSet;
use std::path::Path;

/// Lowest first; each may use only the ones before it.
const LAYERS: &[&str] = &[
    "metrics", "backend", "settings", "edge", "runtime", "app", "auth", "context", "socket",
    "http", "jobs", "server", "cli",
];

/// The top-level modules a file names as `crate::NAME`.
fn imports(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        // `switchboard::crate::` cannot occur; skip `$crate::` in macros.
        if text[..i].ends_with('$') {
            continue;
        }
        let name: String = text[i + 7..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        found.insert(name);
    }
    found
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn each_folder_imports_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut broken = Vec::new();
    for (rank, layer) in LAYERS.iter().enumerate() {
        let mut paths = Vec::new();
        let folder = src.join(layer);
        if folder.is_dir() {
            files(&folder, &mut paths);
        } else {
            paths.push(src.join(format!("{layer}.rs")));
        }
        assert!(!paths.is_empty(), "no files for {layer}");
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            for name in imports(&text) {
                let Some(used) = LAYERS.iter().position(|l| *l == name) else {
                    panic!(
                        "{} imports crate::{name}, which is no layer",
                        path.display()
                    );
                };
                if used > rank {
                    broken.push(format!("{} imports {name}", path.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "imports upward:\n{}", broken.join("\n"));
}

#[test]
fn every_module_of_the_crate_is_a_layer_in_the_map() {
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let mut modules: Vec<&str> = lib
        .lines()
        .filter_map(|line| line.strip_prefix("pub mod "))
        .map(|rest| rest.trim_end_matches(';'))
        .collect();
    modules.sort();
    let mut layers = LAYERS.to_vec();
    layers.sort();
    assert_eq!(modules, layers, "lib.rs declares exactly the layers");
    // The crate doc lists them in order, lowest first.
    let order: Vec<usize> = LAYERS
        .iter()
        .map(|layer| lib.find(&format!(". [`{layer}`]")).expect("in the map"))
        .collect();
    assert!(
        order.is_sorted(),
        "the map in lib.rs lists the layers lowest first"
    );
}
