//! RS256 for `jsonwebtoken` on `ring`.
//!
//! jsonwebtoken 12 leaves the crypto to a provider. Its `rust_crypto`
//! provider needs `rsa` 0.10.0, which cannot share a build with the
//! `rsa` 0.10 release candidate `webauthn-authenticator-rs` (the tests crate)
//! pins; its `aws_lc_rs` provider would add a C build. `ring` is already in
//! the workspace (rustls), so this small provider does RS256 with it, and
//! nothing else: other algorithms are refused.

use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, DecodingKeyKind, EncodingKey};
use ring::rand::SystemRandom;
use ring::signature::{
    RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
};

static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory,
    verifier_factory,
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes this provider jsonwebtoken's for the process, unless another one is
/// installed already (which is then used: it does RS256 too).
pub(crate) fn install() {
    let _ = PROVIDER.install_default();
}

/// Parses a PKCS#1 DER RSA private key (what `EncodingKey::from_rsa_pem`
/// holds) as `ring` will when signing.
pub(crate) fn check_private_key(der: &[u8]) -> std::result::Result<(), String> {
    RsaKeyPair::from_der(der)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn signer_factory(alg: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    if *alg != Algorithm::RS256 || key.family() != AlgorithmFamily::Rsa {
        return Err(ErrorKind::InvalidAlgorithm.into());
    }
    let pair = RsaKeyPair::from_der(key.as_bytes())
        .map_err(|e| ErrorKind::InvalidRsaKey(e.to_string()))?;
    Ok(Box::new(Rs256Signer(pair)))
}

fn verifier_factory(alg: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    match (alg, key.family(), key.kind()) {
        (Algorithm::RS256, AlgorithmFamily::Rsa, DecodingKeyKind::SecretOrDer(der)) => {
            Ok(Box::new(Rs256Verifier(der.clone())))
        }
        _ => Err(ErrorKind::InvalidAlgorithm.into()),
    }
}

struct Rs256Signer(RsaKeyPair);

impl Signer<Vec<u8>> for Rs256Signer {
    fn try_sign(&self, msg: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
        let mut signature = vec![0; self.0.public().modulus_len()];
        self.0
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), msg, &mut signature)
            .map_err(|_| signature::Error::new())?;
        Ok(signature)
    }
}

impl JwtSigner for Rs256Signer {
    fn algorithm(&self) -> Algorithm {
        Algorithm::RS256
    }
}

/// A PKCS#1 DER RSA public key.
struct Rs256Verifier(Vec<u8>);

impl Verifier<Vec<u8>> for Rs256Verifier {
    fn verify(&self, msg: &[u8], signature: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &self.0)
            .verify(msg, signature)
            .map_err(|_| signature::Error::new())
    }
}

impl JwtVerifier for Rs256Verifier {
    fn algorithm(&self) -> Algorithm {
        Algorithm::RS256
    }
}
