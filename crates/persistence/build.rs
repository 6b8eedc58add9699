//! Fingerprints the migrations as this build embeds them, so that the tests' template
//! databases are named after what the binary will run: a fingerprint read from the
//! directory at run time named a template after migrations a test binary built earlier
//! did not have.

use std::hash::{Hash, Hasher};
use std::path::Path;

fn fingerprint(dir: &Path) -> u64 {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    entries.sort();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for entry in entries {
        entry.file_name().hash(&mut hasher);
        std::fs::read_to_string(entry.join("up.sql"))
            .unwrap_or_default()
            .hash(&mut hasher);
    }
    hasher.finish()
}

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    for (backend, var) in [
        ("sqlite", "AUTOCRM_MIGRATIONS_SQLITE"),
        ("postgres", "AUTOCRM_MIGRATIONS_POSTGRES"),
    ] {
        println!(
            "cargo:rustc-env={var}={:x}",
            fingerprint(&root.join(backend))
        );
    }
}
