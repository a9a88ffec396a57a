"""The background side of asynchronous imports (Label Studio's data_import/functions.py async_import_background and
set_import_background_failure), without a job queue: an import stays `created` for the first half of its delay,
`in_progress` for the second, then is processed once, by a timer thread of the worker that took it or by the first
status request that finds it due (whichever claims it first; the claim is one conditional UPDATE)."""

import logging
import threading
import time
import traceback

from django.db import close_old_connections, connection, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


def schedule(import_id, delay_ms):
    timer = threading.Timer(delay_ms / 1000.0, _run_in_thread, args=(import_id,))
    timer.daemon = True
    timer.start()


def _run_in_thread(import_id):
    close_old_connections()
    try:
        process(import_id)
    except Exception:  # noqa: BLE001 - a background job must not kill the worker
        logger.exception('async import %s', import_id)
    finally:
        connection.close()


def advance(import_id):
    """Moves an import along by the clock (what a status request sees)."""
    from .models import ProjectImport

    pi = ProjectImport.objects.get(id=import_id)
    if pi.claimed:
        return
    elapsed_ms = (timezone.now() - pi.created_at).total_seconds() * 1000
    if elapsed_ms >= pi.delay_ms:
        process(import_id)
    elif elapsed_ms >= pi.delay_ms / 2 and pi.status == ProjectImport.Status.CREATED:
        ProjectImport.objects.filter(id=import_id, claimed=False).update(status=ProjectImport.Status.IN_PROGRESS)


def process(import_id):
    from .models import ProjectImport
    from .views import _store_tasks

    if not ProjectImport.objects.filter(id=import_id, claimed=False).update(
        claimed=True, status=ProjectImport.Status.IN_PROGRESS
    ):
        return  # someone else has it (or had it)
    pi = ProjectImport.objects.select_related('project').get(id=import_id)
    start = time.time()
    try:
        with transaction.atomic():
            objs = _store_tasks(pi.project, pi.pending, pi.commit_to_project)
    except Exception as exc:  # noqa: BLE001 - every failure ends as `failed`, as the RQ failure callback does
        ProjectImport.objects.filter(id=import_id).update(
            status=ProjectImport.Status.FAILED,
            traceback=traceback.format_exc(),
            error=str(exc),
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        return
    ProjectImport.objects.filter(id=import_id).update(
        status=ProjectImport.Status.COMPLETED,
        task_count=len(objs),
        annotation_count=sum(len(o.annotations) for o in objs),
        prediction_count=sum(len(o.predictions) for o in objs),
        duration=int(time.time() - start),
        task_ids=[o.id for o in objs] if pi.return_task_ids else [],
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
