//! The Google service-account file, checked completely when the client is
//! built so a bad file stops the server at start, not at the first reminder.

use std::fmt;
use std::path::Path;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::Value;
use url::Url;

use crate::PushError;

pub(crate) struct ServiceAccount {
    pub project_id: String,
    pub client_email: String,
    pub token_uri: Url,
    pub key_id: Option<String>,
    pub key: EncodingKey,
}

impl fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("project_id", &self.project_id)
            .field("client_email", &self.client_email)
            .field("token_uri", &self.token_uri.as_str())
            .finish_non_exhaustive()
    }
}

impl ServiceAccount {
    pub fn header(&self) -> Header {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = self.key_id.clone();
        header
    }
}

pub(crate) fn load(path: &Path) -> Result<ServiceAccount, PushError> {
    let shown = path.display();
    let err = |what: String| PushError::Credentials(format!("{shown}: {what}"));
    let text =
        std::fs::read_to_string(path).map_err(|e| err(format!("cannot read the file: {e}")))?;
    let json: Value = serde_json::from_str(&text)
        .map_err(|e| err(format!("not a JSON service-account file: {e}")))?;
    if !json.is_object() {
        return Err(err("not a JSON service-account file: not an object".into()));
    }
    let field = |name: &str| -> Result<String, PushError> {
        match json.get(name) {
            None | Some(Value::Null) => Err(err(format!("field `{name}` is missing"))),
            Some(Value::String(s)) if s.trim().is_empty() => {
                Err(err(format!("field `{name}` is empty")))
            }
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(err(format!("field `{name}` is not a string"))),
        }
    };
    let kind = field("type")?;
    if kind != "service_account" {
        return Err(err(format!(
            "field `type` is \"{kind}\", expected \"service_account\""
        )));
    }
    let project_id = field("project_id")?;
    let client_email = field("client_email")?;
    let token_uri = field("token_uri")?;
    let token_uri =
        Url::parse(&token_uri).map_err(|e| err(format!("field `token_uri` is not a URL: {e}")))?;
    let private_key = field("private_key")?;
    let key_id = json
        .get("private_key_id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let bad_key = |e: jsonwebtoken::errors::Error| {
        err(format!(
            "field `private_key` is not an RSA private key in PEM: {e}"
        ))
    };
    let key = EncodingKey::from_rsa_pem(private_key.as_bytes()).map_err(bad_key)?;
    crate::jwt_crypto::check_private_key(key.as_bytes()).map_err(|e| {
        err(format!(
            "field `private_key` is not a usable RSA private key: {e}"
        ))
    })?;
    let account = ServiceAccount {
        project_id,
        client_email,
        token_uri,
        key_id,
        key,
    };
    Ok(account)
}
