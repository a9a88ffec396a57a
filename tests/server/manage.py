#!/usr/bin/python3
"""Django's manage.py for the loopback test server. Needs LSSERVER_STATE_DIR; start.sh/knob.sh/admin.sh set it."""

import os
import sys

if __name__ == '__main__':
    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'lsserver.settings')
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
