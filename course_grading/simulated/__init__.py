"""A simulated class, for the grading tests and ``course-grade bench``.

* :mod:`~course_grading.simulated.course`: a temporary nbgrader course built from the repository's
  ``solutions/`` (``COURSE_ROOT``: another checkout), and ``nbgrader`` run in it as an instructor would;
* :mod:`~course_grading.simulated.students`: submissions of simulated learners (every answer, some,
  broken ones), and their expected scores computed from ``solutions/points.json``.
"""
