#!/usr/bin/python3
"""Checks Atalaya's OAuth tokens with PyJWT (Debian's python3-jwt), a JWT implementation
independent of Atalaya's, both ways, for tst_oauth_api:

  oauth_interop.py verify JWKS_JSON TOKEN ISSUER AUDIENCE
      verifies TOKEN against the published JWK Set; prints {"header": ..., "claims": ...}
  oauth_interop.py sign PEM_FILE KID CLAIMS_JSON
      signs CLAIMS_JSON with the server's own key as an RFC 9068 access token; prints the token
"""
import json
import sys

import jwt


def verify(jwks_json, token, issuer, audience):
    header = jwt.get_unverified_header(token)
    jwk = next(k for k in json.loads(jwks_json)["keys"] if k["kid"] == header["kid"])
    # The algorithm comes from the published key, never from the token (RFC 8725 s3.1).
    key = jwt.PyJWK(jwk, algorithm=jwk["alg"])
    claims = jwt.decode(token, key.key, algorithms=[jwk["alg"]], audience=audience,
                        issuer=issuer, options={"require": ["exp", "iat", "nbf", "jti", "sub"]})
    print(json.dumps({"header": header, "claims": claims}))


def sign(pem_file, kid, claims_json):
    with open(pem_file, "rb") as pem:
        key = pem.read()
    print(jwt.encode(json.loads(claims_json), key, algorithm="ES256",
                     headers={"kid": kid, "typ": "at+jwt"}))


if __name__ == "__main__":
    if sys.argv[1] == "verify":
        verify(*sys.argv[2:6])
    else:
        sign(*sys.argv[2:5])
