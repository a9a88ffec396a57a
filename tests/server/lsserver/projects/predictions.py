"""Predictions against a label config, as Label Studio checks and stores them on
`POST /api/projects/{id}/import/predictions`.

`LabelInterface.validate_prediction(item, return_errors=True)` is a subset of label-studio-sdk's
`label_interface/interface.py` (`_validate_object_logic`, `_validate_region_logic`, `_validate_relation_logic`) and
`label_interface/control_tags.py` (`ControlTag.validate_value` and the pydantic value classes). The error texts are the
SDK's, word for word. What is left out: the SDK builds pydantic models for ~25 control tags; here only the common ones
(`_VALUE_FIELDS` below) have their `value` checked field by field; a control tag not listed there accepts any `value`
(the SDK would check it against its own class or refuse it). Labels-on-geometry merged regions (`<Labels>` +
`<VideoVector>`) are not modelled.

`prepare_prediction_result` is Label Studio's `tasks/models.py` `Prediction.prepare_prediction_result`.
"""

from xml.etree import ElementTree

from rest_framework.exceptions import ValidationError

from .labelconfig import parse_config

RESULT_KEY = 'result'

# tasks/models.py / core/label_config.py
SINGLE_VALUED_TAGS = {'choices': str, 'rating': int, 'number': float, 'textarea': str}


def _number(v, le=None, ge=None):
    # pydantic's lax float: int, float or a numeric string; bool is refused here.
    if isinstance(v, bool):
        raise ValueError('not a number')
    if isinstance(v, str):
        v = float(v)
    if not isinstance(v, (int, float)):
        raise ValueError('not a number')
    if le is not None and v > le:
        raise ValueError('greater than %s' % le)
    if ge is not None and v < ge:
        raise ValueError('less than %s' % ge)


def _str_list(v):
    if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
        raise ValueError('not a list of strings')


def _int_or_str(v):
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise ValueError('not int or str')


def _int_list(v):
    if not isinstance(v, list) or not all(isinstance(n, int) and not isinstance(n, bool) for n in v):
        raise ValueError('not a list of integers')


def _points(v):
    if not isinstance(v, list):
        raise ValueError('not a list')
    for p in v:
        if not isinstance(p, (list, tuple)) or len(p) != 2:
            raise ValueError('not a point')
        _number(p[0], le=100)
        _number(p[1], le=100)


def _rle(v):
    _int_list(v)
    # control_tags.py validate_rle: value, count pairs with counts > 0
    if len(v) % 2 or any(v[i] <= 0 for i in range(1, len(v), 2)):
        raise ValueError('Invalid RLE format')


_LE100 = lambda v: _number(v, le=100)  # noqa: E731
_LE50 = lambda v: _number(v, le=50)  # noqa: E731
_LE360 = lambda v: _number(v, le=360)  # noqa: E731


def _int_ge0(v):
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise ValueError('not an integer >= 0')


def _str(v):
    if not isinstance(v, str):
        raise ValueError('not a string')


_RECT = {'x': _LE100, 'y': _LE100, 'width': _LE100, 'height': _LE100, 'rotation?': _LE360}
_ELLIPSE = {'x': _LE100, 'y': _LE100, 'radiusX': _LE50, 'radiusY': _LE50, 'rotation?': _LE360}
_KEYPOINT = {'x': _LE100, 'y': _LE100}

# control tag (lowercased) -> (SDK value class name, label attribute or None, {field: check}); `field?` is optional.
_VALUE_FIELDS = {
    'choices': ('ChoicesValue', 'choices', {'choices': _str_list}),
    'labels': ('LabelsValue', 'labels', {'start': _int_or_str, 'end': _int_or_str, 'labels': _str_list}),
    'rectangle': ('RectangleValue', None, _RECT),
    'rectanglelabels': ('RectangleLabelsValue', 'rectanglelabels', dict(_RECT, rectanglelabels=_str_list)),
    'polygon': ('PolygonValue', None, {'points': _points}),
    'polygonlabels': ('PolygonLabelsValue', 'polygonlabels', {'points': _points, 'polygonlabels': _str_list}),
    'keypoint': ('KeyPointValue', None, _KEYPOINT),
    'keypointlabels': ('KeyPointLabelsValue', 'keypointlabels', dict(_KEYPOINT, keypointlabels=_str_list)),
    'ellipse': ('EllipseValue', None, _ELLIPSE),
    'ellipselabels': ('EllipseLabelsValue', 'ellipselabels', dict(_ELLIPSE, ellipselabels=_str_list)),
    'brush': ('BrushValue', None, {'format?': _str, 'rle': _rle}),
    'brushlabels': ('BrushLabelsValue', 'brushlabels', {'format?': _str, 'rle': _rle, 'brushlabels': _str_list}),
    'textarea': ('TextAreaValue', 'text', {'text': _str_list}),
    'number': ('NumberValue', 'number', {'number': _int_ge0}),
}


class _Control:
    def __init__(self, name, tag, to_name, labels):
        self.name = name
        self.tag = tag
        self.to_name = to_name
        self.labels = labels
        spec = _VALUE_FIELDS.get(tag.lower())
        self.value_class_name, self.label_attr_name, self.fields = spec if spec else (None, None, None)

    def _validate_labels(self, labels):
        # ControlTag._validate_labels: an empty list (or a control without labels) passes.
        if not self.labels or not labels:
            return True
        return set(labels).issubset(set(self.labels))

    def validate_value(self, value):
        """ControlTag.validate_value: the labels must be the control's, then the value must build its value class."""
        if isinstance(value, dict) and self.name in value and isinstance(value[self.name], dict):
            value = value[self.name]
        if self.fields is None:
            # A control this server does not model: accepted as is (ours; the SDK checks more tags).
            return True
        if self.label_attr_name is not None:
            # `in` on a non-dict raises TypeError for an int, as upstream's does.
            if self.label_attr_name not in value:
                return False
            if not self._validate_labels(value.get(self.label_attr_name)):
                return False
        if not isinstance(value, dict):
            return False
        try:
            for field, check in self.fields.items():
                optional = field.endswith('?')
                field = field.rstrip('?')
                if field not in value:
                    if optional:
                        continue
                    return False
                if optional and value[field] is None:
                    continue
                check(value[field])
        except (ValueError, TypeError):
            return False
        return True


class LabelInterface:
    """The part of label_studio_sdk.label_interface.LabelInterface that validate_prediction needs."""

    def __init__(self, config):
        self._controls = {}
        self._objects = {}
        parsed = parse_config(config)
        for name, info in parsed.items():
            self._controls[name] = _Control(name, info['type'], info['to_name'], info['labels'])
        if config:
            root = ElementTree.fromstring(config)
            for tag in root.iter():
                # ObjectTag.validate_node: a name and a value, and not a control tag.
                if tag.attrib.get('name') and tag.attrib.get('value') and tag.attrib['name'] not in parsed:
                    self._objects[tag.attrib['name']] = tag.tag

    @staticmethod
    def _get_tag(name, tag_store):
        if name is not None:
            if name not in tag_store:
                raise Exception(f'Name {name} is not found, available names: {tag_store.keys()}')
            return tag_store[name]
        if tag_store and len(tag_store.keys()) > 1:
            raise Exception('Multiple object tags connected, you should specify name')
        return list(tag_store.values())[0]

    def get_control(self, name=None):
        return self._get_tag(name, self._controls)

    def get_object(self, name=None):
        return self._get_tag(name, self._objects)

    def _valid_values_text(self, control):
        if control.labels:
            return f'{control.labels}'
        if control.value_class_name:
            return f'expected structure: {control.value_class_name}'
        return 'no specific validation rules'

    def _validate_region(self, region, region_index):
        errors = []
        for field in ('from_name', 'to_name', 'type', 'value'):
            if field not in region:
                errors.append(f"Region {region_index}: Missing required field '{field}'")
        if errors:
            return errors

        try:
            control = self.get_control(region['from_name'])
        except Exception:
            errors.append(f"Region {region_index}: 'from_name' '{region['from_name']}' not found in configuration")
            return errors
        try:
            self.get_object(region['to_name'])
        except Exception:
            errors.append(f"Region {region_index}: 'to_name' '{region['to_name']}' not found in configuration")
            return errors

        expected_type = control.tag.lower()
        # A non-string type raises AttributeError here, caught by validate_prediction as upstream's is.
        actual_type = region['type'].lower()
        if actual_type != expected_type:
            errors.append(
                f"Region {region_index}: Type '{actual_type}' does not match expected type '{expected_type}' "
                f"for control '{region['from_name']}'"
            )
        if region['to_name'] not in control.to_name:
            errors.append(
                f"Region {region_index}: 'to_name' '{region['to_name']}' is not valid for control "
                f"'{region['from_name']}'. Valid options: {control.to_name}"
            )

        try:
            if not control.validate_value(region['value']):
                value = region['value']
                out_of_bounds = []
                if expected_type in ('rectangle', 'rectanglelabels'):
                    for field in ('x', 'y', 'width', 'height'):
                        if field in value:
                            try:
                                v = float(value[field])
                                if v < 0 or v > 100:
                                    out_of_bounds.append(f'{field} {value[field]}')
                            except Exception:
                                out_of_bounds.append(f'{field} {value[field]}')
                if out_of_bounds:
                    errors.append(
                        f"Region {region_index}: Invalid geometry for control '{region['from_name']}': "
                        + ', '.join(out_of_bounds)
                        + ' out of bounds [0, 100]'
                    )
                else:
                    errors.append(
                        f"Region {region_index}: Invalid value for control '{region['from_name']}'. Got: {value}. "
                        f'Valid options: {self._valid_values_text(control)}'
                    )
        except Exception as e:
            errors.append(f"Region {region_index}: Error validating value for control '{region['from_name']}': {e}")
        return errors

    @staticmethod
    def _validate_relation(relation, regions, relation_index):
        errors = []
        try:
            for field in ('type', 'direction', 'from_id', 'to_id'):
                if field not in relation:
                    errors.append(f"Relation {relation_index}: Missing required field '{field}'")
            if relation.get('type') != 'relation':
                errors.append(f"Relation {relation_index}: Type must be 'relation', got '{relation.get('type')}'")
            valid_directions = ('left', 'right', 'bi')
            if relation.get('direction') not in valid_directions:
                errors.append(
                    f"Relation {relation_index}: Direction must be one of {valid_directions}, "
                    f"got '{relation.get('direction')}'"
                )
            region_mapping = {r['id']: r for r in regions if 'id' in r}
            from_id = relation.get('from_id')
            if from_id not in region_mapping:
                errors.append(f"Relation {relation_index}: 'from_id' '{from_id}' not found in regions")
            to_id = relation.get('to_id')
            if to_id not in region_mapping:
                errors.append(f"Relation {relation_index}: 'to_id' '{to_id}' not found in regions")
        except Exception as e:
            errors.append(f'Relation {relation_index}: Error validating relation - {e}')
        return errors

    def validate_prediction(self, obj, return_errors=True):
        """LabelInterface._validate_object_logic: the list of error texts (empty = valid)."""
        errors = []
        try:
            if RESULT_KEY not in obj:
                errors.append(f"Missing required field '{RESULT_KEY}'")
                return errors
            result = obj.get(RESULT_KEY)
            if not isinstance(result, list):
                errors.append(f"'{RESULT_KEY}' must be a list")
                return errors
            if 'score' in obj:
                score = obj['score']
                if score is not None:
                    try:
                        score_float = float(score)
                        if not (0.0 <= score_float <= 1.0):
                            errors.append(f'Score must be between 0.00 and 1.00 inclusive, got {score_float}')
                    except (ValueError, TypeError):
                        errors.append(f'Score must be a valid number, got {score}')
            regions, relations = [], []
            for i, region in enumerate(result):
                if not isinstance(region, dict):
                    errors.append(f'Region must be a dictionary. Got {type(region)}: {region}')
                    continue
                if region.get('type') != 'relation':
                    region_errors = self._validate_region(region, i)
                    errors.extend(region_errors)
                    if not region_errors:
                        regions.append(region)
                else:
                    relations.append((i, region))
            for i, relation in relations:
                relation_error = self._validate_relation(relation, regions, i)
                if relation_error:
                    # Upstream appends the relation's list of errors as one entry.
                    errors.append(relation_error)
        except Exception as e:
            errors.append(f'Unexpected error during validation: {e}')
        return errors if return_errors else not errors


def prepare_prediction_result(result, project):
    """tasks/models.py Prediction.prepare_prediction_result: a list is kept (its items must be dicts), a dict becomes
    the value of the first control whose type is one of its keys, a string or integer the value of the first
    single-valued control that takes it; anything else is refused."""
    if isinstance(result, list):
        for item in result:
            if not isinstance(item, dict):
                raise ValidationError('Each item in prediction result should be dict')
        return result
    elif isinstance(result, dict):
        for tag, tag_info in parse_config(project.label_config).items():
            tag_type = tag_info['type'].lower()
            if tag_type in result:
                return [
                    {
                        'from_name': tag,
                        'to_name': ','.join(tag_info['to_name']),
                        'type': tag_type,
                        'value': result,
                    }
                ]
    elif isinstance(result, (str, int)):
        # Upstream tests (str, numbers.Integral): bool is an Integral too.
        for tag, tag_info in parse_config(project.label_config).items():
            tag_type = tag_info['type'].lower()
            if tag_type in SINGLE_VALUED_TAGS and isinstance(result, SINGLE_VALUED_TAGS[tag_type]):
                return [
                    {
                        'from_name': tag,
                        'to_name': ','.join(tag_info['to_name']),
                        'type': tag_type,
                        'value': {tag_type: [result]},
                    }
                ]
    else:
        raise ValidationError(f'Incorrect format {type(result)} for prediction result {result}')
    return None


def extract_message(exc):
    """The text of an exception as Label Studio's error lines show it (the first detail of a ValidationError)."""
    detail = getattr(exc, 'detail', None)
    if isinstance(detail, list) and len(detail) == 1:
        return str(detail[0])
    if detail is not None:
        return str(detail)
    return str(exc)
