"""What the grader prints while it grades (a progress bar or lines) and when it ends (a summary)."""

from __future__ import annotations

import sys
import time

from .records import ENVIRONMENT_ERROR


class Progress:
    """Done/total, submissions per minute and time left: a tqdm bar on a terminal, else text.

    In a log (not a terminal) each submission's line ends with ``[done/total, N/min, M:SS left]``.
    """

    def __init__(self, total: int, enabled: bool):
        self.bar = None
        self.total = total
        self.done = 0
        self.start = time.monotonic()
        if enabled and total and sys.stderr.isatty():
            import tqdm

            tqdm.tqdm.monitor_interval = 0  # no monitor thread: the grader forks
            self.bar = tqdm.tqdm(total=total, unit="sub", dynamic_ncols=True, file=sys.stderr,
                                 bar_format="{l_bar}{bar}| {n}/{total} [{elapsed}<{remaining}] {postfix}")

    def rate(self) -> str:
        minutes = (time.monotonic() - self.start) / 60
        per_minute = self.done / minutes if minutes > 0 else 0.0
        left = (self.total - self.done) / per_minute * 60 if per_minute else 0
        return f"{per_minute:.1f}/min, {int(left) // 60}:{int(left) % 60:02d} left"

    def line(self, text: str, counted: bool = True) -> None:
        if counted:
            self.done += 1
        if self.bar is not None:
            self.bar.write(text, file=sys.stdout)
            if counted:
                self.bar.set_postfix_str(self.rate().split(",")[0], refresh=False)
                self.bar.update(1)
        else:
            print(f"{text}  [{self.done}/{self.total}, {self.rate()}]" if counted and self.total else text, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def summarize(results: list[dict], graded: list[dict], skipped: list[dict], elapsed: float, jobs: int) -> None:
    """The closing lines: how many were graded, the slowest, and every submission not ``ok``."""
    failed = [r for r in results if r["status"] != "ok"]
    environment = [r for r in failed if r["status"] == ENVIRONMENT_ERROR]
    print(f"{len(results) - len(failed)} of {len(results)} submissions graded "
          f"({len(skipped)} already graded before; {len(graded)} graded now in {elapsed:.0f} s"
          + (f", {len(graded) / elapsed * 3600:.0f} per hour with --jobs {jobs}" if graded and elapsed > 0 else "")
          + f"; {len(failed)} errors" + (f", {len(environment)} of them environment errors" if environment else "")
          + ").", flush=True)
    slowest = sorted(graded, key=lambda r: -r["seconds"])[:3]
    if slowest:
        print("slowest: " + ", ".join(f"{r['assignment']} {r['student']} {r['seconds']} s" for r in slowest), flush=True)
    for r in failed:
        label = "ENVIRONMENT ERROR" if r["status"] == ENVIRONMENT_ERROR else "NOT GRADED"
        print(f"{label}: {r['assignment']} {r['student']}: {r['reason']} (log: {r['log']})", flush=True)
