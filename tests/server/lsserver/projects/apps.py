from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = 'lsserver.projects'
    label = 'projects'
