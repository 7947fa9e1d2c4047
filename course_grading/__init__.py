"""The course's grading: the checks the notebooks' test cells run, and the ``course-grade`` tool.

Installed with ``sentiment-lib`` (same ``pyproject.toml``); the notebooks reach the checks as
before, through ``from sentiment_lib import grading``. Nothing here imports the library's chapters
(tests/test_layers.py): only its shared ``sentiment_lib.environment`` (the sandbox's and the simulated
course's offline environment) and ``sentiment_lib.hardware`` (the benchmark's ``cpu_flags``).

==================  ============================================================
module              what it holds
==================  ============================================================
*In the learner's kernel (test cells), re-exported by* ``sentiment_lib.grading``
``checks``          find the learner's function, call it watching for the library's own, compare
``probes``          return types, substitutes, spies, train/eval modes, reads of the test split
``references``      the reference helpers (``ref_*``) and the sensitive test model
``toy_models``      toy sentiment models with known faults, and the checks of the learner's behavioural tests
*The grading tool:* ``course-grade`` (``cli``; ``python -m course_grading``)
``cli``             ``course-grade grade | report | bench``
``grade``           ``course-grade grade``: plan, pre-flight, schedule, grade, record
``records``         ``Submission`` and the records in ``.autograde/`` (resuming)
``progress``        the progress bar and the closing summary
``runner``          forked ``nbgrader autograde`` children with resource and time limits
``sandbox``         the bubblewrap sandbox of the learner's kernel
``preflight``       the solution must get full marks and the blank notebook zero; environment errors
``gradebook``       SQLite and PostgreSQL behind one interface: registration, locks, shared records
``coursedir``       nbgrader's view of the course folder (gradebook URL, folder names)
``report``          ``course-grade report``: the class report (item analysis, similar answers)
``bench``           ``course-grade bench``: throughput on a simulated class
``simulated``       a temporary course and simulated learners (the grading tests and the benchmark)
==================  ============================================================
"""
