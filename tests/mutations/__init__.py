"""Plausible learner answers for the mutation suite (``tests/test_mutations.py``).

One module per assignment, ``mNN_name.py``, with ``ANSWERS``: a list of
``(answer_cell_grade_id, kind, label, code)``. ``kind`` is ``"wrong"`` (a
mistake the course teaches against: it must lose the points of its own task,
and only those) or ``"right"`` (a correct answer written differently from the
instructor's: full marks).
"""
