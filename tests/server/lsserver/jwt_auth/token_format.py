"""Label Studio's jwt_auth/token_format.py."""

import jwt
from jwt.exceptions import PyJWTError


def is_jwt_formatted(token):
    """Whether `token` is structured as a JWT (JWS); neither signature nor claims are checked."""
    if not token:
        return False
    try:
        jwt.decode(token, options={'verify_signature': False})
    except PyJWTError:
        return False
    return True
