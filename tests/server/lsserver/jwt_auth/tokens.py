"""Label Studio's PAT classes (jwt_auth/models.py) on simplejwt, with simplejwt 5.5.1 error texts.

Debian ships simplejwt 5.2.2, which says "Token is invalid or expired" where 5.5.1 (what Label Studio pins) says
"Token is invalid" or "Token is expired". The backend below raises 5.5.1's TokenError texts directly; Token.__init__
only rewrites TokenBackendError, so they reach the client unchanged.
"""

from datetime import timedelta

import jwt
from jwt import ExpiredSignatureError, InvalidTokenError
from rest_framework_simplejwt import tokens as sj_tokens
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings

from lsserver import state


class ExpiredTokenError(TokenError):
    pass


class CompatTokenBackend(TokenBackend):
    def decode(self, token, verify=True):
        try:
            return jwt.decode(
                token,
                self.get_verifying_key(token),
                algorithms=[self.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.get_leeway(),
                options={'verify_aud': self.audience is not None, 'verify_signature': verify},
            )
        except ExpiredSignatureError:
            raise ExpiredTokenError('Token is expired')
        except InvalidTokenError:
            # Includes a disallowed alg: 5.5.1's Token.__init__ maps every backend error to this text.
            raise TokenError('Token is invalid')


def _backend(cls=CompatTokenBackend):
    return cls(
        api_settings.ALGORITHM,
        api_settings.SIGNING_KEY,
        api_settings.VERIFYING_KEY,
        api_settings.AUDIENCE,
        api_settings.ISSUER,
        api_settings.JWK_URL,
        api_settings.LEEWAY,
        api_settings.JSON_ENCODER,
    )


def access_lifetime():
    return timedelta(seconds=int(state.read_knobs()['access_lifetime']))


class AccessToken(sj_tokens.AccessToken):
    _token_backend = _backend()

    def set_exp(self, claim='exp', from_time=None, lifetime=None):
        # RefreshToken.access_token calls set_exp(from_time=...) without a lifetime: that is where the knob applies.
        if lifetime is None and claim == 'exp':
            lifetime = access_lifetime()
        super().set_exp(claim=claim, from_time=from_time, lifetime=lifetime)


class RefreshToken(sj_tokens.RefreshToken):
    """What /api/token/refresh/ decodes (simplejwt's RefreshToken with the default, full-JWT backend)."""

    _token_backend = _backend()
    access_token_class = AccessToken
    # simplejwt 5.5.1 no longer copies the refresh token's iat: the access token's exp - iat is its lifetime.
    no_copy_claims = sj_tokens.RefreshToken.no_copy_claims + ('iat',)

    @property
    def access_token(self):
        access = super().access_token
        if state.read_knobs().get('copy_iat') and 'iat' in self.payload:
            # Knob copy_iat: simplejwt < 5.5.1 (Label Studio <= 1.20) copied every claim but token_type, exp and
            # jti, so the access token's iat is the PAT's: exp - iat = the PAT's age + the access lifetime.
            access['iat'] = self.payload['iat']
        return access


class LSTokenBackend(CompatTokenBackend):
    """Stores header.payload only; the signed JWT is handed out once."""

    def encode(self, payload):
        header, body, _signature = super().encode(payload).split('.')
        return '.'.join([header, body])

    def encode_full(self, payload):
        return super().encode(payload)


class LSAPIToken(RefreshToken):
    lifetime = timedelta(days=365 * 200)  # "eternity" (200 years)
    _token_backend = _backend(LSTokenBackend)

    def get_full_jwt(self):
        return self.get_token_backend().encode_full(self.payload)

    def blacklist(self):
        self.check_blacklist()
        return super().blacklist()

    @classmethod
    def for_user_with_lifetime(cls, user, seconds):
        """Test helper: a PAT with a short lifetime (Label Studio Enterprise has org-level TTLs)."""
        short = type('LSAPITokenShort', (cls,), {'lifetime': timedelta(seconds=seconds)})
        return short.for_user(user)


class TruncatedLSAPIToken(LSAPIToken):
    """Accepts header.payload (signature not checked), as /api/token/blacklist/ does."""

    def __init__(self, token, *args, **kwargs):
        parts = token.split('.')
        if len(parts) > 2:
            token = '.'.join(parts[:2])
        elif len(parts) < 2:
            raise TokenError('Invalid Label Studio token')
        token = token + '.' + ('x' * 43)
        super().__init__(token, verify=False, *args, **kwargs)
