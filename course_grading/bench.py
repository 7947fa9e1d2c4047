"""Measure grading throughput and where a notebook's grading time goes (docs/instructors.md: grading a large class).

Builds a simulated class (``--learners`` learners x the assignments, answers of varying
completeness made from the instructor notebooks) in a temporary course, grades it with
``course-grade grade`` once per ``--runs`` setting (each on a fresh copy), checks that every
run exported the same CSV, and writes ``--out`` (JSON) with, per run, the wall time,
submissions per hour and the median seconds per notebook, and, per assignment, the split of a
notebook's grading time read from the graded notebooks' cell timings:

* ``setup``: the locked setup cells (imports of torch/transformers/sentiment_lib, data, the test model);
* ``answers``: the learner's answer cells;
* ``tests``: the test cells;
* ``start_and_save``: the rest (nbgrader, kernel start and shutdown, writing grades).

The class is built from the repository's ``solutions/`` (:mod:`course_grading.simulated`). Run from
the repository root with the course environment (docs/instructors.md)::

    course-grade bench --learners 20 --runs "jobs=1" "jobs=2" --out bench.json
    course-grade bench --learners 3 --runs "jobs=1 --no-sandbox" "jobs=1" --out sandbox.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sentiment_lib.hardware import cpu_flags

from .simulated import course as C
from .simulated import students as S


def build_class(dest: Path, learners: int, assignments: list[str]) -> Path:
    """A course with every assignment released and ``learners`` submissions of each."""
    course = C.make_course(dest, assignments)
    for a in assignments:
        C.nbgrader(course, "generate_assignment", a, "--force")
        inst = S.read(course / "solutions" / a / f"{a}.ipynb")
        rel = S.read(course / "exercises" / a / f"{a}.ipynb")
        sol = S.solution_ids(inst)
        for i in range(learners):
            S.submit(course, f"learner{i:03d}", a, S.answered(rel, inst, sol[: len(sol) - i % (len(sol) + 1)]))
    return course


def _stamp(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def split_times(course: Path, assignment: str) -> list[dict[str, float]]:
    """Per graded notebook of ``assignment``: seconds in setup, answers, tests (cell timings)."""
    out = []
    for path in sorted((course / "autograded").glob(f"*/{assignment}/{assignment}.ipynb")):
        nb = S.read(path)
        parts = {"setup": 0.0, "answers": 0.0, "tests": 0.0}
        for cell in nb.cells:
            run = cell.get("metadata", {}).get("execution", {})
            if cell.cell_type != "code" or "iopub.execute_input" not in run or "shell.execute_reply" not in run:
                continue
            seconds = _stamp(run["shell.execute_reply"]) - _stamp(run["iopub.execute_input"])
            meta = S.nbgrader_meta(cell)
            kind = "tests" if meta.get("grade") else "answers" if meta.get("solution") else "setup"
            parts[kind] += seconds
        record = json.loads((course / ".autograde" / assignment / f"{path.parent.parent.name}.json").read_text())
        parts["total"] = record["seconds"]
        parts["start_and_save"] = record["seconds"] - parts["setup"] - parts["answers"] - parts["tests"]
        out.append(parts)
    return out


def grade(template: Path, dest: Path, assignments: list[str], options: list[str]) -> dict:
    shutil.copytree(template, dest)
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "course_grading", "grade", *assignments, "--no-progress", *options],
                          cwd=dest, env=C.course_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit(f"grading failed ({' '.join(options)}):\n{proc.stdout[-3000:]}")
    C.nbgrader(dest, "export", "--to", "grades.csv")
    records = [json.loads(p.read_text()) for p in (dest / ".autograde").glob("*/*.json")]
    per_assignment = {}
    for a in assignments:
        parts = split_times(dest, a)
        per_assignment[a] = {k: round(statistics.median(p[k] for p in parts), 2) for k in parts[0]}
    return {
        "options": " ".join(options),
        "submissions": len(records),
        "wall_s": round(wall, 1),
        "per_hour": round(len(records) / wall * 3600),
        "median_notebook_s": round(statistics.median(r["seconds"] for r in records), 2),
        "per_assignment_median_s": per_assignment,
        "csv": C.read_csv(dest / "grades.csv"),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="course-grade bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--assignments", default=",".join(C.ASSIGNMENTS))
    parser.add_argument("--runs", nargs="+", default=["jobs=1", "jobs=2"],
                        help='`course-grade grade` options per run; "jobs=N" stands for --jobs N')
    parser.add_argument("--out", type=Path, default=Path("autograde_bench.json"))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    assignments = args.assignments.split(",")
    load_at_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="agbench-") as tmp:
        template = build_class(Path(tmp) / "template", args.learners, assignments)
        runs = []
        for i, run in enumerate(args.runs):
            options = [x for part in run.split() for x in (["--jobs", part[5:]] if part.startswith("jobs=") else [part])]
            result = grade(template, Path(tmp) / f"run{i}", assignments, options)
            print(json.dumps({k: v for k, v in result.items() if k != "csv"}), flush=True)
            runs.append(result)
    same = all(r["csv"] == runs[0]["csv"] for r in runs)
    for r in runs[1:]:  # the rows that differ from the first run's, to see why
        r["csv_rows_differing_from_first"] = [
            {"first": a, "this": b} for a, b in zip(runs[0]["csv"], r["csv"]) if a != b
        ] + ([{"row_count": [len(runs[0]["csv"]), len(r["csv"])]}] if len(r["csv"]) != len(runs[0]["csv"]) else [])
    summary = {
        "learners": args.learners, "assignments": assignments, "cores": len(os.sched_getaffinity(0)),
        "cpu_flags": sorted(set(cpu_flags()) & {"avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "fma"}),
        "load_average_at_start": load_at_start, "load_average_at_end": os.getloadavg(), "identical_csv": same,
        "runs": [{k: v for k, v in r.items() if k != "csv"} for r in runs],
        "csv_first_run": runs[0]["csv"],
    }
    if len(runs) > 1:
        summary["speedup_vs_first"] = [round(r["per_hour"] / runs[0]["per_hour"], 2) for r in runs]
    args.out.write_text(json.dumps(summary, indent=1), encoding="utf-8")
    print(json.dumps({k: v for k, v in summary.items() if k != "runs"}))
    return 0 if same else 1

