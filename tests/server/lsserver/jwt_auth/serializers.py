from django.contrib.auth import get_user_model
from rest_framework import serializers
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.settings import api_settings

from .models import JWTSettings
from .tokens import RefreshToken, TruncatedLSAPIToken


class TokenRefreshSerializer(serializers.Serializer):
    """simplejwt 5.5.1 TokenRefreshSerializer (5.2.2 lacks the active-user check)."""

    refresh = serializers.CharField()
    access = serializers.CharField(read_only=True)
    token_class = RefreshToken

    default_error_messages = {'no_active_account': 'No active account found for the given token.'}

    def validate(self, attrs):
        refresh = self.token_class(attrs['refresh'])
        user_id = refresh.payload.get(api_settings.USER_ID_CLAIM, None)
        # .get() raises DoesNotExist for a deleted user: a 500, as in 5.5.1.
        if user_id and (user := get_user_model().objects.get(**{api_settings.USER_ID_FIELD: user_id})):
            if not api_settings.USER_AUTHENTICATION_RULE(user):
                raise AuthenticationFailed(self.error_messages['no_active_account'], 'no_active_account')
        return {'access': str(refresh.access_token)}


class LSAPITokenBlacklistSerializer(serializers.Serializer):
    refresh = serializers.CharField()
    token_class = TruncatedLSAPIToken

    def validate(self, attrs):
        refresh = self.token_class(attrs['refresh'])
        refresh.blacklist()
        return {}


class LSAPITokenCreateSerializer(serializers.Serializer):
    token = serializers.SerializerMethodField()

    def get_token(self, obj):
        return obj.get_full_jwt()


class LSAPITokenListSerializer(LSAPITokenCreateSerializer):
    def get_token(self, obj):
        return str(obj)


class LSAPITokenRotateSerializer(serializers.Serializer):
    refresh = serializers.CharField()

    def validate(self, data):
        try:
            token = RefreshToken(data.get('refresh'))
        except Exception:
            raise serializers.ValidationError('Invalid refresh token')
        data['refresh'] = token
        return data


class JWTSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = JWTSettings
        fields = ('api_tokens_enabled', 'legacy_api_tokens_enabled')
