"""Label Studio's ProjectListAPI, ProjectAPI and the synchronous (Community) ImportAPI."""

import csv
import json
import os
import re
import time
import uuid
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.db.models import F
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from .models import FileUpload, Project, Task
from .serializers import ProjectSerializer

IMAGE_EXT = {'.bmp', '.gif', '.jpg', '.jpeg', '.png', '.svg', '.webp', '.tif', '.tiff'}
AUDIO_EXT = {'.aiff', '.au', '.flac', '.m4a', '.mp3', '.ogg', '.wav'}
VIDEO_EXT = {'.mp4', '.webm'}
HTML_EXT = {'.htm', '.html', '.xml'}
TASK_LIST_EXT = {'.csv', '.tsv', '.txt'}
SUPPORTED_EXTENSIONS = IMAGE_EXT | AUDIO_EXT | VIDEO_EXT | HTML_EXT | TASK_LIST_EXT | {'.json', '.pdf'}


def bool_from_request(params, key, default):
    value = params.get(key)
    if value is None:
        return default
    return str(value).lower() in ('1', 'true', 'yes', 'on')


class ProjectListPagination(PageNumberPagination):
    page_size = 30
    page_size_query_param = 'page_size'
    max_page_size = 100


def _org_projects(request):
    return Project.objects.filter(organization=request.user.active_organization)


class ProjectListAPI(generics.ListCreateAPIView):
    serializer_class = ProjectSerializer
    pagination_class = ProjectListPagination

    def get_queryset(self):
        qs = _org_projects(self.request)
        title = self.request.query_params.get('title')
        if title:
            qs = qs.filter(title__icontains=title)
        ids = self.request.query_params.get('ids')
        if ids:
            try:
                qs = qs.filter(id__in=[int(i) for i in ids.split(',') if i.strip()])
            except ValueError:
                raise ValidationError({'ids': ['Enter a whole number.']})
        # Pinned first, then newest (id breaks ties within one clock tick).
        return qs.order_by(F('pinned_at').desc(nulls_last=True), '-created_at', '-id')

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user, organization=self.request.user.active_organization)


class ProjectAPI(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = ProjectSerializer

    def get_queryset(self):
        return _org_projects(self.request)


def _data_key(project):
    # Label Studio: the only $key of the label config, else $undefined$.
    keys = sorted(set(re.findall(r'value="\$([\w.-]+)"', project.label_config or '')))
    return keys[0] if len(keys) == 1 else settings.DATA_UNDEFINED_NAME


def _check_file_sizes_and_number(files):
    total = 0
    for _, f in files.items():
        total += f.size
    if len(files) > settings.DATA_UPLOAD_MAX_NUMBER_FILES:
        raise ValidationError(
            'Maximum file number is %d, current file number is %d' % (settings.DATA_UPLOAD_MAX_NUMBER_FILES, len(files))
        )
    if total > settings.TASKS_MAX_FILE_SIZE:
        raise ValidationError(
            'Maximum total size of all files is %d bytes, current size is %d bytes' % (settings.TASKS_MAX_FILE_SIZE, total)
        )


def _store_upload(request, project, f):
    name = os.path.basename(f.name) or 'upload'
    ext = os.path.splitext(name)[1].lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise ValidationError('%s extension is not supported' % ext)
    rel = os.path.join(settings.UPLOAD_DIR, str(project.id), '%s-%s' % (uuid.uuid4().hex[:8], name))
    path = os.path.join(settings.MEDIA_ROOT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as out:
        for chunk in f.chunks():
            out.write(chunk)
    upload = FileUpload.objects.create(
        project=project, user=request.user, file=rel, original_name=name, size=os.path.getsize(path)
    )
    return upload, ext, path, rel


def _tasks_from_file(project, upload, ext, path, rel):
    key = _data_key(project)
    if ext == '.json':
        try:
            with open(path, 'rb') as fh:
                content = json.load(fh)
        except ValueError as e:
            raise ValidationError("Can't parse JSON file %s: %s" % (upload.original_name, e))
        tasks = content if isinstance(content, list) else [content]
    elif ext in ('.csv', '.tsv'):
        with open(path, newline='', encoding='utf-8', errors='replace') as fh:
            tasks = list(csv.DictReader(fh, delimiter='\t' if ext == '.tsv' else ','))
    elif ext == '.txt':
        with open(path, encoding='utf-8', errors='replace') as fh:
            tasks = [{key: line.rstrip('\n')} for line in fh if line.strip()]
    else:
        tasks = [{key: '/data/' + rel.replace(os.sep, '/')}]
    for t in tasks:
        if isinstance(t, dict):
            t.setdefault('_file_upload_id', upload.id)
    return tasks


def load_tasks(request, project):
    file_upload_ids, found_formats, data_keys = [], [], set()
    could_be_tasks_list = False
    if len(request.FILES):
        _check_file_sizes_and_number(request.FILES)
        tasks, formats = [], Counter()
        for f in request.FILES.values():
            upload, ext, path, rel = _store_upload(request, project, f)
            file_upload_ids.append(upload.id)
            if ext in TASK_LIST_EXT:
                could_be_tasks_list = True
            formats[ext] += 1
            tasks.extend(_tasks_from_file(project, upload, ext, path, rel))
        found_formats = dict(formats)
        for t in tasks:
            if isinstance(t, dict):
                data = t.get('data') if isinstance(t.get('data'), dict) else t
                data_keys.update(k for k in data.keys() if k != '_file_upload_id')
    elif 'application/x-www-form-urlencoded' in request.content_type:
        if not request.data.get('url'):
            raise ValidationError('"url" is not found in request data')
        # No network in tests: URL imports are refused rather than fetched.
        raise ValidationError('URL import is not supported by the test server')
    elif 'application/json' in request.content_type and isinstance(request.data, dict):
        tasks = [request.data]
    elif 'application/json' in request.content_type and isinstance(request.data, list):
        tasks = request.data
    else:
        raise ValidationError('load_tasks: No data found in DATA or in FILES')

    if not isinstance(tasks, list):
        raise ValidationError('load_tasks: Data root must be list')
    if not tasks:
        raise ValidationError('load_tasks: No tasks added')
    if len(tasks) > settings.TASKS_MAX_NUMBER:
        raise ValidationError(
            'Maximum task number is %d, current task number is %d' % (settings.TASKS_MAX_NUMBER, len(tasks))
        )
    return tasks, file_upload_ids, could_be_tasks_list, found_formats, sorted(data_keys)


def _normalize(project, raw_tasks):
    out = []
    for i, t in enumerate(raw_tasks):
        if not isinstance(t, dict):
            raise ValidationError('Task #%d: task must be a JSON object, got %s' % (i, type(t).__name__))
        upload_id = t.pop('_file_upload_id', None)
        if 'data' in t:
            data = t['data']
            if not isinstance(data, dict):
                raise ValidationError('Task #%d: "data" must be a JSON object' % i)
            annotations = t.get('annotations') or []
            predictions = t.get('predictions') or []
            if not isinstance(annotations, list) or not isinstance(predictions, list):
                raise ValidationError('Task #%d: "annotations" and "predictions" must be lists' % i)
            meta = t.get('meta') if isinstance(t.get('meta'), dict) else {}
        else:
            data, annotations, predictions, meta = t, [], [], {}
        out.append(
            Task(
                project=project,
                data=data,
                meta=meta,
                annotations=annotations,
                predictions=predictions,
                file_upload_id=upload_id,
            )
        )
    return out


class ImportAPI(generics.CreateAPIView):
    parser_classes = (JSONParser, FormParser, MultiPartParser)
    queryset = Project.objects.all()

    def create(self, request, *args, **kwargs):
        start = time.time()
        commit_to_project = bool_from_request(request.query_params, 'commit_to_project', True)
        return_task_ids = bool_from_request(request.query_params, 'return_task_ids', False)
        project = generics.get_object_or_404(_org_projects(request), pk=kwargs['pk'])

        with transaction.atomic():
            tasks, file_upload_ids, could_be_tasks_list, found_formats, data_columns = load_tasks(request, project)
            objs = _normalize(project, tasks)
            task_ids = []
            if commit_to_project:
                for obj in objs:
                    obj.save()
                    task_ids.append(obj.id)

        response = {
            'task_count': len(objs),
            'annotation_count': sum(len(o.annotations) for o in objs),
            'prediction_count': sum(len(o.predictions) for o in objs),
            'duration': time.time() - start,
            'file_upload_ids': file_upload_ids,
            'could_be_tasks_list': could_be_tasks_list,
            'found_formats': found_formats,
            'data_columns': data_columns,
        }
        if return_task_ids:
            response['task_ids'] = task_ids
        return Response(response, status=status.HTTP_201_CREATED)
