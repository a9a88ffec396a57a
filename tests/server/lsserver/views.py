"""Label Studio core views a client calls: /health, /api/version/, /api/current-user/*."""

import json
import os

from django.conf import settings
from django.http import HttpResponse
from rest_framework import generics, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import state
from .users.serializers import WhoAmIUserSerializer


_PAGE_404 = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'templates', '404.html')


def page_not_found(request, exception=None):
    """Django's handler404 with Label Studio's templates/404.html (extends simple.html), rendered: an HTML page for
    every unknown route, /api/ paths included. Knob `page_404_bytes` pads it (some versions send far larger pages)."""
    with open(_PAGE_404, 'rb') as f:
        body = f.read()
    want = int(state.read_knobs().get('page_404_bytes') or 0)
    if want > len(body):
        filler = b'<!-- ' + b'x' * max(0, want - len(body) - 9) + b' -->\n'
        body = body.replace(b'</head>', filler + b'</head>', 1)
    return HttpResponse(body, status=404, content_type='text/html; charset=utf-8')


def health(request):
    # json.dumps into a plain HttpResponse: Content-Type is text/html, as upstream.
    return HttpResponse(json.dumps({'status': 'UP'}))


class VersionAPI(APIView):
    permission_classes = (AllowAny,)
    authentication_classes = ()

    def get(self, request, *args, **kwargs):
        v = settings.LABEL_STUDIO_VERSION
        return Response(
            {
                'release': v,
                'label-studio-os-package': {
                    'version': v,
                    'short_version': '.'.join(v.split('.')[:2]),
                    'latest_version_from_pypi': None,
                    'latest_version_upload_time': None,
                    'current_version_is_outdated': False,
                },
                'label-studio-os-backend': {
                    'message': 'lsedge loopback test server',
                    'commit': 'unknown',
                    'date': '',
                    'branch': '',
                    'version': v,
                },
                'edition': 'Community',
            }
        )


class WhoAmIAPI(generics.RetrieveAPIView):
    serializer_class = WhoAmIUserSerializer

    def get_object(self):
        return self.request.user

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        hostile = state.read_knobs().get('hostile_text') or ''
        if hostile:  # knob hostile_text: a server that sends terminal escapes in its fields
            response.data['username'] = hostile
            response.data['email'] = hostile
        return response


class UserTokenAPI(APIView):
    def get(self, request, *args, **kwargs):
        token, _ = Token.objects.get_or_create(user=request.user)
        return Response({'token': token.key})


class UserResetTokenAPI(APIView):
    def post(self, request, *args, **kwargs):
        Token.objects.filter(user=request.user).delete()
        token = Token.objects.create(user=request.user)
        return Response({'token': token.key}, status=status.HTTP_201_CREATED)
