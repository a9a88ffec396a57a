from xml.etree import ElementTree

from rest_framework import serializers

from lsserver import state

from . import labelconfig
from .models import Project, ProjectImport

# Control tags that make config_suitable_for_bulk_annotation false (projects/serializers.py).
_NOT_BULK = {
    'Labels', 'Brush', 'BrushLabels', 'Ellipse', 'EllipseLabels', 'KeyPoint', 'KeyPointLabels', 'Polygon',
    'PolygonLabels', 'Rectangle', 'RectangleLabels', 'HyperTextLabels', 'ParagraphLabels', 'TimeSeriesLabels',
    'VideoRectangle',
}


class IncludeMixin:
    """drf-flex-fields with REST_FLEX_FIELDS = {'FIELDS_PARAM': 'include'} (Label Studio's base.py): on the root
    serializer, ?include=a,b keeps only those fields (in declared order; unknown names are ignored), on GET only:
    flex-fields' `_can_access_request` reads the query only when `request.method == 'GET'`, so a create (POST)
    answers the whole project whatever it asks. The knob `ignore_include` makes the server behave like one without
    flex-fields."""

    def _included(self):
        request = self.context.get('request')
        if request is None or getattr(self, '_include_checked', False):
            return getattr(self, '_include', None)
        self._include_checked = True
        self._include = None
        if request.method != 'GET':
            return None
        values = request.query_params.getlist('include') or request.query_params.getlist('include[]')
        if values and not state.read_knobs().get('ignore_include'):
            if len(values) == 1:
                values = values[0].split(',')
            self._include = {v.strip() for v in values if v.strip()}
        return self._include

    def to_representation(self, instance):
        data = super().to_representation(instance)
        include = self._included()
        if include is not None:
            data = {k: v for k, v in data.items() if k in include}
        return data


class ProjectSerializer(IncludeMixin, serializers.ModelSerializer):
    """Label Studio's ProjectSerializer: the same fields in the same order (id and title first), including the label
    config, parsed_label_config and control_weights, so an object grows with the labels. A ModelSerializer, so title
    errors are DRF's own max_length/min_length texts."""

    task_number = serializers.SerializerMethodField()
    num_tasks_with_annotations = serializers.SerializerMethodField()
    total_annotations_number = serializers.SerializerMethodField()
    total_predictions_number = serializers.SerializerMethodField()
    useful_annotation_number = serializers.SerializerMethodField()
    ground_truth_number = serializers.SerializerMethodField()
    skipped_annotations_number = serializers.SerializerMethodField()
    finished_task_number = serializers.SerializerMethodField()
    queue_total = serializers.SerializerMethodField()
    queue_done = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()
    parsed_label_config = serializers.SerializerMethodField()
    control_weights = serializers.SerializerMethodField()
    config_has_control_tags = serializers.SerializerMethodField()
    config_suitable_for_bulk_annotation = serializers.SerializerMethodField()
    # Model fields of Label Studio's Project this server does not store: their defaults for a new project.
    min_annotations_to_start_training = serializers.SerializerMethodField()
    start_training_on_annotation_update = serializers.SerializerMethodField()
    show_collab_predictions = serializers.SerializerMethodField()
    show_ground_truth_first = serializers.SerializerMethodField()
    annotator_evaluation_enabled = serializers.SerializerMethodField()
    show_overlap_first = serializers.SerializerMethodField()
    overlap_cohort_percentage = serializers.SerializerMethodField()
    task_data_login = serializers.SerializerMethodField()
    task_data_password = serializers.SerializerMethodField()
    evaluate_predictions_automatically = serializers.SerializerMethodField()
    skip_queue = serializers.SerializerMethodField()
    reveal_preannotations_interactively = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()

    _DEFAULTS = {
        'min_annotations_to_start_training': 0,
        'start_training_on_annotation_update': False,
        'show_collab_predictions': True,
        'show_ground_truth_first': False,
        'annotator_evaluation_enabled': False,
        'show_overlap_first': False,
        'overlap_cohort_percentage': 100,
        'task_data_login': None,
        'task_data_password': None,
        'evaluate_predictions_automatically': False,
        'skip_queue': 'REQUEUE_FOR_OTHERS',
        'reveal_preannotations_interactively': False,
        'state': None,
    }

    class Meta:
        model = Project
        fields = (
            'id',
            'title',
            'description',
            'label_config',
            'expert_instruction',
            'show_instruction',
            'show_skip_button',
            'enable_empty_annotation',
            'show_annotation_history',
            'organization',
            'color',
            'maximum_annotations',
            'is_published',
            'model_version',
            'is_draft',
            'created_by',
            'created_at',
            'min_annotations_to_start_training',
            'start_training_on_annotation_update',
            'show_collab_predictions',
            'num_tasks_with_annotations',
            'task_number',
            'useful_annotation_number',
            'ground_truth_number',
            'skipped_annotations_number',
            'total_annotations_number',
            'total_predictions_number',
            'sampling',
            'show_ground_truth_first',
            'annotator_evaluation_enabled',
            'show_overlap_first',
            'overlap_cohort_percentage',
            'task_data_login',
            'task_data_password',
            'control_weights',
            'parsed_label_config',
            'evaluate_predictions_automatically',
            'config_has_control_tags',
            'skip_queue',
            'reveal_preannotations_interactively',
            'pinned_at',
            'finished_task_number',
            'queue_total',
            'queue_done',
            'config_suitable_for_bulk_annotation',
            'state',
        )
        read_only_fields = ('id', 'organization', 'created_at')

    def _annotations(self, obj):
        return list(obj.tasks.values_list('annotations', flat=True))

    def get_task_number(self, obj):
        return obj.tasks.count()

    def get_num_tasks_with_annotations(self, obj):
        return sum(1 for a in self._annotations(obj) if a)

    def get_total_annotations_number(self, obj):
        return sum(len(a or []) for a in self._annotations(obj))

    def get_useful_annotation_number(self, obj):
        return self.get_total_annotations_number(obj)

    def get_ground_truth_number(self, obj):
        return 0

    def get_skipped_annotations_number(self, obj):
        return 0

    def get_finished_task_number(self, obj):
        return sum(1 for a in self._annotations(obj) if len(a or []) >= obj.maximum_annotations)

    def get_queue_total(self, obj):
        return sum(1 for a in self._annotations(obj) if not a)

    def get_queue_done(self, obj):
        return 0

    def get_total_predictions_number(self, obj):
        return sum(len(p or []) for p in obj.tasks.values_list('predictions', flat=True))

    def get_created_by(self, obj):
        # users/serializers.py UserSimpleSerializer.
        u = obj.created_by
        if u is None:
            return None
        return {'id': u.id, 'first_name': u.first_name, 'last_name': u.last_name, 'email': u.email, 'avatar': None}

    def get_parsed_label_config(self, obj):
        return labelconfig.parse_config(obj.label_config)

    def get_control_weights(self, obj):
        return labelconfig.control_weights(obj.label_config)

    def get_config_has_control_tags(self, obj):
        return len(labelconfig.parse_config(obj.label_config)) > 0

    def get_config_suitable_for_bulk_annotation(self, obj):
        for info in labelconfig.parse_config(obj.label_config).values():
            if info['type'] in _NOT_BULK:
                return False
        return True

    def validate_label_config(self, value):
        # Label Studio validates against its tag schema; this server checks well-formed XML under <View> and
        # Label Studio's own name checks.
        if value is None:
            return value
        try:
            root = ElementTree.fromstring(value)
        except ElementTree.ParseError as e:
            raise serializers.ValidationError(str(e))
        if root.tag != 'View':
            raise serializers.ValidationError("Validation failed on : root tag must be 'View'")
        problem = labelconfig.name_errors(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value


for _name, _value in ProjectSerializer._DEFAULTS.items():
    setattr(ProjectSerializer, 'get_' + _name, lambda self, obj, value=_value: value)


class ProjectImportSerializer(serializers.ModelSerializer):
    """projects/serializers.py ProjectImportSerializer: the import object, including the submitted `tasks`."""

    class Meta:
        model = ProjectImport
        fields = [
            'id',
            'project',
            'preannotated_from_fields',
            'commit_to_project',
            'return_task_ids',
            'status',
            'url',
            'error',
            'created_at',
            'updated_at',
            'finished_at',
            'task_count',
            'annotation_count',
            'prediction_count',
            'duration',
            'file_upload_ids',
            'could_be_tasks_list',
            'found_formats',
            'data_columns',
            'tasks',
            'task_ids',
        ]
