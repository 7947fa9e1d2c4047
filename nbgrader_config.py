"""nbgrader configuration for the course's six autograded assignments.

Paths are relative to the course root (the directory nbgrader is run from),
so the same file works in this repository and in a copied course directory.
"""

c = get_config()  # noqa: F821  (provided by nbgrader/traitlets when loaded)

c.CourseDirectory.course_id = "distilbert-sentiment"
# Instructor notebooks (with solutions and hidden tests) live in solutions/,
# the student versions that `nbgrader generate_assignment` makes go to exercises/.
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# The six assignments. nbgrader 0.9 has no `db_assignments` option any more (older
# versions had one; setting it now only triggers a warning): `generate_assignment` registers each
# assignment in the gradebook, and `nbgrader db assignment add NAME` does it by hand.
ASSIGNMENTS = [
    "01_data",
    "02_tokenization",
    "03_fine_tuning",
    "04_evaluation",
    "05_inference",
    "06_baseline",
]

# Per-cell time limit while validating/autograding. The notebooks use the tiny
# model and small slices; no cell needs more than a few seconds on 2 cores, so a
# cell that runs this long is an endless loop and is cut off (the rest is graded).
c.ExecutePreprocessor.timeout = 60

# Grading robustness (see docs/grading-safety.md; tests/test_nbgrader.py and
# tests/test_grading_faults.py show each). A test cell a student deleted is put back from
# solutions/ and run (by default nbgrader leaves its grade empty). A kernel that is slow to
# send the rest of a cell's output (after an interrupted endless loop, or under load) costs
# that cell, not the whole submission: nbgrader still records the cell's error from the
# kernel's reply.
c.OverwriteCells.add_missing_cells = True
c.Execute.raise_on_iopub_timeout = False
c.Execute.iopub_timeout = 10

# Code stub that replaces the solution regions in the student version.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Feedback HTML (`nbgrader generate_feedback`): nbgrader's own "feedback" template with the course's
# accessibility fixes (nbgrader_templates/feedback_accessible; README "Accessibility",
# tests/test_feedback_accessibility.py). Setting template_name means also naming where nbgrader keeps
# its templates (it only adds them itself when the option is unset). Where the course's templates
# are missing (a course directory that copied this file alone), nbgrader's own template is used.
try:
    _templates = __import__("pathlib").Path(__file__).resolve().parent / "nbgrader_templates"  # noqa: F821
except NameError:  # pragma: no cover - traitlets always sets __file__ for a config file
    _templates = None
if _templates is not None and (_templates / "feedback_accessible" / "feedback_accessible.html.j2").is_file():
    import nbgrader as _nbgrader
    from pathlib import Path as _Path

    c.HTMLExporter.template_name = "feedback_accessible"
    c.HTMLExporter.template_file = "feedback_accessible.html.j2"  # extends nbgrader's index.html.j2
    c.HTMLExporter.extra_template_basedirs = [
        str(_Path(_nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"),
        str(_templates),
    ]
    c.HTMLExporter.language_code = "en"
