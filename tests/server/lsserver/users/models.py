"""Label Studio's users.User (with active_organization) and organizations.Organization, reduced to what clients see."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class Organization(models.Model):
    title = models.CharField(max_length=1000)
    created_by = models.ForeignKey('users.User', null=True, blank=True, on_delete=models.SET_NULL, related_name='+')
    created_at = models.DateTimeField(auto_now_add=True)

    def has_permission(self, user):
        return user.active_organization_id == self.id


class User(AbstractUser):
    active_organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name='active_users'
    )
    phone = models.CharField(max_length=256, blank=True, default='')
    custom_hotkeys = models.JSONField(null=True, blank=True, default=dict)
    allow_newsletters = models.BooleanField(null=True, blank=True, default=None)
    last_activity = models.DateTimeField(auto_now=True)

    @property
    def initials(self):
        # Label Studio: first letters of first and last name, else the first two of the email/username.
        if self.first_name and self.last_name:
            return (self.first_name[:1] + self.last_name[:1]).lower()
        source = self.email or self.username
        return source[:2].lower()
