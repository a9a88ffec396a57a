"""Knobs and test-only queries, shared by `manage.py lstest` (knob.sh, admin.sh) and the /_test/ endpoints."""

import json
import os
import secrets

from django.conf import settings
from django.db import transaction

from lsserver import state

KNOB_NAMES = (
    'access_lifetime',
    'legacy',
    'api_tokens',
    'user_active',
    'fail',
    'fail_after',
    'delay',
    'drop',
    'retry_after',
    'chunked',
    'cert',
    'keepalive_timeout',
    'copy_iat',
    'async_import',
    'async_import_delay_ms',
    'ignore_include',
    'poison',
    'page_404_bytes',
    'page_loop',
    'body_limit',
    'redirect_http',
    'hostile_text',
    'predictions_validation',
)

PREDICTIONS_VALIDATION_MODES = ('strict', 'lenient', 'none')

# nginx.json keys the knobs change, with the values `reset` restores.
NGINX_DEFAULTS = {'body_limit': None, 'redirect_http': False}

TEST_USER_EMAIL = 'edge@lsedge.test'


class KnobError(ValueError):
    pass


def _onoff(value):
    v = str(value).strip().lower()
    if v in ('on', '1', 'true', 'yes'):
        return True
    if v in ('off', '0', 'false', 'no'):
        return False
    raise KnobError('expected on or off, got %r' % value)


def _int(text, what, lo=0, hi=None):
    try:
        n = int(text)
    except (TypeError, ValueError):
        raise KnobError('%s must be an integer, got %r' % (what, text))
    if n < lo or (hi is not None and n > hi):
        raise KnobError('%s must be in [%s, %s], got %d' % (what, lo, hi if hi is not None else 'inf', n))
    return n


def _prefix(parts, index):
    if len(parts) > index:
        p = parts[index]
        if not p.startswith('/'):
            raise KnobError('path prefix must start with /, got %r' % p)
        return p
    return ''


def _lsctl():
    import sys

    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if here not in sys.path:
        sys.path.insert(0, here)
    import lsctl

    return lsctl


def test_user():
    from lsserver.users.models import User

    return User.objects.get(email=TEST_USER_EMAIL)


def _jwt_settings():
    from lsserver.jwt_auth.models import JWTSettings

    return JWTSettings.objects.get(organization=test_user().active_organization)


def set_knob(name, value):
    """Applies one knob; returns a short description of the new state."""
    value = str(value).strip()
    parts = value.split()
    if name == 'access_lifetime':
        n = _int(value, 'access_lifetime seconds', 1)
        with state.locked_knobs() as k:
            k['access_lifetime'] = n
        return 'access tokens now live %d s' % n
    if name in ('legacy', 'api_tokens'):
        on = _onoff(value)
        js = _jwt_settings()
        setattr(js, 'legacy_api_tokens_enabled' if name == 'legacy' else 'api_tokens_enabled', on)
        js.save()
        return '%s %s' % (name, 'on' if on else 'off')
    if name == 'user_active':
        on = _onoff(value)
        u = test_user()
        u.is_active = on
        u.save(update_fields=['is_active'])
        return 'user %s' % ('active' if on else 'inactive')
    if name in ('fail', 'fail_after'):
        if not parts:
            raise KnobError('%s needs "N [STATUS [PATH_PREFIX]]"' % name)
        n = _int(parts[0], 'count')
        status = _int(parts[1], 'status', 100, 599) if len(parts) > 1 else (503 if name == 'fail' else 500)
        with state.locked_knobs() as k:
            k[name] = {'count': n, 'status': status, 'prefix': _prefix(parts, 2)}
        return '%s next %d request(s) with %d' % (name, n, status)
    if name == 'delay':
        if not parts:
            raise KnobError('delay needs "MS [N [PATH_PREFIX]]"')
        ms = _int(parts[0], 'delay ms', 0, 600000)
        n = _int(parts[1], 'count') if len(parts) > 1 else 0
        with state.locked_knobs() as k:
            k['delay'] = {'ms': ms, 'count': n, 'prefix': _prefix(parts, 2)}
        return 'delay %d ms for %s' % (ms, 'every request' if n == 0 else 'the next %d request(s)' % n)
    if name == 'drop':
        if not parts:
            raise KnobError('drop needs "N [PATH_PREFIX]"')
        n = _int(parts[0], 'count')
        with state.locked_knobs() as k:
            k['drop'] = {'count': n, 'prefix': _prefix(parts, 1)}
        return 'drop the next %d response(s) mid-body' % n
    if name == 'chunked':
        on = _onoff(value)
        with state.locked_knobs() as k:
            k['chunked'] = on
        return 'responses %s' % ('chunked (no Content-Length)' if on else 'with Content-Length')
    if name == 'retry_after':
        n = _int(value, 'retry_after seconds')
        with state.locked_knobs() as k:
            k['retry_after'] = n
        return 'Retry-After %d on injected failures' % n
    if name in ('copy_iat', 'async_import', 'ignore_include', 'page_loop'):
        on = _onoff(value)
        with state.locked_knobs() as k:
            k[name] = on
        return '%s %s' % (name, 'on' if on else 'off')
    if name in ('async_import_delay_ms', 'page_404_bytes'):
        n = _int(value, name, 0, 3600000 if name == 'async_import_delay_ms' else 64 * 1024 * 1024)
        with state.locked_knobs() as k:
            k[name] = n
        return '%s %d' % (name, n)
    if name == 'hostile_text':
        with state.locked_knobs() as k:
            k['hostile_text'] = value
        return 'whoami fields and injected details are now %r' % value if value else 'hostile_text off'
    if name == 'predictions_validation':
        if value not in PREDICTIONS_VALIDATION_MODES:
            raise KnobError('predictions_validation must be one of: %s' % ', '.join(PREDICTIONS_VALIDATION_MODES))
        with state.locked_knobs() as k:
            k['predictions_validation'] = value
        return 'prediction imports: %s' % {
            'strict': 'any invalid item refuses the request (400)',
            'lenient': 'invalid items skipped (201, smaller created)',
            'none': 'no label-config validation',
        }[value]
    if name == 'poison':
        with state.locked_knobs() as k:
            k['poison'] = value
        return 'imports whose body contains %r raise' % value if value else 'poison off'
    if name in ('cert', 'keepalive_timeout', 'body_limit', 'redirect_http'):
        lsctl = _lsctl()
        sd = settings.STATE_DIR
        params = lsctl.nginx_params(sd)
        if name == 'cert':
            if params.get('http_only'):
                raise KnobError('server was started with --http-only')
            if value not in lsctl.CERTS:
                raise KnobError('cert must be one of: %s' % ', '.join(sorted(lsctl.CERTS)))
            lsctl.install_cert(sd, value)
            params['cert'] = value
        elif name == 'keepalive_timeout':
            params['keepalive_timeout'] = _int(value, 'keepalive_timeout seconds', 0, 3600)
        elif name == 'body_limit':
            params['body_limit'] = _int(value, 'body_limit bytes', 0)
        else:
            if params.get('http_only'):
                raise KnobError('server was started with --http-only: there is no HTTPS URL to redirect to')
            params['redirect_http'] = _onoff(value)
        lsctl.save_nginx_params(sd, params)
        lsctl.render_nginx(sd)
        lsctl.reload_nginx(sd)
        return 'nginx reloaded with %s=%s' % (name, value)
    raise KnobError('unknown knob %r; known: %s' % (name, ', '.join(KNOB_NAMES)))


def reset():
    """Clears the faults and the behaviour knobs (nginx's too: reloaded only when it changed and runs)."""
    state.reset_faults()
    lsctl = _lsctl()
    sd = settings.STATE_DIR
    try:
        params = lsctl.nginx_params(sd)
    except FileNotFoundError:
        return 'faults cleared'
    changed = False
    for key, default in NGINX_DEFAULTS.items():
        if params.get(key, default) != default:
            params[key] = default
            changed = True
    if changed:
        lsctl.save_nginx_params(sd, params)
        lsctl.render_nginx(sd)
        if lsctl.owned(lsctl.read_pid(os.path.join(sd, 'nginx.pid')), sd):
            lsctl.reload_nginx(sd)
    return 'faults cleared'


def stats():
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    from lsserver.projects.models import FileUpload, Project, Task

    rows = state.read_request_log()
    refresh = [r for r in rows if r['path'] in ('/api/token/refresh', '/api/token/refresh/')]
    js = _jwt_settings()
    user = test_user()
    lsctl = _lsctl()
    nginx = lsctl.nginx_params(settings.STATE_DIR)
    return {
        'tasks': Task.objects.count(),
        'projects': Project.objects.count(),
        'file_uploads': FileUpload.objects.count(),
        'requests': len(rows),
        'refreshes': sum(1 for r in refresh if r['status'] == 200 and 'drop' not in r['event']),
        'refresh_requests': len(refresh),
        'outstanding_tokens': OutstandingToken.objects.count(),
        'blacklisted_tokens': BlacklistedToken.objects.count(),
        'legacy': js.legacy_api_tokens_enabled,
        'api_tokens': js.api_tokens_enabled,
        'user_active': user.is_active,
        'knobs': state.read_knobs(),
        'cert': nginx.get('cert', 'good'),
        'keepalive_timeout': nginx.get('keepalive_timeout', 65),
        'body_limit': nginx.get('body_limit'),
        'redirect_http': bool(nginx.get('redirect_http')),
        'imports': _import_counts(),
    }


def _import_counts():
    from lsserver.projects.models import ProjectImport

    counts = {}
    for status in ProjectImport.objects.values_list('status', flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def tasks(project_id=None):
    from lsserver.projects.models import Task

    qs = Task.objects.select_related('file_upload').order_by('id')
    if project_id is not None:
        qs = qs.filter(project_id=project_id)
    return [
        {
            'id': t.id,
            'project': t.project_id,
            'data': t.data,
            'annotations': len(t.annotations or []),
            'predictions': len(t.predictions or []),
            'file_upload': t.file_upload_id,
            # The uploaded file's name as the client sent it (media uploads and task files), else null.
            'file_upload_name': t.file_upload.original_name if t.file_upload else None,
            # Every stored prediction: imported with the task or through /import/predictions
            # ({result, score, model_version}).
            'prediction_list': t.predictions or [],
        }
        for t in qs
    ]


def project_create(title, label_config_path):
    """A project with this title and the label config read from the file (checked as POST /api/projects/ does)."""
    from lsserver.projects.serializers import ProjectSerializer

    with open(label_config_path, encoding='utf-8') as f:
        config = f.read()
    user = test_user()
    serializer = ProjectSerializer(data={'title': title, 'label_config': config})
    if not serializer.is_valid():
        raise KnobError('project refused: %s' % json.dumps(serializer.errors))
    project = serializer.save(created_by=user, organization=user.active_organization)
    return project.id


def project_config(project_id, label_config_path):
    """Replaces a project's label config (what an operator does in the UI's Labeling Interface)."""
    from lsserver.projects.models import Project
    from lsserver.projects.serializers import ProjectSerializer

    with open(label_config_path, encoding='utf-8') as f:
        config = f.read()
    project = Project.objects.get(pk=int(project_id))
    serializer = ProjectSerializer(project, data={'label_config': config}, partial=True)
    if not serializer.is_valid():
        raise KnobError('label config refused: %s' % json.dumps(serializer.errors))
    serializer.save()
    return project.id


def imports(project_id=None):
    from lsserver.projects.models import ProjectImport

    qs = ProjectImport.objects.all().order_by('id')
    if project_id is not None:
        qs = qs.filter(project_id=project_id)
    return [
        {'id': i.id, 'project': i.project_id, 'status': i.status, 'error': i.error, 'task_count': i.task_count}
        for i in qs
    ]


def new_pat(lifetime_seconds=None):
    """A fresh PAT for the test user (full JWT). Does not touch pat.txt."""
    from lsserver.jwt_auth.tokens import LSAPIToken

    user = test_user()
    if lifetime_seconds:
        token = LSAPIToken.for_user_with_lifetime(user, int(lifetime_seconds))
    else:
        token = LSAPIToken.for_user(user)
    return token.get_full_jwt()


def clear_log():
    with open(state.request_log_path(), 'w'):
        pass
    return 'request log cleared'


def _write_secret_file(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(text + '\n')


@transaction.atomic
def setup(legacy=False, access_lifetime=300):
    """First-run provisioning: org, user, JWT settings, PAT, legacy key, a project, the /_test/ secret."""
    from rest_framework.authtoken.models import Token

    from lsserver.jwt_auth.models import JWTSettings
    from lsserver.jwt_auth.tokens import LSAPIToken
    from lsserver.projects.models import Project
    from lsserver.users.models import Organization, User

    sd = settings.STATE_DIR
    user = User.objects.create_user(
        username='edge', email=TEST_USER_EMAIL, password=secrets.token_urlsafe(16), first_name='Edge',
        last_name='Gateway'
    )
    org = Organization.objects.create(title='lsedge test organization', created_by=user)
    user.active_organization = org
    user.save()
    JWTSettings.objects.create(organization=org, legacy_api_tokens_enabled=legacy)
    legacy_key = Token.objects.create(user=user).key
    pat = LSAPIToken.for_user(user).get_full_jwt()
    project = Project.objects.create(
        title='lsedge test project',
        label_config='<View><Image name="image" value="$image"/></View>',
        organization=org,
        created_by=user,
    )
    with state.locked_knobs() as k:
        k['access_lifetime'] = int(access_lifetime)
        k['start_access_lifetime'] = int(access_lifetime)
    _write_secret_file(os.path.join(sd, 'pat.txt'), pat)
    _write_secret_file(os.path.join(sd, 'legacy_key.txt'), legacy_key)
    _write_secret_file(os.path.join(sd, 'test_secret.txt'), secrets.token_hex(16))
    return project.id
