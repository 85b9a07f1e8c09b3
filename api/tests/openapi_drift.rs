//! The committed `openapi/openapi.json` is the contract phone apps and
//! external clients build against: it must equal what the code generates.
//! After an intended change, regenerate it with
//! `cargo run -p friskliv-api -- openapi > openapi/openapi.json`.

#[test]
fn committed_spec_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    let committed = std::fs::read_to_string(path).expect("openapi/openapi.json exists");
    let generated = friskliv_api::openapi_json();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date: run `cargo run -p friskliv-api -- openapi > openapi/openapi.json` and commit it"
    );
}

#[test]
fn every_operation_has_an_id_a_tag_a_summary_and_problem_responses() {
    let spec: serde_json::Value = serde_json::from_str(&friskliv_api::openapi_json()).unwrap();
    let mut ids = std::collections::HashSet::new();
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path}: operationId"));
            assert!(ids.insert(id.to_owned()), "duplicate operationId {id}");
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{id}: tag"
            );
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{id}: summary"
            );
            for status in ["400", "401", "404", "422", "429", "500"] {
                assert!(
                    op["responses"][status]["content"]["application/problem+json"].is_object(),
                    "{id}: {status} declared as problem+json"
                );
            }
        }
    }
}
