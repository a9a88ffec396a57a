"""/_test/ endpoints: the same control plane as knob.sh/admin.sh over HTTP, guarded by STATE_DIR/test_secret.txt
(header X-Lsedge-Test-Secret). Never faulted, never in requests.log."""

import hmac
import json
import os

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from . import control


def _authorized(request):
    try:
        with open(os.path.join(settings.STATE_DIR, 'test_secret.txt')) as f:
            secret = f.read().strip()
    except FileNotFoundError:
        return False
    given = request.META.get('HTTP_X_LSEDGE_TEST_SECRET', '')
    return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())


def _guard(methods):
    def wrap(fn):
        @csrf_exempt
        def view(request, *args, **kwargs):
            if not _authorized(request):
                return JsonResponse({'detail': 'missing or wrong X-Lsedge-Test-Secret'}, status=403)
            if request.method not in methods:
                return JsonResponse({'detail': 'method not allowed'}, status=405)
            try:
                return fn(request, *args, **kwargs)
            except (control.KnobError, RuntimeError, ValueError) as e:
                return JsonResponse({'detail': str(e)}, status=400)

        return view

    return wrap


@_guard(('GET',))
def stats(request):
    return JsonResponse(control.stats())


@_guard(('GET',))
def tasks(request):
    project = request.GET.get('project')
    return JsonResponse(control.tasks(int(project) if project else None), safe=False)


@_guard(('POST',))
def knobs(request):
    """Body: {"name": "value", ...}, applied in order; answers the resulting stats."""
    body = json.loads(request.body or b'{}')
    if not isinstance(body, dict):
        raise ValueError('body must be a JSON object of knob -> value')
    applied = {name: control.set_knob(name, value) for name, value in body.items()}
    return JsonResponse({'applied': applied, 'stats': control.stats()})


@_guard(('POST',))
def reset(request):
    return JsonResponse({'detail': control.reset()})


@_guard(('POST',))
def new_pat(request):
    lifetime = request.GET.get('lifetime')
    return JsonResponse({'token': control.new_pat(int(lifetime) if lifetime else None)})
