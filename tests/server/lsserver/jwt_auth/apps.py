from django.apps import AppConfig


class JwtAuthConfig(AppConfig):
    name = 'lsserver.jwt_auth'
    label = 'jwt_auth'
