"""The ``course-grade`` command: one entry point, a subcommand per job (``python -m course_grading``).

Each subcommand is a module's ``main(argv)``; ``course-grade COMMAND --help`` lists its options.

Examples
--------
>>> main(["--help"])  # doctest: +ELLIPSIS
usage: course-grade COMMAND [OPTIONS]
...
  grade   autograde a class: in parallel, resumably, sandboxed, after a pre-flight
...
0
"""

from __future__ import annotations

import importlib
import sys

# command -> (module whose main(argv) runs it, one line of help)
COMMANDS = {
    "grade": ("course_grading.grade", "autograde a class: in parallel, resumably, sandboxed, after a pre-flight"),
    "report": ("course_grading.report", "the class report after grading: tasks, failing messages, similar answers"),
    "bench": ("course_grading.bench", "grade a simulated class and measure the throughput"),
}


def usage() -> str:
    lines = ["usage: course-grade COMMAND [OPTIONS]", "", "The course's grading tool (docs/instructors.md: grading a large class).", "",
             "commands:"]
    lines += [f"  {name:<7} {text}" for name, (_, text) in COMMANDS.items()]
    lines += ["", "Run `course-grade COMMAND --help` for a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run ``course-grade COMMAND ...``; the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0 if argv else 2
    if argv[0] not in COMMANDS:
        print(f"{usage()}\n\nerror: unknown command {argv[0]!r}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[argv[0]][0])
    return module.main(argv[1:])
