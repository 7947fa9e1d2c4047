"""``python -m course_grading``: the ``course-grade`` command."""

import sys

from .cli import main

sys.exit(main())
