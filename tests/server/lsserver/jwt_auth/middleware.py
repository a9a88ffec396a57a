"""Label Studio's jwt_auth.middleware.JWTAuthenticationMiddleware: Bearer failures are logged and swallowed, so the
request runs anonymously and DRF answers 401 "Authentication credentials were not provided." (WWW-Authenticate:
Token)."""

import logging

from django.contrib.auth import get_user_model
from django.http import JsonResponse

from .token_format import is_jwt_formatted

logger = logging.getLogger(__name__)


class JWTAuthenticationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def _has_bearer_jwt_token(request):
        parts = request.META.get('HTTP_AUTHORIZATION', '').split()
        if len(parts) != 2 or parts[0].lower() != 'bearer':
            return False
        return is_jwt_formatted(parts[1])

    def __call__(self, request):
        from rest_framework_simplejwt.authentication import JWTAuthentication
        from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError

        User = get_user_model()
        if not self._has_bearer_jwt_token(request):
            return self.get_response(request)
        try:
            user_and_token = JWTAuthentication().authenticate(request)
            if user_and_token:
                user = User.objects.get(pk=user_and_token[0].pk)
                if user.active_organization is None:
                    logger.info('JWT authentication failed: user has no active organization')
                    return JsonResponse({'detail': 'User not found'}, status=401)
                if user.active_organization.jwt.api_tokens_enabled:
                    request.user = user
                    request.is_jwt = True
        except User.DoesNotExist:
            logger.info('JWT authentication failed: User no longer exists')
            return JsonResponse({'detail': 'User not found'}, status=401)
        except (AuthenticationFailed, InvalidToken, TokenError) as e:
            logger.info('JWT authentication failed: %s', e)
        return self.get_response(request)
