//! What stays HTTP of the passkey ceremonies, shared by `auth.rs` and
//! `me.rs`: the finish body, and reading the authenticator's answer from
//! its WebAuthn JSON. The ceremonies themselves are store use cases
//! (`friskliv_store::identity::ceremonies`).

use friskliv_domain::FieldError;
use poem_openapi::Object;
use uuid::Uuid;

use friskliv_store::identity::ceremonies::Finish;

#[derive(Object, serde::Deserialize)]
pub struct CeremonyFinish {
    pub ceremony_id: Uuid,
    /// The authenticator's answer as WebAuthn JSON (`PublicKeyCredential`
    /// with base64url binary fields).
    pub credential: serde_json::Value,
}

impl CeremonyFinish {
    /// The finish with its credential read as `C`; an unreadable one is a
    /// 400 on `credential`, answered once the store has found the ceremony.
    pub fn parse<C: serde::de::DeserializeOwned>(self) -> Finish<C> {
        Finish {
            ceremony_id: self.ceremony_id,
            credential: parse_credential(self.credential),
        }
    }
}

pub fn parse_credential<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, FieldError> {
    serde_json::from_value(value).map_err(|e| {
        FieldError::new(
            "credential",
            "webauthn_json",
            format!("is not a WebAuthn credential in JSON form ({e})"),
        )
    })
}
