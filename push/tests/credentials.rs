//! A bad service-account file is a `Credentials` error from `FcmClient::new`,
//! naming what is wrong, before anything is sent.

use std::path::Path;

use friskliv_push::fake::{FIXTURE_PUBLIC_KEY, FIXTURE_SERVICE_ACCOUNT};
use friskliv_push::{FcmClient, FcmConfig, PushError};
use serde_json::{Value, json};

fn fixture() -> Value {
    serde_json::from_str(FIXTURE_SERVICE_ACCOUNT).unwrap()
}

fn build(path: &Path) -> Result<FcmClient, PushError> {
    FcmClient::new(FcmConfig::new(path))
}

/// The `Credentials` message for a file with these contents.
fn error_for(contents: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sa.json");
    std::fs::write(&path, contents).unwrap();
    match build(&path) {
        Err(PushError::Credentials(message)) => {
            assert!(message.contains(&path.display().to_string()), "{message}");
            message
        }
        other => panic!("expected a Credentials error, got {other:?}"),
    }
}

fn error_with(change: impl FnOnce(&mut Value)) -> String {
    let mut account = fixture();
    change(&mut account);
    error_for(&account.to_string())
}

fn assert_mentions(message: &str, what: &str) {
    assert!(
        message.contains(what),
        "{message:?} should mention {what:?}"
    );
}

#[test]
fn the_fixture_builds_a_client_for_its_project() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sa.json");
    std::fs::write(&path, FIXTURE_SERVICE_ACCOUNT).unwrap();
    let client = build(&path).unwrap();
    assert_eq!(client.project_id(), "friskliv-test");
    assert!(
        !format!("{client:?}").contains("PRIVATE"),
        "Debug shows no key"
    );
}

#[test]
fn a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nowhere.json");
    match build(&path) {
        Err(PushError::Credentials(m)) => {
            assert_mentions(&m, "cannot read the file");
            assert_mentions(&m, "nowhere.json");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn not_json() {
    assert_mentions(
        &error_for("project_id = friskliv"),
        "not a JSON service-account file",
    );
    assert_mentions(&error_for("[1, 2]"), "not an object");
}

#[test]
fn each_missing_field_is_named() {
    for field in [
        "type",
        "project_id",
        "private_key",
        "client_email",
        "token_uri",
    ] {
        let message = error_with(|a| {
            a.as_object_mut().unwrap().remove(field);
        });
        assert_mentions(&message, &format!("field `{field}` is missing"));
    }
}

#[test]
fn empty_or_mistyped_fields() {
    assert_mentions(
        &error_with(|a| a["project_id"] = json!("")),
        "field `project_id` is empty",
    );
    assert_mentions(
        &error_with(|a| a["client_email"] = json!(7)),
        "field `client_email` is not a string",
    );
    assert_mentions(
        &error_with(|a| a["token_uri"] = json!("not a url")),
        "field `token_uri` is not a URL",
    );
}

#[test]
fn another_kind_of_credentials() {
    let message = error_with(|a| a["type"] = json!("authorized_user"));
    assert_mentions(
        &message,
        "\"authorized_user\", expected \"service_account\"",
    );
}

#[test]
fn unparsable_private_keys() {
    for key in [
        "not a key".to_owned(),
        "-----BEGIN PRIVATE KEY-----\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-----END PRIVATE KEY-----\n".to_owned(),
        FIXTURE_PUBLIC_KEY.to_owned(),
    ] {
        let message = error_with(|a| a["private_key"] = json!(key));
        assert_mentions(&message, "field `private_key`");
    }
}
