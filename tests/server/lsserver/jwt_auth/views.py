"""Label Studio's jwt_auth/views.py."""

import logging
from datetime import datetime, timezone

from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.views import TokenViewBase

from .auth import TokenAuthenticationPhaseout
from .serializers import (
    JWTSettingsSerializer,
    LSAPITokenBlacklistSerializer,
    LSAPITokenCreateSerializer,
    LSAPITokenListSerializer,
    LSAPITokenRotateSerializer,
    TokenRefreshSerializer,
)
from .tokens import LSAPIToken, TruncatedLSAPIToken

logger = logging.getLogger(__name__)


class TokenExistsError(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = 'You already have a valid token. Please revoke it before creating a new one.'
    default_code = 'token_exists'


class DecoratedTokenRefreshView(TokenViewBase):
    """simplejwt TokenRefreshView: no auth; TokenError -> 401 InvalidToken, WWW-Authenticate: Bearer realm="api"."""

    serializer_class = TokenRefreshSerializer


class JWTSettingsAPI(generics.GenericAPIView):
    serializer_class = JWTSettingsSerializer

    def get_object(self):
        return self.request.user.active_organization.jwt

    def get(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data, instance=self.get_object())
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data)


def _live_tokens(user_id):
    now = datetime.now(timezone.utc)
    blacklisted = BlacklistedToken.objects.filter(token__expires_at__gt=now).values_list('token_id', flat=True)
    return OutstandingToken.objects.filter(user_id=user_id, expires_at__gt=now).exclude(id__in=blacklisted)


class LSAPITokenView(generics.ListCreateAPIView):
    token_class = LSAPIToken

    def get_queryset(self):
        return _live_tokens(self.request.user.id)

    def list(self, request, *args, **kwargs):
        def _maybe_get_token(token):
            try:
                return TruncatedLSAPIToken(str(token.token))
            except (TokenError, TokenBackendError):
                return None

        tokens = [t for t in (_maybe_get_token(t) for t in self.get_queryset()) if t is not None]
        refresh_tokens = [t for t in tokens if t['token_type'] == 'refresh']
        return Response(self.get_serializer(refresh_tokens, many=True).data)

    def get_serializer_class(self):
        if self.request.method == 'POST':
            return LSAPITokenCreateSerializer
        return LSAPITokenListSerializer

    def perform_create(self, serializer):
        if self.get_queryset().exists():
            raise TokenExistsError()
        serializer.instance = self.token_class.for_user(self.request.user)


class LSTokenBlacklistView(TokenViewBase):
    serializer_class = LSAPITokenBlacklistSerializer

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as e:
            logger.error('Token error occurred while trying to blacklist a token: %s', str(e))
            return Response({'detail': 'Token is invalid or already blacklisted.'}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LSAPITokenRotateView(TokenViewBase):
    authentication_classes = [JWTAuthentication, TokenAuthenticationPhaseout, SessionAuthentication]
    permission_classes = api_settings.DEFAULT_PERMISSION_CLASSES
    serializer_class = LSAPITokenRotateSerializer
    token_class = LSAPIToken

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        current_token = serializer.validated_data['refresh']
        try:
            current_token.blacklist()
        except TokenError:
            return Response({'detail': 'Token is invalid or already blacklisted.'}, status=status.HTTP_400_BAD_REQUEST)
        new_token = self.token_class.for_user(request.user)
        return Response({'refresh': new_token.get_full_jwt()}, status=status.HTTP_200_OK)
