"""Request log, fault injection and the Label Studio core middleware a client can observe."""

import json
import socket
import time
import uuid
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse

from . import state

_NGINX_PAGES = {
    502: 'Bad Gateway',
    503: 'Service Temporarily Unavailable',
    504: 'Gateway Time-out',
}


def _auth_scheme(meta):
    # Only the scheme word is ever recorded, never the credential.
    header = meta.get('HTTP_AUTHORIZATION', '')
    if header:
        word = header.split()[0].lower() if header.split() else ''
        return word if word in ('bearer', 'token', 'basic') else 'other'
    if meta.get('HTTP_X_API_KEY'):
        return 'x-api-key'
    return 'none'


class RequestLogMiddleware:
    """Appends one line per request to STATE_DIR/requests.log: what the client sent (method, path without query) and
    what it got (status), plus the nginx connection serial so tests can see keep-alive reuse, and the nginx listener
    port and TLS session (protocol, cipher, r = resumed / . = full handshake, key-exchange group) so they can see what
    was negotiated."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if path.startswith(state.INTERNAL_PREFIX):
            return self.get_response(request)
        meta = request.META
        auth = _auth_scheme(meta)
        start = time.monotonic()
        request._lsserver_events = []
        response = self.get_response(request)
        elapsed = int((time.monotonic() - start) * 1000)
        fields = [
            str(state.now_ms()),
            request.method or '-',
            quote(path, safe="/-._~!$&'()*+,;=:@%") or '/',
            str(response.status_code),
            auth,
            meta.get('HTTP_X_FORWARDED_PROTO') or 'direct',
            meta.get('HTTP_X_LSEDGE_CONN') or '-',
            meta.get('HTTP_X_LSEDGE_CONN_REQ') or '-',
            str(elapsed),
            '+'.join(request._lsserver_events) or '-',
            meta.get('HTTP_X_LSEDGE_PORT') or '-',
            meta.get('HTTP_X_LSEDGE_TLS_PROTOCOL') or '-',
            meta.get('HTTP_X_LSEDGE_TLS_CIPHER') or '-',
            meta.get('HTTP_X_LSEDGE_TLS_REUSED') or '-',
            meta.get('HTTP_X_LSEDGE_TLS_CURVE') or '-',
        ]
        state.append_request_log(' '.join(f.replace(' ', '%20') for f in fields))
        return response


def _fault_response(status, retry_after):
    if status in _NGINX_PAGES:
        # What nginx itself answers when the upstream is down or overloaded.
        title = '%d %s' % (status, _NGINX_PAGES[status])
        body = '<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n' % (title, title)
        body += '<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n'
        response = HttpResponse(body, status=status, content_type='text/html')
    else:
        # Label Studio's error envelope (core/utils/common.py), as for an unhandled server exception.
        from http import HTTPStatus

        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = 'Injected fault'
        data = {
            'id': str(uuid.uuid4()),
            'status_code': status,
            'version': settings.LABEL_STUDIO_VERSION,
            'detail': state.read_knobs().get('hostile_text') or 'Injected fault: %s' % phrase,
            'exc_info': None,
        }
        response = HttpResponse(json.dumps(data), status=status, content_type='application/json')
    if retry_after > 0:
        response['Retry-After'] = str(retry_after)
    return response


def _dropping_response(request, response):
    """Re-sends `response` with its full Content-Length but only half the body, then shuts the socket down."""
    body = b''.join(response.streaming_content) if response.streaming else response.content
    half = body[: len(body) // 2]
    sock = request.META.get('gunicorn.socket')

    def chunks():
        yield b''  # makes gunicorn send the status line and headers
        if half:
            yield half
        # gunicorn has written every yielded chunk before it resumes this generator.
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    dropped = StreamingHttpResponse(chunks(), status=response.status_code)
    for key, value in response.items():
        if key.lower() not in ('content-length', 'content-type'):
            dropped[key] = value
    dropped['Content-Type'] = response.get('Content-Type', 'application/octet-stream')
    dropped['Content-Length'] = str(max(len(body), 2))
    return dropped


class FaultInjectionMiddleware:
    """Applies the delay / fail / fail_after / drop knobs (STATE_DIR/knobs.json) to non-/_test/ requests."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if path.startswith(state.INTERNAL_PREFIX):
            return self.get_response(request)
        events = getattr(request, '_lsserver_events', [])
        delay_ms, fail, fail_after, drop, retry_after, chunked = state.take_faults(path)
        if delay_ms:
            events.append('delay')
            time.sleep(delay_ms / 1000.0)
        if fail:
            events.append('fail')
            return _with_length(_fault_response(fail, retry_after), chunked)
        response = self.get_response(request)
        if fail_after:
            events.append('fail_after')
            return _with_length(_fault_response(fail_after, retry_after), chunked)
        if drop:
            events.append('drop')
            return _dropping_response(request, response)
        return _with_length(response, chunked)


def _with_length(response, chunked):
    # Django's CommonMiddleware (which Label Studio's slash middleware extends) adds Content-Length to non-streaming
    # responses; the `chunked` knob leaves it out so nginx relays the body chunked.
    if response.streaming:
        return response
    if chunked:
        if response.has_header('Content-Length'):
            del response['Content-Length']
    elif not response.has_header('Content-Length'):
        response['Content-Length'] = str(len(response.content))
    return response


class CommonMiddlewareAppendSlashWithoutRedirect:
    """Label Studio's APPEND_SLASH replacement: a 404 on a path without a trailing slash is dispatched again,
    internally, with the slash appended (no redirect, so POST bodies survive). The reverse never happens."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 404 and not request.path_info.endswith('/'):
            request.path_info = request.path_info + '/'
            request.path = request.path + '/'
            request.resolver_match = None
            response = self.get_response(request)
        return response


class DisableCSRF:
    """Label Studio's core.middleware.DisableCSRF: API views never enforce CSRF (session auth picks up the JWT user)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request._dont_enforce_csrf_checks = True
        return self.get_response(request)


class XApiKeySupportMiddleware:
    """`X-Api-Key: <key>` becomes `Authorization: Token <key>`, or `Bearer` for a JWT-shaped key (newer servers)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.META.get('HTTP_X_API_KEY')
        if key:
            from .jwt_auth.token_format import is_jwt_formatted

            scheme = 'Bearer' if is_jwt_formatted(key) else 'Token'
            request.META['HTTP_AUTHORIZATION'] = '%s %s' % (scheme, key)
        return self.get_response(request)
