#!/usr/bin/python3
"""Mints JWTs with PyJWT (Debian's python3-jwt), an implementation independent of Atalaya's, so
tst_jwtverifier proves interoperability instead of agreeing with itself.

Prints one JSON object: {"jwks": <the public JWK Set>, "tokens": {<row name>: <token>}}.
Keys are fresh on every run; tokens are valid for ten minutes from now unless a row says not.
"""
import json
import secrets
import sys
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from jwt.algorithms import ECAlgorithm, OKPAlgorithm

ISSUER = "https://issuer.test"
AUDIENCE = "atalaya"


def main():
    now = int(time.time())
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ed_key = ed25519.Ed25519PrivateKey.generate()
    hs_secret = secrets.token_bytes(32)

    ec_jwk = json.loads(ECAlgorithm.to_jwk(ec_key.public_key()))
    ec_jwk.update({"kid": "ec-1", "alg": "ES256", "use": "sig"})
    ed_jwk = json.loads(OKPAlgorithm.to_jwk(ed_key.public_key()))
    ed_jwk.update({"kid": "ed-1", "alg": "EdDSA"})
    hs_jwk = {"kty": "oct", "kid": "hs-1", "alg": "HS256",
              "k": jwt.utils.base64url_encode(hs_secret).decode()}

    def claims(**changes):
        base = {"sub": "client-a", "scope": "predict metrics", "iss": ISSUER, "aud": AUDIENCE,
                "iat": now, "exp": now + 600, "jti": secrets.token_hex(8)}
        base.update(changes)
        return {k: v for k, v in base.items() if v is not None}

    def es(payload, **headers):
        return jwt.encode(payload, ec_key, algorithm="ES256", headers={"kid": "ec-1", **headers})

    tokens = {
        "valid_es256": es(claims()),
        "valid_eddsa": jwt.encode(claims(scope="predict:credit-risk"), ed_key, algorithm="EdDSA",
                                  headers={"kid": "ed-1"}),
        "valid_hs256": jwt.encode(claims(scope="admin"), hs_secret, algorithm="HS256",
                                  headers={"kid": "hs-1"}),
        "valid_aud_list": es(claims(aud=["other", AUDIENCE])),
        # jku / x5u point elsewhere; they must be ignored and the configured key used.
        "valid_jku_x5u": es(claims(), jku="https://evil.test/jwks.json",
                            x5u="https://evil.test/cert.pem"),
        "expired": es(claims(iat=now - 7200, exp=now - 3600)),
        "not_yet_valid": es(claims(nbf=now + 3600)),
        "issued_in_future": es(claims(iat=now + 3600, exp=now + 7200)),
        "no_exp": es(claims(exp=None)),
        "wrong_iss": es(claims(iss="https://evil.test")),
        "wrong_aud": es(claims(aud="someone-else")),
        "no_sub": es(claims(sub=None)),
        "revoked_jti": es(claims(jti="revoked-jti")),
        "unknown_kid": jwt.encode(claims(), ec_key, algorithm="ES256", headers={"kid": "ec-9"}),
        "hostile_kid_path": jwt.encode(claims(), ec_key, algorithm="ES256",
                                       headers={"kid": "../../etc/passwd"}),
        "hostile_kid_sql": jwt.encode(claims(), ec_key, algorithm="ES256",
                                      headers={"kid": "' OR '1'='1"}),
        "crit_header": es(claims(), crit=["exp"]),
        "eddsa_token_es256_kid": jwt.encode(claims(), ed_key, algorithm="EdDSA",
                                            headers={"kid": "ec-1"}),
    }
    json.dump({"jwks": {"keys": [ec_jwk, ed_jwk, hs_jwk]}, "tokens": tokens}, sys.stdout)


if __name__ == "__main__":
    main()
