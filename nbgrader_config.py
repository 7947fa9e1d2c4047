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

# Grading robustness (see "Grading safety" in the README; tests/test_nbgrader.py and
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
