//! Indicators and diary days must not depend on the zone the server runs
//! in: dates come from the participant's own offset/zone or from the
//! service calendar (`clock::SERVICE_ZONE`, Europe/Oslo). This fails if
//! code starts reading the host's zone through `chrono::Local`.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_code_reads_the_host_time_zone() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for crate_dir in ["domain/src", "api/src"] {
        rust_files(&root.join(crate_dir), &mut files);
    }
    assert!(files.len() > 20, "found only {} files", files.len());
    let offenders: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            ["chrono::Local", "Local::now", "Local::today", "Local.from_"]
                .iter()
                .any(|needle| text.contains(needle))
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "host-zone clock used in {offenders:?}"
    );
}
