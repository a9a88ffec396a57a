"""Label Studio's core.utils.common.custom_exception_handler: the error envelope on every DRF exception."""

import logging
import traceback
import uuid

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


def custom_exception_handler(exc, context):
    exception_id = uuid.uuid4()
    logger.error('%s %s: %s', exception_id, exc.__class__.__name__, exc)
    response_data = {
        'id': exception_id,
        'status_code': status.HTTP_500_INTERNAL_SERVER_ERROR,
        'version': settings.LABEL_STUDIO_VERSION,
        'detail': 'Unknown error',
        'exc_info': None,
    }
    response = exception_handler(exc, context)
    if response is not None:
        response_data['status_code'] = response.status_code
        if 'detail' in response.data and isinstance(response.data['detail'], ErrorDetail):
            response_data['detail'] = response.data['detail']
        else:
            response_data['detail'] = 'Validation error'
            response_data['validation_errors'] = (
                response.data if isinstance(response.data, dict) else {'non_field_errors': response.data}
            )
        response.data = response_data
    else:
        response_data['detail'] = str(exc)
        response_data['exc_info'] = traceback.format_exc() if settings.DEBUG_MODAL_EXCEPTIONS else None
        response = Response(status=status.HTTP_500_INTERNAL_SERVER_ERROR, data=response_data)
    return response
