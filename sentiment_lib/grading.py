"""The checks of the exercises' test cells, as the notebooks import them: ``from sentiment_lib import grading``.

They live in the course's grading package, :mod:`course_grading` (:mod:`~course_grading.checks`,
:mod:`~course_grading.probes`, :mod:`~course_grading.references`, and the toy models of exercise 5's
behavioural tests as ``grading.toy_models``: :mod:`course_grading.toy_models`); this module only re-exports them,
so that the released notebooks' cells, and nbgrader's checksums of them, stay as they are. The
reference answers (``ref_*``) are here too because the *visible* test cells of the released
notebooks use them (``forbid=[grading.ref_...]``, ``grading.substitute(...)``), and those run in the
learner's environment. ``grading.show`` is :func:`course_grading.checks.shorten` (not
:func:`sentiment_lib.figures.show`, which displays a figure).

Examples
--------
>>> from sentiment_lib import grading
>>> grading.same([1, 2], (1, 2)), grading.show("x" * 50, limit=20)
(True, "'xxxxxxxxxxx ... (52 characters)")
"""

from course_grading.checks import *  # noqa: F401,F403
from course_grading.checks import __all__ as _checks
from course_grading.checks import shorten as show  # the notebooks' name  # noqa: F401
from course_grading.probes import *  # noqa: F401,F403
from course_grading.probes import __all__ as _probes
from course_grading.references import *  # noqa: F401,F403
from course_grading.references import __all__ as _references
from course_grading import toy_models  # noqa: F401,E402 - exercise 5's behavioural tests: grading.toy_models.healthy() ...

__all__ = [*_checks, *_probes, *_references, "show", "toy_models"]
