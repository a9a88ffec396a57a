"""Label Studio's task validation on import (tasks/validation.py TaskValidator, tasks/serializers.py
BaseTaskSerializerBulk.to_internal_value/format_error): every item is checked against the label config's $keys; the
400 lists one entry per item ({} for a good one, the error with the whole item echoed for a bad one), cut at 100."""

from django.conf import settings
from rest_framework.exceptions import ValidationError

from .labelconfig import extract_data_types

_DATA_TYPES = {
    'Text': [str, int, float],
    'Header': [str, int, float],
    'HyperText': [str],
    'Image': [str, list],
    'Paragraphs': [list, str],
    'Table': [dict],
    'TimeSeries': [dict, list, str],
    'TimeSeriesChannel': [dict, list, str],
}


class TaskValidator:
    def __init__(self, label_config):
        self.data_types = extract_data_types(label_config)

    def check_data(self, data):
        if data is None:
            raise ValidationError('Task is empty (None)')
        # replace_task_data_undefined_with_config_field: a file import's $undefined$ becomes the first key.
        if isinstance(data, dict) and settings.DATA_UNDEFINED_NAME in data and self.data_types:
            key = list(self.data_types.keys())[0]
            data[key] = data.pop(settings.DATA_UNDEFINED_NAME)
        for data_key, data_type in self.data_types.items():
            is_array = '[' in data_key
            data_key = data_key.split('[')[0]
            if data_key not in data:
                raise ValidationError('"{data_key}" key is expected in task data'.format(data_key=data_key))
            expected_types = (list,) if is_array else _DATA_TYPES.get(data_type, (str,))
            if not isinstance(data[data_key], tuple(expected_types)):
                raise ValidationError(
                    "data['{data_key}']={data_value} is of type '{type}', "
                    'but the object tag {data_type} expects the following types: {expected_types}'.format(
                        data_key=data_key,
                        data_value=data[data_key],
                        type=type(data[data_key]).__name__,
                        data_type=data_type,
                        expected_types=[e.__name__ for e in expected_types],
                    )
                )
            if data_type == 'List':
                for item in data[data_key]:
                    if 'text' not in item:
                        raise ValidationError('Each item from List must have key text')
        return data

    def check_data_and_root(self, data, dict_is_root=False):
        try:
            self.check_data(data)
        except ValidationError as e:
            if dict_is_root:
                raise ValidationError(e.detail[0] + ' [assume: item as is = task root with values] ')
            raise ValidationError(e.detail[0] + ' [assume: item["data"] = task root with values]')

    @staticmethod
    def raise_if_wrong_class(task, key, class_def):
        if key in task and not isinstance(task[key], class_def):
            raise ValidationError('Task[{key}] must be {class_def}'.format(key=key, class_def=class_def))

    def validate(self, task):
        if not isinstance(task, dict):
            raise ValidationError('Task root must be dict with "data", "meta", "annotations", "predictions" fields')
        if 'data' in task:
            self.raise_if_wrong_class(task, 'data', (dict, list))
            self.check_data_and_root(task['data'])
            self.raise_if_wrong_class(task, 'annotations', list)
            for annotation in task.get('annotations', []):
                if not isinstance(annotation, dict):
                    continue
                if 'result' not in annotation:
                    raise ValidationError('Annotation must have "result" fields')
                if not isinstance(annotation.get('result', []), list):
                    raise ValidationError('"result" field in annotation must be list')
            self.raise_if_wrong_class(task, 'predictions', list)
            for prediction in task.get('predictions', []):
                if not isinstance(prediction, dict):
                    continue
                if 'result' not in prediction:
                    raise ValidationError('Prediction must have "result" fields')
            self.raise_if_wrong_class(task, 'meta', (dict, list))
        else:
            self.check_data_and_root(task, dict_is_root=True)
            task = {'data': task}
        return task


def format_error(i, detail, item):
    if len(detail) == 1:
        code = f' {detail[0].code}' if detail[0].code != 'invalid' else ''
        return f'Error{code} at item {i}: {detail[0]} :: {item}'
    errors = ', '.join(detail)
    codes = [d.code for d in detail]
    return f'Errors {codes} at item {i}: {errors} :: {item}'


def validate_tasks(label_config, data):
    """Raises ValidationError(errors) as Label Studio's bulk task serializer does; returns the normalised tasks."""
    validator = TaskValidator(label_config)
    ret, errors = [], []
    for i, item in enumerate(data):
        try:
            validated = validator.validate(item)
        except ValidationError as exc:
            errors.append(format_error(i, exc.detail, item))
            # "do not print to user too many errors" (upstream): the 100th entry becomes '...'.
            if len(errors) >= 100:
                errors[99] = '...'
                break
        else:
            ret.append(validated)
            errors.append({})
    if any(errors):
        raise ValidationError(errors)
    return ret
