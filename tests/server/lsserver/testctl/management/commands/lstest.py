"""manage.py lstest: provisioning, knobs and queries for the loopback test server (wrapped by knob.sh/admin.sh)."""

import json
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from lsserver.testctl import control


class Command(BaseCommand):
    help = 'Test-server control: setup | knob NAME VALUE [NAME VALUE ...] | stats | tasks [PROJECT] | imports [PROJECT] | project-create TITLE LABEL_CONFIG_FILE | project-config PROJECT_ID LABEL_CONFIG_FILE | reset | new-pat [SECONDS] | clear-log'

    def add_arguments(self, parser):
        parser.add_argument('action')
        parser.add_argument('params', nargs='*')
        parser.add_argument('--legacy', default='off')
        parser.add_argument('--access-lifetime', type=int, default=300)

    def handle(self, *args, **opts):
        action, rest = opts['action'], opts['params']
        try:
            if action == 'setup':
                call_command('migrate', interactive=False, verbosity=0)
                with connection.cursor() as c:
                    # WAL lets the request log readers and the workers' writers overlap.
                    c.execute('PRAGMA journal_mode=WAL')
                project_id = control.setup(
                    legacy=control._onoff(opts['legacy']), access_lifetime=opts['access_lifetime']
                )
                # One Django start-up less in start.sh: a new DB begins with the knobs reset too.
                control.reset()
                self.stdout.write(str(project_id))
            elif action == 'knob':
                if len(rest) < 2 or len(rest) % 2:
                    raise CommandError('usage: knob NAME VALUE [NAME VALUE ...]')
                for name, value in zip(rest[0::2], rest[1::2]):
                    self.stdout.write('%s: %s' % (name, control.set_knob(name, value)))
            elif action == 'stats':
                self.stdout.write(json.dumps(control.stats(), indent=1, sort_keys=True))
            elif action == 'tasks':
                project = int(rest[0]) if rest else None
                self.stdout.write(json.dumps(control.tasks(project), indent=1))
            elif action == 'project-create':
                if len(rest) != 2:
                    raise CommandError('usage: project-create TITLE LABEL_CONFIG_FILE')
                self.stdout.write(str(control.project_create(rest[0], rest[1])))
            elif action == 'project-config':
                if len(rest) != 2:
                    raise CommandError('usage: project-config PROJECT_ID LABEL_CONFIG_FILE')
                self.stdout.write(str(control.project_config(rest[0], rest[1])))
            elif action == 'imports':
                project = int(rest[0]) if rest else None
                self.stdout.write(json.dumps(control.imports(project), indent=1))
            elif action == 'reset':
                self.stdout.write(control.reset())
            elif action == 'new-pat':
                self.stdout.write(control.new_pat(int(rest[0]) if rest else None))
            elif action == 'clear-log':
                self.stdout.write(control.clear_log())
            else:
                raise CommandError('unknown action %r (%s)' % (action, self.help))
        except control.KnobError as e:
            raise CommandError(str(e))
        except RuntimeError as e:
            raise CommandError(str(e))
        sys.stdout.flush()
