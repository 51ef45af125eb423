"""JWT verification with PyJWT: signature from a configured key, issuer, audience, expiry and subject."""

from __future__ import annotations

from typing import Any

import jwt

from authorizer.settings import AuthorizerSettings, VerificationKey

REQUIRED_CLAIMS = ("exp", "iss", "aud", "sub")
CLOCK_SKEW_SECONDS = 30


class InvalidToken(Exception):
    """No usable token: missing, malformed, expired or not yet valid (a new token may help: 401)."""


class UntrustedToken(InvalidToken):
    """A well-formed token this API does not trust: another signer, issuer or audience, a refused algorithm,
    no subject or no expiry (a new token from the same client would not help: 403)."""


def _candidate_keys(token: str, settings: AuthorizerSettings) -> list[VerificationKey]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise InvalidToken(f"malformed token: {error}") from None
    if header.get("alg") not in settings.algorithms:
        raise UntrustedToken(f"algorithm {header.get('alg')!r} is not allowed")
    kid = header.get("kid")
    if kid is not None:
        matching = [key for key in settings.keys if key.kid == kid]
        if matching:
            return matching
    # No kid (or an unknown one): keys that carry no kid may still have signed it.
    return [key for key in settings.keys if key.kid is None]


def verify_token(token: str, settings: AuthorizerSettings) -> dict[str, Any]:
    """The token's verified claims; InvalidToken otherwise."""
    candidates = _candidate_keys(token, settings)
    if not candidates:
        raise UntrustedToken("no configured key matches the token's kid")
    last_error: jwt.PyJWTError | None = None
    for candidate in candidates:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=candidate.key,
                algorithms=list(settings.algorithms),
                audience=settings.audience,
                issuer=settings.issuer,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.InvalidSignatureError as error:
            last_error = error  # another configured key may have signed it
            continue
        except (jwt.InvalidKeyError, TypeError, ValueError) as error:
            # A key of another type than the token's algorithm (an EC key for an RS256 token, say): PyJWT
            # refuses to use it, with TypeError for some pairs. Such a key cannot have signed the token.
            last_error = jwt.InvalidKeyError(str(error))
            continue
        except (jwt.ExpiredSignatureError, jwt.ImmatureSignatureError, jwt.DecodeError) as error:
            raise InvalidToken(str(error)) from None
        except jwt.PyJWTError as error:
            raise UntrustedToken(str(error)) from None
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise UntrustedToken("the sub claim must be a non-empty string")
        return claims
    raise UntrustedToken(f"signature does not verify with any configured key: {last_error}")
