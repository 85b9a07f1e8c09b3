//! A phone's passkey store for tests: webauthn-authenticator-rs's
//! `SoftPasskey` performs the real cryptography (key generation, signed
//! attestation and assertions over the real client data); this wrapper adds
//! what SoftPasskey lacks and a phone has: *discoverable* credentials. It
//! remembers the user handle of each credential it created and, when the
//! server asks for any credential (empty `allowCredentials`), offers them
//! and returns the user handle, as a platform authenticator does.

use std::collections::BTreeMap;

use serde_json::Value;
use url::Url;
use webauthn_authenticator_rs::prelude::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::{AuthenticatorBackend, error::WebauthnCError};
use webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse};
use webauthn_rs_proto::{
    AllowCredentials, PublicKeyCredential, PublicKeyCredentialCreationOptions,
    PublicKeyCredentialRequestOptions, RegisterPublicKeyCredential,
};

use crate::ORIGIN;

pub struct PasskeyDevice {
    pub name: String,
    inner: SoftPasskey,
    user_handles: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl PasskeyDevice {
    pub fn new(name: &str) -> Self {
        PasskeyDevice {
            name: name.to_owned(),
            // `true`: claim user verification (the phone's biometric check).
            inner: SoftPasskey::new(true),
            user_handles: BTreeMap::new(),
        }
    }

    /// `navigator.credentials.create()` with the server's JSON options.
    pub fn create(&mut self, options: &Value) -> Value {
        let options: CreationChallengeResponse =
            serde_json::from_value(options.clone()).expect("standard WebAuthn creation options");
        let origin = Url::parse(ORIGIN).expect("origin");
        let credential = self
            .do_registration(origin, options)
            .expect("passkey created");
        serde_json::to_value(credential).expect("json")
    }

    /// `navigator.credentials.get()` with the server's JSON options.
    pub fn get(&mut self, options: &Value) -> Value {
        let options: RequestChallengeResponse =
            serde_json::from_value(options.clone()).expect("standard WebAuthn request options");
        let origin = Url::parse(ORIGIN).expect("origin");
        let credential = self
            .do_authentication(origin, options)
            .expect("assertion made");
        serde_json::to_value(credential).expect("json")
    }

    /// Forgets every passkey, as a lost or reset phone does.
    pub fn wipe(&mut self) {
        self.inner = SoftPasskey::new(true);
        self.user_handles.clear();
    }
}

impl AuthenticatorBackend for PasskeyDevice {
    fn perform_register(
        &mut self,
        origin: Url,
        mut options: PublicKeyCredentialCreationOptions,
        timeout_ms: u32,
    ) -> Result<RegisterPublicKeyCredential, WebauthnCError> {
        let user_handle: Vec<u8> = options.user.id.clone();
        // This wrapper is the resident storage, so SoftPasskey itself is
        // asked for an ordinary credential.
        if let Some(selection) = options.authenticator_selection.as_mut() {
            assert!(
                selection.require_resident_key,
                "the server must ask for a discoverable credential"
            );
            selection.require_resident_key = false;
            selection.resident_key = None;
        }
        let credential = self.inner.perform_register(origin, options, timeout_ms)?;
        self.user_handles
            .insert(credential.raw_id.clone(), user_handle);
        Ok(credential)
    }

    fn perform_auth(
        &mut self,
        origin: Url,
        mut options: PublicKeyCredentialRequestOptions,
        timeout_ms: u32,
    ) -> Result<PublicKeyCredential, WebauthnCError> {
        if options.allow_credentials.is_empty() {
            options.allow_credentials = self
                .user_handles
                .keys()
                .map(|id| AllowCredentials {
                    type_: "public-key".to_owned(),
                    id: id.clone(),
                    transports: None,
                })
                .collect();
        }
        let mut credential = self.inner.perform_auth(origin, options, timeout_ms)?;
        let raw_id: Vec<u8> = credential.raw_id.clone();
        credential.response.user_handle = self.user_handles.get(&raw_id).cloned();
        Ok(credential)
    }
}
