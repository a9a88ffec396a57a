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

    def __str__(self):
        # projects/models.py: how error texts name a project, e.g. "... from project lsedge test project (id=1) tasks".
        return f'{self.title} (id={self.id})'


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


class ProjectImport(models.Model):
    """Label Studio's projects.models.ProjectImport (asynchronous imports of Enterprise/SaaS)."""

    class Status(models.TextChoices):
        CREATED = 'created', 'Created'
        IN_PROGRESS = 'in_progress', 'In progress'
        FAILED = 'failed', 'Failed'
        COMPLETED = 'completed', 'Completed'

    project = models.ForeignKey(Project, null=True, on_delete=models.CASCADE, related_name='imports')
    preannotated_from_fields = models.JSONField(null=True, blank=True)
    commit_to_project = models.BooleanField(default=True)
    return_task_ids = models.BooleanField(default=False)
    status = models.CharField(max_length=64, choices=Status.choices, default=Status.CREATED)
    url = models.CharField(max_length=2048, null=True, blank=True)
    traceback = models.TextField(null=True, blank=True)
    error = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, null=True)
    updated_at = models.DateTimeField(auto_now=True, null=True)
    finished_at = models.DateTimeField(null=True, default=None)
    task_count = models.IntegerField(default=0)
    annotation_count = models.IntegerField(default=0)
    prediction_count = models.IntegerField(default=0)
    duration = models.IntegerField(default=0)
    file_upload_ids = models.JSONField(default=list)
    could_be_tasks_list = models.BooleanField(default=False)
    found_formats = models.JSONField(default=list)
    data_columns = models.JSONField(default=list)
    tasks = models.JSONField(blank=True, null=True)
    task_ids = models.JSONField(default=list)
    # Test-server bookkeeping (not in Label Studio): the parsed items to store, and who is storing them.
    pending = models.JSONField(null=True, blank=True)
    claimed = models.BooleanField(default=False)
    delay_ms = models.IntegerField(default=0)
