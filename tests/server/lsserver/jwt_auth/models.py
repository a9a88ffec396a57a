"""Label Studio's jwt_auth.models.JWTSettings (one per organization). Token classes live in tokens.py."""

from django.db import models

from lsserver.users.models import Organization


class JWTSettings(models.Model):
    organization = models.OneToOneField(Organization, related_name='jwt', primary_key=True, on_delete=models.CASCADE)
    api_tokens_enabled = models.BooleanField(default=True)
    api_token_ttl_days = models.IntegerField(default=200 * 365)
    # Off by default since Label Studio 1.17 / migration 0002.
    legacy_api_tokens_enabled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def has_permission(self, user):
        return self.organization.has_permission(user)
