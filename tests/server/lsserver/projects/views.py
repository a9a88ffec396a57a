"""Label Studio's ProjectListAPI, ProjectAPI, the synchronous (Community) ImportAPI and ImportPredictionsAPI."""

import contextlib
import csv
import fcntl
import json
import logging
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
from .predictions import LabelInterface, extract_message, prepare_prediction_result
from .serializers import ProjectImportSerializer, ProjectSerializer
from .validation import validate_tasks

IMAGE_EXT = {'.bmp', '.gif', '.jpg', '.jpeg', '.png', '.svg', '.webp', '.tif', '.tiff'}
AUDIO_EXT = {'.aiff', '.au', '.flac', '.m4a', '.mp3', '.ogg', '.wav'}
VIDEO_EXT = {'.mp4', '.webm'}
HTML_EXT = {'.htm', '.html', '.xml'}
TASK_LIST_EXT = {'.csv', '.tsv', '.txt'}
SUPPORTED_EXTENSIONS = IMAGE_EXT | AUDIO_EXT | VIDEO_EXT | HTML_EXT | TASK_LIST_EXT | {'.json', '.pdf'}

logger = logging.getLogger(__name__)


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


# Label Studio's settings.PREDICTION_IMPORT_BATCH_SIZE default: the memory-efficient path commits every batch.
PREDICTION_IMPORT_BATCH_SIZE = 500


@contextlib.contextmanager
def _predictions_lock():
    """Serialises the read-modify-write of Task.predictions across gunicorn workers (Label Studio inserts rows into
    its own prediction table; here they are appended to the task's JSON list)."""
    fd = os.open(os.path.join(settings.STATE_DIR, 'predictions.lock'), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _score(value):
    # Prediction.score is a FloatField: what bulk_create makes of a value that is not a number.
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as e:
        raise e.__class__(f"Field 'score' expected a number but got {value!r}.") from e


def _model_version(value):
    # Prediction.model_version is a TextField: stored as text.
    return None if value is None else str(value)


def _append_predictions(pairs):
    """Stores [(task_id, {result, score, model_version}), ...] in one transaction; returns how many."""
    if not pairs:
        return 0
    by_task = {}
    for task_id, pred in pairs:
        by_task.setdefault(int(task_id), []).append(pred)
    with _predictions_lock(), transaction.atomic():
        for task in Task.objects.filter(id__in=list(by_task)):
            task.predictions = list(task.predictions or []) + by_task[task.id]
            task.save(update_fields=['predictions'])
    return len(pairs)


class ImportPredictionsAPI(generics.CreateAPIView):
    """data_import/api.py ImportPredictionsAPI: POST /api/projects/{pk}/import/predictions with a list of
    {"task": ID, "result": [...], "score": 0.87, "model_version": "..."}; answers 201 {"created": n}.

    Knob `predictions_validation` picks what the server runs (upstream: two feature flags):
      strict  - _create_legacy with fflag_feat_utc_210_prediction_validation_15082025 on: every item is checked against
                the label config, any error refuses the whole request (400, "Prediction {i}: ..." list);
      lenient - _create_legacy with that flag off: an unknown task id is a 400 at once, but predictions that fail the
                label config are logged and skipped, the others are created (`created` < items sent);
      none    - _create_memory_efficient (fflag_fix_back_4620_memory_efficient_predictions_import_08012025_short): no
                label-config check; items are stored in batches of 500, each committed on its own, so a bad item in a
                later batch answers 400 after the earlier batches were stored.
    """

    parser_classes = (JSONParser, MultiPartParser, FormParser)
    queryset = Project.objects.all()

    def create(self, request, *args, **kwargs):
        project = generics.get_object_or_404(_org_projects(request), pk=kwargs['pk'])
        mode = state.read_knobs().get('predictions_validation') or 'strict'
        if mode == 'none':
            return self._create_memory_efficient(project)
        return self._create_legacy(project, validation_flag=(mode == 'strict'))

    def _create_memory_efficient(self, project):
        request_data = self.request.data
        total_predictions = len(request_data)
        total_created = 0
        for batch_start in range(0, total_predictions, PREDICTION_IMPORT_BATCH_SIZE):
            batch_end = min(batch_start + PREDICTION_IMPORT_BATCH_SIZE, total_predictions)
            batch_items = request_data[batch_start:batch_end]
            batch_task_ids = [item.get('task') for item in batch_items]
            existing_task_ids = set(
                Task.objects.filter(project=project, id__in=batch_task_ids).values_list('id', flat=True)
            )
            batch_predictions = []
            for item in batch_items:
                task_id = item.get('task')
                if task_id not in existing_task_ids:
                    raise ValidationError(
                        f'{item} contains invalid "task" field: task ID {task_id} not found in project {project}'
                    )
                batch_predictions.append(
                    (
                        task_id,
                        {
                            'result': prepare_prediction_result(item.get('result'), project),
                            'score': item.get('score'),
                            'model_version': item.get('model_version', 'undefined'),
                        },
                    )
                )
            for _, pred in batch_predictions:
                pred['score'] = _score(pred['score'])
                pred['model_version'] = _model_version(pred['model_version'])
            total_created += _append_predictions(batch_predictions)
        return Response({'created': total_created}, status=status.HTTP_201_CREATED)

    def _create_legacy(self, project, validation_flag):
        tasks_ids = set(Task.objects.filter(project=project).values_list('id', flat=True))
        li = LabelInterface(project.label_config)
        validation_errors = []
        predictions = []

        for i, item in enumerate(self.request.data):
            if item.get('task') not in tasks_ids:
                if validation_flag:
                    validation_errors.append(
                        f'Prediction {i}: Invalid task ID {item.get("task")} - task not found in project'
                    )
                    continue
                else:
                    raise ValidationError(
                        f'{item} contains invalid "task" field: corresponding task ID couldn\'t be retrieved '
                        f'from project {project} tasks'
                    )
            try:
                validation_errors_list = li.validate_prediction(item, return_errors=True)
                if validation_errors_list:
                    for error in validation_errors_list:
                        validation_errors.append(f'Prediction {i}: {error}')
                    continue
            except Exception as e:  # noqa: BLE001 - upstream turns any failure into an error line
                validation_errors.append(f'Prediction {i}: Error validating prediction - {extract_message(e)}')
                continue
            try:
                predictions.append(
                    (
                        item['task'],
                        {
                            'result': prepare_prediction_result(item.get('result'), project),
                            'score': _score(item.get('score')),
                            'model_version': _model_version(item.get('model_version', 'undefined')),
                        },
                    )
                )
            except Exception as e:  # noqa: BLE001
                validation_errors.append(f'Prediction {i}: Failed to create prediction - {extract_message(e)}')
                continue

        if validation_errors:
            if validation_flag:
                raise ValidationError(validation_errors)
            logger.error(f'Prediction validation failed ({len(validation_errors)} errors):\n{validation_errors}')

        created = _append_predictions(predictions)
        return Response({'created': created}, status=status.HTTP_201_CREATED)
