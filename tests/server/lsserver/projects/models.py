"""Projects, tasks and file uploads, reduced to the fields Label Studio returns to an uploader."""

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.db import models

from lsserver.users.models import Organization


class Project(models.Model):
    title = models.CharField(
        null=True,
        blank=True,
        default='',
        max_length=settings.PROJECT_TITLE_MAX_LEN,
        validators=[
            MinLengthValidator(settings.PROJECT_TITLE_MIN_LEN),
            MaxLengthValidator(settings.PROJECT_TITLE_MAX_LEN),
        ],
    )
    description = models.TextField(null=True, blank=True, default='')
    label_config = models.TextField(null=True, blank=True, default='<View></View>')
    expert_instruction = models.TextField(null=True, blank=True, default='')
    show_instruction = models.BooleanField(default=False)
    show_skip_button = models.BooleanField(default=True)
    enable_empty_annotation = models.BooleanField(default=True)
    show_annotation_history = models.BooleanField(default=False)
    color = models.CharField(max_length=16, default='#FFFFFF', null=True, blank=True)
    maximum_annotations = models.IntegerField(default=1)
    is_published = models.BooleanField(default=False)
    is_draft = models.BooleanField(default=False)
    model_version = models.TextField(null=True, blank=True, default='')
    sampling = models.CharField(max_length=100, default='Sequential sampling', null=True)
    organization = models.ForeignKey(Organization, null=True, on_delete=models.CASCADE, related_name='projects')
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name='created_projects'
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    pinned_at = models.DateTimeField(null=True, blank=True, default=None)


class FileUpload(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name='file_uploads')
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    file = models.CharField(max_length=2048)
    original_name = models.CharField(max_length=1024)
    size = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)


class Task(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name='tasks')
    data = models.JSONField()
    meta = models.JSONField(null=True, default=dict)
    annotations = models.JSONField(default=list)
    predictions = models.JSONField(default=list)
    file_upload = models.ForeignKey(FileUpload, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
