from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = 'lsserver.users'
    label = 'users'
