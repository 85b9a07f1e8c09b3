//! `friskliv-testkit`: the end-to-end harness for tests written in another
//! language (the phone SDK's Python tests through its uniffi bindings).
//! It runs the real server on a random loopback port and a fresh database,
//! and holds the software passkeys (webauthn-authenticator-rs SoftPasskey,
//! as the Rust stories use) that a phone's platform would.
//!
//! One JSON object per line on stdin, one answer per line on stdout:
//!
//! - `{"cmd":"start","backend":"sqlite"|"postgres"}` → `{"base_url"}`
//!   (PostgreSQL from `FRISKLIV_TEST_POSTGRES_URL`)
//! - `{"cmd":"stop"}`, `{"cmd":"restart"}`: an outage, same address and data
//! - `{"cmd":"participant_invite"}` → `{"code","centre_id"}` (a centre and a
//!   signed-in veileder are made on first use)
//! - `{"cmd":"passkey_create"|"passkey_get","device","options_json"}` →
//!   `{"credential_json"}`: the platform's part of a ceremony
//! - `{"cmd":"request","as":"veileder"|"none","token"?,"method","path","body"?}`
//!   → `{"status","body"}`
//! - `{"cmd":"quit"}`
//!
//! Errors are `{"error": "..."}`; the database is dropped when it quits.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use friskliv_tests::{Backend, PasskeyDevice, Session, TestApp};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

struct Kit {
    app: Option<TestApp>,
    centre: Option<(Uuid, Session)>,
    devices: BTreeMap<String, PasskeyDevice>,
}

impl Kit {
    fn app(&self) -> Result<&TestApp, String> {
        self.app
            .as_ref()
            .ok_or_else(|| "start the server first".to_owned())
    }

    async fn handle(&mut self, command: Value) -> Result<Value, String> {
        let text = |key: &str| {
            command[key]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("`{key}` is required"))
        };
        match command["cmd"].as_str().unwrap_or_default() {
            "start" => {
                let backend = match command["backend"].as_str() {
                    Some("postgres") => Backend::Postgres,
                    _ => Backend::Sqlite,
                };
                let app = TestApp::spawn(backend)
                    .await
                    .ok_or("PostgreSQL: set FRISKLIV_TEST_POSTGRES_URL")?;
                let base_url = app.base.to_string();
                self.app = Some(app);
                Ok(json!({ "base_url": base_url }))
            }
            "stop" => {
                self.app.as_mut().ok_or("not started")?.stop().await;
                Ok(json!({}))
            }
            "restart" => {
                self.app.as_mut().ok_or("not started")?.start().await;
                Ok(json!({}))
            }
            "participant_invite" => {
                let app = self.app.as_ref().ok_or("start the server first")?;
                if self.centre.is_none() {
                    let centre = app
                        .create_centre("Frisklivssentralen i Tromsø", "5501")
                        .await;
                    let veileder = app.staff(centre, "veileder", "Vera Veileder").await;
                    self.centre = Some((centre, veileder));
                }
                let (centre, veileder) = self.centre.as_ref().expect("made above");
                let invite = app.invite(&veileder.token, *centre, "participant").await;
                let code = invite.body["code"].as_str().ok_or("no invite code")?;
                Ok(json!({ "code": code, "centre_id": centre }))
            }
            cmd @ ("passkey_create" | "passkey_get") => {
                let name = text("device")?;
                let options: Value = serde_json::from_str(&text("options_json")?)
                    .map_err(|e| format!("options_json: {e}"))?;
                // The platforms take the inner options; SoftPasskey reads the browser's shape.
                let options = json!({ "publicKey": options });
                let device = self
                    .devices
                    .entry(name.clone())
                    .or_insert_with(|| PasskeyDevice::new(&name));
                let credential = if cmd == "passkey_create" {
                    device.create(&options)
                } else {
                    device.get(&options)
                };
                Ok(json!({ "credential_json": credential.to_string() }))
            }
            "request" => {
                let app = self.app()?;
                let token = match command["as"].as_str() {
                    Some("veileder") => Some(
                        self.centre
                            .as_ref()
                            .ok_or("no veileder yet: ask for a participant invite first")?
                            .1
                            .token
                            .clone(),
                    ),
                    _ => command["token"].as_str().map(str::to_owned),
                };
                let method = Method::from_bytes(text("method")?.as_bytes())
                    .map_err(|e| format!("method: {e}"))?;
                let body = command.get("body").filter(|b| !b.is_null()).cloned();
                let reply = app
                    .request(method, &text("path")?, token.as_deref(), body)
                    .await;
                Ok(json!({ "status": reply.status.as_u16(), "body": reply.body }))
            }
            other => Err(format!("unknown cmd {other:?}")),
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut kit = Kit {
        app: None,
        centre: None,
        devices: BTreeMap::new(),
    };
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    while let Some(Ok(line)) = lines.next() {
        if line.trim().is_empty() {
            continue;
        }
        let answer = match serde_json::from_str::<Value>(&line) {
            Ok(command) if command["cmd"] == "quit" => break,
            Ok(command) => kit
                .handle(command)
                .await
                .unwrap_or_else(|e| json!({ "error": e })),
            Err(e) => json!({ "error": format!("not JSON: {e}") }),
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{answer}");
        let _ = out.flush();
    }
    // Dropping the app stops the server and drops its database.
    drop(kit.app.take());
}
