"""Label Studio's jwt_auth.auth.TokenAuthenticationPhaseout: legacy `Token <key>` auth behind the org switch."""

import logging

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

logger = logging.getLogger(__name__)


class TokenAuthenticationPhaseout(TokenAuthentication):
    def authenticate(self, request):
        auth_result = super().authenticate(request)
        if auth_result is not None:
            user, _ = auth_result
            org = user.active_organization
            if org and not org.jwt.legacy_api_tokens_enabled:
                raise AuthenticationFailed(
                    'Authentication token no longer valid: legacy token authentication has been disabled for this '
                    'organization'
                )
            logger.info('Legacy token authentication used (user %s, path %s)', user.id, request.path)
        return auth_result
