"""A software passkey for the contract fuzz: what a phone's platform
authenticator does in a WebAuthn ceremony, with real cryptography.

- registration: a fresh P-256 key (ES256, COSE alg -7), attestation format
  `none`, authenticatorData = rpIdHash | flags UP+UV+AT | sign count |
  AAGUID (zero) | credential id | COSE public key;
- sign-in: authenticatorData = rpIdHash | flags UP+UV | sign count, signed
  together with the SHA-256 of clientDataJSON; the credential is
  discoverable, so the user handle is returned.

clientDataJSON carries the server's challenge and the origin the server is
configured with (`FRISKLIV_RP_ORIGIN`). Binary fields are base64url without
padding, as in the WebAuthn JSON the server speaks (api/src/routes/auth.rs).
The Rust test device (tests/src/device.rs) does the same with
webauthn-authenticator-rs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

FLAG_UP = 0x01
FLAG_UV = 0x04
FLAG_AT = 0x40
COSE_ALG_ES256 = -7


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Credential:
    credential_id: bytes
    user_handle: bytes
    rp_id: str
    key: ec.EllipticCurvePrivateKey
    sign_count: int = 0

    def to_json(self) -> dict:
        pem = self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return {
            "credential_id": b64u(self.credential_id),
            "user_handle": b64u(self.user_handle),
            "rp_id": self.rp_id,
            "key_pem": pem.decode("ascii"),
            "sign_count": self.sign_count,
        }

    @classmethod
    def from_json(cls, data: dict) -> "Credential":
        key = serialization.load_pem_private_key(data["key_pem"].encode("ascii"), None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return cls(
            credential_id=unb64u(data["credential_id"]),
            user_handle=unb64u(data["user_handle"]),
            rp_id=data["rp_id"],
            key=key,
            sign_count=data["sign_count"],
        )


@dataclass
class SoftPasskey:
    origin: str
    credentials: list[Credential] = field(default_factory=list)

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False},
            separators=(",", ":"),
        ).encode("utf-8")

    def create(self, options: dict) -> dict:
        """`navigator.credentials.create()` for the server's creation options."""
        public_key = options["publicKey"]
        algorithms = [p["alg"] for p in public_key["pubKeyCredParams"]]
        if COSE_ALG_ES256 not in algorithms:
            raise ValueError(f"server does not offer ES256: {algorithms}")
        rp_id = public_key["rp"]["id"]
        key = ec.generate_private_key(ec.SECP256R1())
        numbers = key.public_key().public_numbers()
        cose_key = cbor2.dumps(
            {
                1: 2,  # kty: EC2
                3: COSE_ALG_ES256,  # alg
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )
        credential_id = os.urandom(32)
        sign_count = 0
        auth_data = (
            hashlib.sha256(rp_id.encode("utf-8")).digest()
            + bytes([FLAG_UP | FLAG_UV | FLAG_AT])
            + struct.pack(">I", sign_count)
            + bytes(16)  # AAGUID: none
            + struct.pack(">H", len(credential_id))
            + credential_id
            + cose_key
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", public_key["challenge"])
        self.credentials.append(
            Credential(
                credential_id=credential_id,
                user_handle=unb64u(public_key["user"]["id"]),
                rp_id=rp_id,
                key=key,
                sign_count=sign_count,
            )
        )
        return {
            "id": b64u(credential_id),
            "rawId": b64u(credential_id),
            "type": "public-key",
            "response": {
                "attestationObject": b64u(attestation),
                "clientDataJSON": b64u(client_data),
                "transports": ["internal"],
            },
            "extensions": {},
        }

    def get(self, options: dict) -> dict:
        """`navigator.credentials.get()`: answers with the first credential
        that is allowed (any, for a discoverable sign-in)."""
        public_key = options["publicKey"]
        rp_id = public_key.get("rpId")
        allowed = {unb64u(c["id"]) for c in public_key.get("allowCredentials") or []}
        candidates = [
            c
            for c in self.credentials
            if (rp_id is None or c.rp_id == rp_id) and (not allowed or c.credential_id in allowed)
        ]
        if not candidates:
            raise ValueError("no passkey on this device for the request")
        credential = candidates[0]
        credential.sign_count += 1
        auth_data = (
            hashlib.sha256(credential.rp_id.encode("utf-8")).digest()
            + bytes([FLAG_UP | FLAG_UV])
            + struct.pack(">I", credential.sign_count)
        )
        client_data = self._client_data("webauthn.get", public_key["challenge"])
        signature = credential.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": b64u(credential.credential_id),
            "rawId": b64u(credential.credential_id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64u(auth_data),
                "clientDataJSON": b64u(client_data),
                "signature": b64u(signature),
                "userHandle": b64u(credential.user_handle),
            },
            "extensions": {},
        }
