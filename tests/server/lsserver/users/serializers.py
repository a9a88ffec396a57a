from rest_framework import serializers

from .models import User


class WhoAmIUserSerializer(serializers.ModelSerializer):
    """Label Studio's BaseWhoAmIUserSerializer fields."""

    initials = serializers.CharField(read_only=True)
    avatar = serializers.SerializerMethodField()
    active_organization_meta = serializers.SerializerMethodField()
    permissions = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = (
            'id',
            'first_name',
            'last_name',
            'username',
            'email',
            'last_activity',
            'custom_hotkeys',
            'avatar',
            'initials',
            'phone',
            'active_organization',
            'active_organization_meta',
            'allow_newsletters',
            'date_joined',
            'permissions',
        )

    def get_avatar(self, obj):
        return None

    def get_active_organization_meta(self, obj):
        org = obj.active_organization
        if org is None:
            return {}
        return {'title': org.title, 'email': org.created_by.email if org.created_by else ''}

    def get_permissions(self, obj):
        return ['projects.view', 'projects.change', 'projects.create', 'tasks.view', 'tasks.change']
