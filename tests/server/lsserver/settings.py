"""Settings of the loopback Label Studio-compatible test server.

Everything mutable lives in LSSERVER_STATE_DIR (SQLite DB, secret key, knobs, logs, media), so one checkout can run
several independent servers. The values that matter to clients mirror Label Studio's core/settings/base.py.
"""

import os
import secrets
from pathlib import Path

STATE_DIR = os.environ.get('LSSERVER_STATE_DIR', '')
if not STATE_DIR or not os.path.isdir(STATE_DIR):
    raise RuntimeError('LSSERVER_STATE_DIR must name an existing directory (use tests/server/start.sh)')
STATE_DIR = os.path.abspath(STATE_DIR)
os.makedirs(os.path.join(STATE_DIR, 'logs'), exist_ok=True)

BASE_DIR = Path(__file__).resolve().parent.parent


def _secret_key():
    # Label Studio keeps a generated key next to its data; a key that changed between runs would invalidate every PAT.
    path = os.path.join(STATE_DIR, 'secret_key')
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(50)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, 'w') as f:
            f.write(key)
    except FileExistsError:
        with open(path) as f:
            return f.read().strip()
    return key


SECRET_KEY = _secret_key()
DEBUG = False
# Label Studio default: 500 bodies carry the traceback in exc_info.
DEBUG_MODAL_EXCEPTIONS = True
ALLOWED_HOSTS = ['*']
SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')

LABEL_STUDIO_VERSION = '1.24.0.dev0'

INSTALLED_APPS = [
    'django.contrib.contenttypes',
    'django.contrib.auth',
    'django.contrib.sessions',
    'rest_framework',
    'rest_framework.authtoken',
    'rest_framework_simplejwt.token_blacklist',
    'lsserver.users',
    'lsserver.jwt_auth',
    'lsserver.projects',
    'lsserver.testctl',
]

# Order matters: the request log and fault injection see what the client sees; JWTAuthenticationMiddleware is last,
# as in Label Studio.
MIDDLEWARE = [
    'lsserver.middleware.RequestLogMiddleware',
    'lsserver.middleware.FaultInjectionMiddleware',
    'lsserver.middleware.CommonMiddlewareAppendSlashWithoutRedirect',
    'django.contrib.sessions.middleware.SessionMiddleware',
    'lsserver.middleware.DisableCSRF',
    'django.contrib.auth.middleware.AuthenticationMiddleware',
    'lsserver.middleware.XApiKeySupportMiddleware',
    'lsserver.jwt_auth.middleware.JWTAuthenticationMiddleware',
]

ROOT_URLCONF = 'lsserver.urls'
WSGI_APPLICATION = 'lsserver.wsgi.application'
AUTH_USER_MODEL = 'users.User'
DEFAULT_AUTO_FIELD = 'django.db.models.AutoField'

DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.sqlite3',
        'NAME': os.path.join(STATE_DIR, 'db.sqlite3'),
        'OPTIONS': {'timeout': 30},
    }
}

SESSION_ENGINE = 'django.contrib.sessions.backends.signed_cookies'
APPEND_SLASH = False
USE_TZ = True
TIME_ZONE = 'UTC'
LANGUAGE_CODE = 'en-us'
USE_I18N = True

MEDIA_ROOT = os.path.join(STATE_DIR, 'media')
UPLOAD_DIR = 'upload'
FILE_UPLOAD_TEMP_DIR = os.path.join(STATE_DIR, 'tmp')

# Label Studio limits (base.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get('DATA_UPLOAD_MAX_MEMORY_SIZE', 250 * 1024 * 1024))
DATA_UPLOAD_MAX_NUMBER_FILES = 100
TASKS_MAX_NUMBER = 1000000
TASKS_MAX_FILE_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
PROJECT_TITLE_MIN_LEN = 3
PROJECT_TITLE_MAX_LEN = 50
DATA_UNDEFINED_NAME = '$undefined$'

REST_FRAMEWORK = {
    'DEFAULT_AUTHENTICATION_CLASSES': (
        'lsserver.jwt_auth.auth.TokenAuthenticationPhaseout',
        'rest_framework.authentication.SessionAuthentication',
    ),
    'DEFAULT_PERMISSION_CLASSES': ['rest_framework.permissions.IsAuthenticated'],
    'EXCEPTION_HANDLER': 'lsserver.exceptions.custom_exception_handler',
    'DEFAULT_RENDERER_CLASSES': ('rest_framework.renderers.JSONRenderer',),
    'PAGE_SIZE': 100,
}
# Label Studio sets PAGE_SIZE without a default pagination class too.
SILENCED_SYSTEM_CHECKS = ['rest_framework.W001']

# Label Studio does not set SIMPLE_JWT; only the access-token class is swapped so its lifetime follows the knob and
# its error texts follow simplejwt 5.5.1 (Debian ships 5.2.2).
SIMPLE_JWT = {
    'AUTH_TOKEN_CLASSES': ('lsserver.jwt_auth.tokens.AccessToken',),
}

LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'handlers': {
        'file': {
            'class': 'logging.FileHandler',
            'filename': os.path.join(STATE_DIR, 'logs', 'django.log'),
        },
    },
    'root': {'handlers': ['file'], 'level': 'INFO'},
}
