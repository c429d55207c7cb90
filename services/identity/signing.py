"""Identity's token signing key: loaded from a mounted Secret file (created for
local runs), published to gateways as a JWK set."""
from dataclasses import dataclass

from servicekit.tokens import TokenVerifier, key_id, load_or_create_signing_key, public_jwks


@dataclass(frozen=True)
class SigningKey:
    private_key: object
    kid: str
    jwks: dict
    verifier: TokenVerifier

    @classmethod
    def load(cls, path):
        private_key = load_or_create_signing_key(path)
        jwks = public_jwks([private_key])
        return cls(private_key=private_key, kid=key_id(private_key), jwks=jwks, verifier=TokenVerifier(jwks))
