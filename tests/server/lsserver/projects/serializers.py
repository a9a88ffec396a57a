from xml.etree import ElementTree

from rest_framework import serializers

from .models import Project


class ProjectSerializer(serializers.ModelSerializer):
    """A ModelSerializer, so title errors are DRF's own max_length/min_length texts, as in Label Studio."""

    task_number = serializers.SerializerMethodField()
    num_tasks_with_annotations = serializers.SerializerMethodField()
    total_annotations_number = serializers.SerializerMethodField()
    total_predictions_number = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()

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
            'updated_at',
            'pinned_at',
            'sampling',
            'task_number',
            'num_tasks_with_annotations',
            'total_annotations_number',
            'total_predictions_number',
        )
        read_only_fields = ('id', 'organization', 'created_at', 'updated_at')

    def get_task_number(self, obj):
        return obj.tasks.count()

    def get_num_tasks_with_annotations(self, obj):
        return sum(1 for a in obj.tasks.values_list('annotations', flat=True) if a)

    def get_total_annotations_number(self, obj):
        return sum(len(a or []) for a in obj.tasks.values_list('annotations', flat=True))

    def get_total_predictions_number(self, obj):
        return sum(len(p or []) for p in obj.tasks.values_list('predictions', flat=True))

    def get_created_by(self, obj):
        u = obj.created_by
        if u is None:
            return None
        return {'id': u.id, 'first_name': u.first_name, 'last_name': u.last_name, 'email': u.email, 'avatar': None}

    def validate_label_config(self, value):
        # Label Studio validates against its tag schema; the test server only checks well-formed XML under <View>.
        if value is None:
            return value
        try:
            root = ElementTree.fromstring(value)
        except ElementTree.ParseError as e:
            raise serializers.ValidationError("Can't parse label config: %s" % e)
        if root.tag != 'View':
            raise serializers.ValidationError("Validation failed on : root tag must be 'View'")
        return value
