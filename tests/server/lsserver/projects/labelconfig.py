"""Label config parsing as Label Studio does it (label_studio_sdk label_studio_tools/core/label_config.py parse_config
and extract_data_types; core/label_config.py validate_label_config's name checks; projects/models.py
get_updated_weights). ElementTree has no getparent(), so a parent map stands in for lxml's."""

import re
from xml.etree import ElementTree

_LABEL_TAGS = {'Label', 'Choice', 'Relation'}
_NOT_CONTROL_TAGS = {'Filter'}


def parse_config(config_string):
    """{control name: {type, to_name, inputs, labels, labels_attrs}}: what `parsed_label_config` carries."""
    if not config_string:
        return {}
    root = ElementTree.fromstring(config_string)
    parents = {child: parent for parent in root.iter() for child in parent}

    def is_input(tag):
        return tag.attrib.get('name') and tag.attrib.get('value')

    def is_output(tag):
        return tag.attrib.get('name') and tag.attrib.get('toName') and tag.tag not in _NOT_CONTROL_TAGS

    def parent_output_name(tag, outputs):
        parent = tag
        while True:
            parent = parents.get(parent)
            if parent is None:
                return None
            name = parent.attrib.get('name')
            if name in outputs:
                return name

    inputs, outputs, labels = {}, {}, {}
    for tag in root.iter():
        if is_output(tag):
            outputs[tag.attrib['name']] = {'type': tag.tag, 'to_name': tag.attrib['toName'].split(',')}
        elif is_input(tag):
            inputs[tag.attrib['name']] = {'type': tag.tag, 'value': tag.attrib['value'].lstrip('$')}
        if tag.tag not in _LABEL_TAGS:
            continue
        parent_name = parent_output_name(tag, outputs)
        if parent_name is not None:
            actual_value = tag.attrib.get('alias') or tag.attrib.get('value')
            if actual_value:
                labels.setdefault(parent_name, {})[actual_value] = dict(tag.attrib)
    for output_tag, tag_info in outputs.items():
        tag_info['inputs'] = [inputs[name] for name in tag_info['to_name'] if name in inputs]
        tag_info['labels'] = list(labels.get(output_tag, {}))
        tag_info['labels_attrs'] = labels.get(output_tag, {})
    return outputs


def control_weights(config_string):
    """Project.get_updated_weights for a new project: every control (but Filter) with weight 1.0 per label."""
    weights = {}
    for name, info in parse_config(config_string).items():
        if info['type'] in _NOT_CONTROL_TAGS:
            continue
        weights[name] = {'overall': 1.0, 'type': info['type'], 'labels': {label: 1.0 for label in info['labels']}}
    return weights


def extract_data_types(config_string):
    """{data key: object tag}: every tag with a name and value="$key" (Video wins over others for the same key)."""
    if not config_string:
        return {}
    root = ElementTree.fromstring(config_string)
    data_type = {}
    for match in root.findall('.//*[@value]'):
        if not match.get('name'):
            continue
        name = match.get('value')
        if len(name) > 1 and name[0] == '$':
            key = name[1:]
        else:
            found = re.findall(r'\$\w+', name)
            key = found[0][1:] if found else ''
        if key and data_type.get(key) != 'Video':
            data_type[key] = match.tag
    return data_type


def name_errors(config_string):
    """Label Studio's checks after the schema: unique names, every toName names a tag. Returns a message or None."""
    all_names = re.findall(r'name="([^"]*)"', config_string)
    if len(set(all_names)) != len(all_names):
        return 'Label config contains non-unique names'
    names = set(all_names)
    for to_names in re.findall(r'toName="([^"]*)"', config_string):
        for to_name in to_names.split(','):
            if to_name not in names:
                return f'toName="{to_name}" not found in names: {sorted(names)}'
    return None
