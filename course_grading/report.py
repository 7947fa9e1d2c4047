"""Item analysis after grading: one class report for the instructor (HTML page and CSV files).

Run it from the course root after ``course-grade grade`` (or plain ``nbgrader autograde``)::

    course-grade report --output report/              # the course's gradebook
    course-grade report --db-url $GRADEBOOK --output report/   # a shared PostgreSQL one

It reads the scores from nbgrader's gradebook (its SQLAlchemy URL, as :mod:`course_grading.gradebook` does),
the failing messages from the graded notebooks (``autograded/<student>/<assignment>/``), the
answers from the submissions (``submitted/``) and the environment errors from both the graded
notebooks and the grader's records (``.autograde/<assignment>/<student>.json``), and writes

* ``tasks.csv``: per test cell, the score distribution, the mean, the share of learners with full
  marks and with zero, and the share that fails with the most frequent message (a task most
  learners fail *the same way* points at the statement or the test, not at the learners);
* ``failures.csv``: the most frequent failing messages, grouped by assignment and test cell;
* ``similar.csv``: pairs of submissions whose answer cells are identical or near-identical (the
  code's tokens compared with names renamed in order of appearance, comments and spacing left
  out; ``difflib`` ratio), for a person to look at: nothing is penalised;
* ``environment.csv``: submissions whose grading environment failed (left out of the statistics:
  regrade them);
* ``report.html``: the same, as one accessible page (``lang``, captions, header cells with
  ``scope``, every status in words, not colour).

Example::

    report = build_report(Path("."), db_url=None)
    write_report(report, Path("report"))
"""

from __future__ import annotations

import argparse
import csv
import difflib
import io
import keyword
import re
import tokenize
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .coursedir import course_db_url, course_folders
from .preflight import environment_errors
from .records import ENVIRONMENT_ERROR, read_status

SIMILARITY = 0.9  # difflib ratio of the normalised answers from which a pair is listed
MIN_TOKENS = 30  # answers shorter than this (after leaving the stubs out) are not compared
TOP_FAILURES = 3  # failing messages listed per test cell
SAME_WAY = 0.5  # a test cell failed by this share of learners with one message is marked


@dataclass
class Grade:
    """One graded test cell of one submission."""

    assignment: str
    student: str
    task: str
    score: float
    max_score: float


@dataclass
class Report:
    """Everything the report shows; the CSV files and the HTML page are written from it."""

    grades: list[Grade] = field(default_factory=list)
    failures: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (assignment, student, task) -> message
    similar: list[dict] = field(default_factory=list)
    environment: list[dict] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Reading: the gradebook, the graded notebooks, the submissions, the grader's records
# ---------------------------------------------------------------------------------------------

def read_grades(db_url: str, course_id: str) -> list[Grade]:
    """Every autograded test cell's score in nbgrader's gradebook (SQLite or PostgreSQL)."""
    from nbgrader.api import Gradebook

    grades = []
    with Gradebook(db_url, course_id) as gb:
        for assignment in gb.assignments:
            for sub in assignment.submissions:
                for notebook in sub.notebooks:
                    for g in notebook.grades:
                        if g.max_score:
                            grades.append(Grade(assignment.name, sub.student.id, g.name, float(g.score or 0.0), float(g.max_score)))
    return grades


def failure_message(cell: dict) -> str | None:
    """What made a graded test cell lose its points: its error (first line) or its stderr.

    >>> failure_message({"outputs": [{"output_type": "error", "ename": "AssertionError", "evalue": "f(1) should be 2.\\nmore"}]})
    'AssertionError: f(1) should be 2.'
    >>> failure_message({"outputs": [{"output_type": "stream", "name": "stdout", "text": "ok"}]}) is None
    True
    """
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            lines = (output.get("evalue") or "").strip().splitlines()
            return f"{output.get('ename', 'Error')}: {lines[0] if lines else ''}".rstrip(": ")[:300]
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            return "output on stderr: " + " ".join(str(output.get("text", "")).split())[:200]
    return None


def read_failures(root: Path, students: set[tuple[str, str]]) -> dict[tuple[str, str, str], str]:
    """(assignment, student, test cell) -> failing message, from ``autograded/``."""
    failures = {}
    for assignment, student in sorted(students):
        for path in sorted((root / "autograded" / student / assignment).glob("*.ipynb")):
            for cell in nbformat.read(path, as_version=4).cells:
                meta = cell.get("metadata", {}).get("nbgrader", {})
                message = failure_message(cell) if meta.get("grade") and cell.cell_type == "code" else None
                if message:
                    failures[(assignment, student, meta["grade_id"])] = message
    return failures


def read_environment(root: Path, students: set[tuple[str, str]]) -> list[dict]:
    """Submissions whose grading environment failed: the grader's record, or a locked setup cell's error."""
    found = {}
    for assignment, student in sorted(students):
        status = read_status(root, assignment, student) or {}
        errors = environment_errors(root / "autograded" / student / assignment)
        if errors or status.get("status") in (ENVIRONMENT_ERROR, "error"):
            reason = "; ".join(errors) or status.get("reason") or ""
            found[(assignment, student)] = {"assignment": assignment, "student": student,
                                            "status": status.get("status") or ENVIRONMENT_ERROR, "reason": reason}
    return list(found.values())


def answer_cells(path: Path) -> dict[str, str]:
    """grade_id -> source of the answer cells (nbgrader solution cells that are not tests) of a notebook."""
    cells = {}
    for cell in nbformat.read(path, as_version=4).cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution") and not meta.get("grade"):
            cells[meta["grade_id"]] = cell.source
    return cells


# ---------------------------------------------------------------------------------------------
# Similar answers
# ---------------------------------------------------------------------------------------------

def code_tokens(source: str) -> list[str]:
    """The code's tokens, comments and layout left out, names renamed in order of appearance.

    So renaming variables, reformatting or commenting does not hide a copy.

    >>> code_tokens("total = a + b  # sum") == code_tokens("s=x+y")
    True
    >>> code_tokens("def f(x):\\n    return x") == code_tokens("def f(x):\\n    return -x")
    False
    """
    names: dict[str, str] = {}
    tokens = []
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type in skip:
                continue
            if tok.type == tokenize.NAME and not keyword.iskeyword(tok.string):
                tokens.append(names.setdefault(tok.string, f"v{len(names)}"))
            else:
                tokens.append(tok.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        tokens = source.split()  # code that does not tokenise: compare its words
    return tokens


def learner_answers(root: Path, release: str, assignment: str, student: str) -> tuple[str, list[str]]:
    """A submission's answers (cells left as released are dropped): raw text and normalised tokens."""
    submitted = sorted((root / "submitted" / student / assignment).glob("*.ipynb"))
    released = {p.name: answer_cells(p) for p in sorted((root / release / assignment).glob("*.ipynb"))}
    text, tokens = [], []
    for path in submitted:
        stubs = released.get(path.name, {})
        for gid, source in answer_cells(path).items():
            if code_tokens(source) != code_tokens(stubs.get(gid, "\0")):
                text.append(source)
                tokens += [f"#{gid}", *code_tokens(source)]
    return "\n".join(text), tokens


def similar_pairs(answers: dict[str, tuple[str, list[str]]], threshold: float = SIMILARITY) -> list[dict]:
    """Pairs of learners whose answers are identical or near-identical (difflib ratio of the tokens).

    >>> a = ("x = 1\\ny = x + 2\\nprint(y * 3)\\n" * 4, code_tokens("x = 1\\ny = x + 2\\nprint(y * 3)\\n" * 4))
    >>> b = ("q = 1\\nw = q + 2\\nprint(w * 3)\\n" * 4, code_tokens("q = 1\\nw = q + 2\\nprint(w * 3)\\n" * 4))
    >>> [(p["student_a"], p["student_b"], p["kind"]) for p in similar_pairs({"ann": a, "bob": b, "cy": ("", [])})]
    [('ann', 'bob', 'identical code (names, comments or spacing differ)')]
    """
    pairs = []
    names = sorted(s for s, (_, tokens) in answers.items() if len(tokens) >= MIN_TOKENS)
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            (text_a, tok_a), (text_b, tok_b) = answers[first], answers[second]
            matcher = difflib.SequenceMatcher(None, tok_a, tok_b, autojunk=False)
            if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                continue
            ratio = matcher.ratio()
            if ratio < threshold:
                continue
            kind = "identical" if text_a.strip() == text_b.strip() else (
                "identical code (names, comments or spacing differ)" if tok_a == tok_b else "near-identical")
            pairs.append({"student_a": first, "student_b": second, "kind": kind, "similarity": round(ratio, 3)})
    return pairs


# ---------------------------------------------------------------------------------------------
# Building the report
# ---------------------------------------------------------------------------------------------

def build_report(root: Path, db_url: str | None = None, threshold: float = SIMILARITY) -> Report:
    """Read the gradebook, the graded notebooks and the submissions of the course at ``root``."""
    default_url, course_id = course_db_url(root)
    report = Report(grades=read_grades(db_url or default_url, course_id))
    submissions = {(g.assignment, g.student) for g in report.grades}
    report.failures = read_failures(root, submissions)
    report.environment = read_environment(root, submissions)
    _, release = course_folders(root)
    for assignment in sorted({a for a, _ in submissions}):
        answers = {s: learner_answers(root, release, assignment, s) for a, s in submissions if a == assignment}
        report.similar += [{"assignment": assignment, **pair} for pair in similar_pairs(answers, threshold)]
    return report


def _counted(report: Report) -> list[Grade]:
    """The grades of the submissions graded in a working environment (the statistics use only those)."""
    broken = {(e["assignment"], e["student"]) for e in report.environment}
    return [g for g in report.grades if (g.assignment, g.student) not in broken]


def task_rows(report: Report) -> list[dict]:
    """One row per (assignment, test cell): distribution, mean, full marks, zero, failing the same way."""
    by_task: dict[tuple[str, str], list[Grade]] = defaultdict(list)
    for g in _counted(report):
        by_task[(g.assignment, g.task)].append(g)
    rows = []
    for (assignment, task), grades in sorted(by_task.items()):
        n, top = len(grades), max(g.max_score for g in grades)
        messages = Counter(report.failures.get((assignment, g.student, task)) for g in grades if g.score < g.max_score)
        messages.pop(None, None)
        same_way = messages.most_common(1)[0][1] / n if messages else 0.0
        distribution = Counter(g.score for g in grades)
        rows.append({
            "assignment": assignment, "task": task, "max_points": _num(top), "submissions": n,
            "mean": round(sum(g.score for g in grades) / n, 2),
            "full_marks_share": round(sum(g.score >= g.max_score for g in grades) / n, 3),
            "zero_share": round(sum(g.score == 0 for g in grades) / n, 3),
            "distribution": "; ".join(f"{_num(score)} points: {count}" for score, count in sorted(distribution.items())),
            "same_failure_share": round(same_way, 3),
            "check_statement": "yes" if same_way >= SAME_WAY and n >= 3 else "no",
        })
    return rows


def failure_rows(report: Report, top: int = TOP_FAILURES) -> list[dict]:
    """The ``top`` most frequent failing messages of each test cell, with how many learners got each."""
    counted = {(g.assignment, g.student, g.task) for g in _counted(report)}
    totals = Counter((a, t) for a, _, t in counted)
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for (assignment, student, task), message in sorted(report.failures.items()):
        if (assignment, student, task) in counted:
            groups[(assignment, task, message)].append(student)
    rows = []
    for (assignment, task) in sorted(totals):
        mine = sorted(((m, s) for (a, t, m), s in groups.items() if (a, t) == (assignment, task)), key=lambda x: (-len(x[1]), x[0]))
        for message, learners in mine[:top]:
            rows.append({"assignment": assignment, "task": task, "message": message, "learners": len(learners),
                         "share": round(len(learners) / totals[(assignment, task)], 3), "examples": " ".join(learners[:5])})
    return rows


def _num(value: float) -> str:
    """``2.0`` -> ``'2'``, ``1.5`` -> ``'1.5'``."""
    return f"{value:g}"


# ---------------------------------------------------------------------------------------------
# Writing: four CSV files and one HTML page
# ---------------------------------------------------------------------------------------------

COLUMNS = {
    "tasks": ["assignment", "task", "max_points", "submissions", "mean", "full_marks_share", "zero_share",
              "distribution", "same_failure_share", "check_statement"],
    "failures": ["assignment", "task", "message", "learners", "share", "examples"],
    "similar": ["assignment", "student_a", "student_b", "kind", "similarity"],
    "environment": ["assignment", "student", "status", "reason"],
}
HEADINGS = {
    "tasks": ("Tasks", "Per test cell: the score distribution, the share of learners with full marks and with zero, "
              "and the share failing with the most frequent message (marked when half or more fail the same way: "
              "check the statement and the test before the learners)."),
    "failures": ("Most frequent failing messages", f"Up to {TOP_FAILURES} messages per test cell, most frequent first."),
    "similar": ("Similar submissions", "Pairs whose answer cells are identical or near-identical (names, comments and "
                "spacing ignored). For a person to look at: nothing was penalised."),
    "environment": ("Environment errors", "Submissions whose grading environment failed (a locked setup cell raised, "
                    "or the grader could not grade them). They are left out of the statistics above: fix the "
                    "environment and regrade them."),
}
STYLE = ("body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;background:#fff}"
         "table{border-collapse:collapse;margin:1rem 0 2rem}caption{text-align:left;font-weight:600;padding:.4rem 0}"
         "th,td{border:1px solid #767676;padding:.3rem .5rem;vertical-align:top;text-align:left}"
         "thead th{background:#f0f0f0}td.num{text-align:right}")


def report_tables(report: Report) -> dict[str, list[dict]]:
    """The four tables, by name, as lists of rows (dicts with the keys of ``COLUMNS``)."""
    return {"tasks": task_rows(report), "failures": failure_rows(report),
            "similar": sorted(report.similar, key=lambda p: (p["assignment"], -p["similarity"], p["student_a"])),
            "environment": report.environment}


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def _esc(value: object) -> str:
    from html import escape

    return escape(str(value), quote=True)


NUMERIC = ' class="num"'


def html_table(name: str, rows: list[dict]) -> str:
    """One section: heading, explanation, and a table with a caption and header cells with ``scope``.

    >>> print(html_table("environment", []).splitlines()[-1])
    <p>None.</p></section>
    """
    title, explanation = HEADINGS[name]
    head = f'<section aria-labelledby="{name}"><h2 id="{name}">{_esc(title)}</h2><p>{_esc(explanation)}</p>'
    if not rows:
        return head + "\n<p>None.</p></section>"
    columns = COLUMNS[name]
    header = "".join(f'<th scope="col">{_esc(c.replace("_", " "))}</th>' for c in columns)
    body = []
    for row in rows:
        first, *rest = columns
        cells = [f'<th scope="row">{_esc(row.get(first, ""))}</th>']
        cells += [f"<td{NUMERIC if isinstance(row.get(c), (int, float)) else ''}>{_esc(row.get(c, ''))}</td>" for c in rest]
        body.append(f"<tr>{''.join(cells)}</tr>")
    caption = f"{_esc(title)}: {len(rows)} row{'s' if len(rows) != 1 else ''}"
    return (f"{head}\n<table><caption>{caption}</caption>\n<thead><tr>{header}</tr></thead>\n<tbody>\n"
            + "\n".join(body) + "\n</tbody></table></section>")


def render_html(report: Report, tables: dict[str, list[dict]]) -> str:
    """The whole page: a summary in words, then one section per table."""
    submissions = {(g.assignment, g.student) for g in report.grades}
    learners = {s for _, s in submissions}
    flagged = [r for r in tables["tasks"] if r["check_statement"] == "yes"]
    summary = (f"{len(learners)} learners, {len(submissions)} graded submissions; {len(report.environment)} with an "
               f"environment error; {len(tables['similar'])} pairs of similar submissions to look at; "
               f"{len(flagged)} test cells that half or more of the learners fail the same way.")
    sections = "\n".join(html_table(name, rows) for name, rows in tables.items())
    return ('<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8" /><title>Class report</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1" /><style>{STYLE}</style></head>\n'
            f'<body><main><h1>Class report</h1>\n<p>{_esc(summary)}</p>\n{sections}\n</main></body>\n</html>\n')


def write_report(report: Report, output: Path) -> dict[str, list[dict]]:
    """Write ``report.html`` and the four CSV files into ``output``; return the tables."""
    output.mkdir(parents=True, exist_ok=True)
    tables = report_tables(report)
    for name, rows in tables.items():
        write_csv(output / f"{name}.csv", COLUMNS[name], rows)
    (output / "report.html").write_text(render_html(report, tables), encoding="utf-8")
    return tables


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="course-grade report", description="Write the class report (item analysis) after grading.")
    parser.add_argument("--course", type=Path, default=Path("."), help="the course root (default: here)")
    parser.add_argument("--db-url", default=None, help="the gradebook's SQLAlchemy URL (default: the course's, "
                        "as nbgrader_config.py says; postgresql+psycopg2://... for a shared one)")
    parser.add_argument("--output", type=Path, default=Path("report"), help="folder for report.html and the CSV files")
    parser.add_argument("--similarity", type=float, default=SIMILARITY,
                        help=f"list pairs of submissions at least this similar (0..1, default {SIMILARITY})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = build_report(args.course.resolve(), args.db_url, args.similarity)
    tables = write_report(report, args.output)
    print(f"{args.output / 'report.html'}: {len(tables['tasks'])} test cells, {len(tables['failures'])} failing messages, "
          f"{len(tables['similar'])} similar pairs, {len(tables['environment'])} environment errors")
    return 0

