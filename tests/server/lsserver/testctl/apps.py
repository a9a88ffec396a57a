from django.apps import AppConfig


class TestctlConfig(AppConfig):
    name = 'lsserver.testctl'
    label = 'testctl'
