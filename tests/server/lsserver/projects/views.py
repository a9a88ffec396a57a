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
from rest_framework import filters, generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from lsserver import state

from . import imports
from .models import FileUpload, Project, ProjectImport, Task
from .serializers import ProjectImportSerializer, ProjectSerializer
from .validation import validate_tasks

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

    # Knob `page_loop`: page 1 whatever is asked, always with the same "next" link (a client must not follow it
    # forever).
    def get_page_number(self, request, paginator):
        if state.read_knobs().get('page_loop'):
            return 1
        return super().get_page_number(request, paginator)

    def get_next_link(self):
        if state.read_knobs().get('page_loop'):
            return self.request.build_absolute_uri('/api/projects/?page=2')
        return super().get_next_link()


def _org_projects(request):
    return Project.objects.filter(organization=request.user.active_organization)


class ProjectListAPI(generics.ListCreateAPIView):
    serializer_class = ProjectSerializer
    pagination_class = ProjectListPagination
    # DRF's OrderingFilter as upstream (no ordering_fields: any readable model field; ?ordering=id gives a stable
    # order while projects are created).
    filter_backends = [filters.OrderingFilter]

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


def _store_tasks(project, raw_tasks, commit_to_project):
    """Validates every item against the label config (the whole batch is refused on any error, as Label Studio's
    bulk serializer does) and stores them. Call inside a transaction."""
    if not isinstance(raw_tasks, list):
        raise ValidationError('load_tasks: Data root must be list')
    if not raw_tasks:
        raise ValidationError('load_tasks: No tasks added')
    upload_ids = [t.pop('_file_upload_id', None) if isinstance(t, dict) else None for t in raw_tasks]
    validated = validate_tasks(project.label_config, raw_tasks)
    objs = []
    for t, upload_id in zip(validated, upload_ids):
        meta = t.get('meta') if isinstance(t.get('meta'), dict) else {}
        objs.append(
            Task(
                project=project,
                data=t['data'],
                meta=meta,
                annotations=t.get('annotations') or [],
                predictions=t.get('predictions') or [],
                file_upload_id=upload_id,
            )
        )
    if commit_to_project:
        for obj in objs:
            obj.save()
    return objs


def _check_poison(request):
    """Knob `poison`: an import whose raw body contains the substring fails with an unexpected exception, which
    custom_exception_handler turns into Label Studio's 500 envelope with the traceback in exc_info."""
    needle = state.read_knobs().get('poison') or ''
    if needle and needle.encode('utf-8') in request._request.body:
        tasks_by_key = {}
        # A genuine TypeError from a genuine line, as a bug in a data-dependent code path would raise.
        return tasks_by_key[[needle]]
    return None


class ImportAPI(generics.CreateAPIView):
    parser_classes = (JSONParser, FormParser, MultiPartParser)
    queryset = Project.objects.all()

    def create(self, request, *args, **kwargs):
        start = time.time()
        _check_poison(request)
        commit_to_project = bool_from_request(request.query_params, 'commit_to_project', True)
        return_task_ids = bool_from_request(request.query_params, 'return_task_ids', False)
        project = generics.get_object_or_404(_org_projects(request), pk=kwargs['pk'])
        if state.read_knobs().get('async_import'):
            return self.async_import(request, project, commit_to_project, return_task_ids)

        with transaction.atomic():
            tasks, file_upload_ids, could_be_tasks_list, found_formats, data_columns = load_tasks(request, project)
            objs = _store_tasks(project, tasks, commit_to_project)

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
            response['task_ids'] = [o.id for o in objs]
        return Response(response, status=status.HTTP_201_CREATED)

    def async_import(self, request, project, commit_to_project, return_task_ids):
        """Label Studio Enterprise/SaaS (data_import/api.py async_import): the items are kept in a ProjectImport and
        the answer is only its id; the outcome appears at /api/projects/{pid}/imports/{id}/."""
        delay_ms = int(state.read_knobs().get('async_import_delay_ms') or 0)
        pi = ProjectImport(
            project=project, commit_to_project=commit_to_project, return_task_ids=return_task_ids, delay_ms=delay_ms
        )
        if len(request.FILES):
            # Upstream parses the files in the background job; here they are parsed now (errors answer 400 at once).
            tasks, file_upload_ids, could_be_tasks_list, found_formats, data_columns = load_tasks(request, project)
            pi.file_upload_ids = file_upload_ids
            pi.could_be_tasks_list = could_be_tasks_list
            pi.pending = tasks
        elif 'application/x-www-form-urlencoded' in request.content_type:
            if not request.data.get('url'):
                raise ValidationError('"url" is not found in request data')
            raise ValidationError('URL import is not supported by the test server')
        elif 'application/json' in request.content_type and isinstance(request.data, dict):
            pi.tasks = [request.data]
            pi.pending = [request.data]
        elif 'application/json' in request.content_type and isinstance(request.data, list):
            pi.tasks = request.data
            pi.pending = request.data
        else:
            raise ValidationError('load_tasks: No data found in DATA or in FILES')
        pi.save()
        transaction.on_commit(lambda: imports.schedule(pi.id, delay_ms))
        return Response({'import': pi.id}, status=status.HTTP_201_CREATED)


class ProjectImportAPI(generics.RetrieveAPIView):
    """projects/api.py ProjectImportAPI: GET /api/projects/{pk}/imports/{import_pk}/."""

    serializer_class = ProjectImportSerializer
    lookup_url_kwarg = 'import_pk'

    def get_queryset(self):
        project = generics.get_object_or_404(_org_projects(self.request), pk=self.kwargs['pk'])
        return ProjectImport.objects.filter(project=project)

    def get_object(self):
        obj = super().get_object()
        imports.advance(obj.id)
        obj.refresh_from_db()
        return obj
