"""The course on its JupyterHub, a whole semester in a real browser (``deploy/hub/up.py``).

One hub in a fresh state folder, with real local accounts: the instructor ``teacher`` and the
learners ``alice``, ``bob`` and ``carol``, who log in with PAM passwords in headless Chromium.

* The instructor generates and releases ``01_data`` from the formgrader (its buttons).
* alice fetches it from the Assignments list, saves the solution's answers and submits (full marks).
* bob submits the released notebook unchanged, then all answers but the last: the later one counts.
* carol corrupts and deletes her copy and fetches it again (it is the released one), and submits
  the right answers after the due date: nbgrader's ``LateSubmissionPlugin`` (``zero``, set in
  ``deploy/hub/up.py``) marks it late and takes all its points.
* The instructor unreleases and releases again after the submissions: none is lost.
* The hub is killed with ``kill -9`` after grading and started again: every submission and grade is
  still there, and the semester goes on through the restarted hub.
* The instructor collects (formgrader), autogrades in the sandbox (``course-grade grade``, as in
  a terminal of their server), generates feedback (``nbgrader generate_feedback`` there: the
  formgrader's button ignores the course's feedback template) and releases it (formgrader); each learner fetches
  feedback in the Assignments list and sees their own score, never another's.
* A learner cannot read the instructor's course (solutions and hidden tests) or gradebook, list the
  exchange's inbound folder (a submission's folder ends in a random suffix), or read another
  learner's home or server.

Saving a notebook and setting the due date go through the server's HTTP API (a learner's save
and a formgrader field): the log-in, fetch, submit and feedback steps are the browser's.
Expected scores come from ``solutions/points.json`` and the instructor notebook, never typed in.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from course_grading.simulated import students as S
from hub_browser import ROOT, Browser, Hub, chromium_missing, wait_for

pytestmark = pytest.mark.slow

A = "01_data"
INSTRUCTOR, LEARNERS = "teacher", ["alice", "bob", "carol"]
NB = f"{A}/{A}.ipynb"
TIMINGS: dict[str, float] = {}


def _unavailable(message: str):
    import os

    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


def _requirements():
    import os

    if os.geteuid() != 0:
        _unavailable("the hub test creates local accounts and runs servers as them: run it as root")
    for tool, hint in (("useradd", "passwd"), ("chpasswd", "passwd"), ("runuser", "util-linux"), ("bwrap", "bubblewrap")):
        if shutil.which(tool) is None:
            _unavailable(f"{tool} is missing: apt-get install {hint}")
    if not (ROOT / "node_modules" / ".bin" / "configurable-http-proxy").exists():
        _unavailable("configurable-http-proxy is missing: npm ci (package-lock.json pins it)")
    if chromium_missing():
        _unavailable(chromium_missing())


# --- the browser's steps ---------------------------------------------------------------------------

def click(d, xpath: str, timeout: float = 60, message: str = "") -> None:
    """Find and click XPATH, again until it takes (the page may still be laying out, a menu opening)."""
    from selenium.webdriver.common.by import By

    wait_for(lambda: d.find_element(By.XPATH, xpath).click() or True, timeout, message=message or xpath)


def formgrader_click(b: Browser, column: str) -> str:
    """Click the formgrader's COLUMN button (assign, release, collect, ...) for A; the dialog's text."""
    from selenium.webdriver.common.by import By

    d = b.driver
    d.get(f"{b.server}/formgrader/manage_assignments")
    row = wait_for(lambda: d.find_element(By.XPATH, f"//tr[td[@data-order='{A}']]"), 60, message="the formgrader")
    wait_for(lambda: row.find_element(By.CSS_SELECTOR, f"td.{column} a").click() or True, 30, message=f"a {column} button")
    dialog = wait_for(lambda: [m for m in d.find_elements(By.CSS_SELECTOR, ".modal-content") if m.is_displayed()
                               and ("Success" in m.text or "Error" in m.text)], 240, message=f"{column} to finish")
    text = dialog[0].text
    assert "Success" in text, f"formgrader {column}: {text[-3000:]}"
    return text


def assignment_list(b: Browser):
    """Open Nbgrader > Assignment List in the user's Notebook page."""
    from selenium.webdriver.common.by import By

    d = b.driver
    d.get(f"{b.server}/tree")
    click(d, "//*[contains(@class,'lm-MenuBar-itemLabel') and text()='Nbgrader']", 60, "the Nbgrader menu")
    click(d, "//*[contains(@class,'lm-Menu-itemLabel') and text()='Assignment List']", 10, "Assignment List")
    wait_for(lambda: d.find_element(By.ID, "released_assignments_list").is_displayed(), 30, message="the list")


def click_in_list(b: Browser, list_id: str, label: str, then: str, timeout=120) -> None:
    """Click the LABEL button of A's row in LIST_ID; wait until the list with id THEN shows A."""
    from selenium.webdriver.common.by import By

    d = b.driver
    button = f"//div[@id='{list_id}']//div[contains(@class,'list_item')][contains(., '{A}')]//button[text()='{label}']"
    click(d, button, 60, f"{label} for {A}")
    wait_for(lambda: d.find_elements(By.XPATH, f"//div[@id='{then}']//div[contains(@class,'list_item')]//*[contains(text(),'{A}')]"),
             timeout, message=f"{A} in {then} after {label}")


def save_notebook(b: Browser, nb) -> None:
    """Save NB as the user's A notebook (the Contents API, as the notebook editor does)."""
    status, body = b.api("PUT", f"/api/contents/{NB}", {"type": "notebook", "format": "json", "content": nb})
    assert status in (200, 201), body[:2000]


def fetched_notebook(b: Browser):
    import nbformat

    status, body = b.api("GET", f"/api/contents/{NB}?content=1")
    assert status == 200, body[:2000]
    return nbformat.from_dict(json.loads(body)["content"])


def inbound(hub: Hub, user: str) -> list[str]:
    """The user's submissions of A in the exchange (as root sees them)."""
    folder = hub.exchange / "distilbert-sentiment" / "inbound"
    return sorted(p.name for p in folder.glob(f"{user}+{A}+*")) if folder.is_dir() else []


def all_inbound(hub: Hub) -> list[str]:
    return sorted(p.name for p in (hub.exchange / "distilbert-sentiment" / "inbound").iterdir())


def submit(hub: Hub, b: Browser) -> None:
    """Submit A from the Assignments list; wait until the exchange has one more submission."""
    before = len(inbound(hub, b.user))
    assignment_list(b)
    click_in_list(b, "fetched_assignments_list", "Submit", "submitted_assignments_list")
    wait_for(lambda: len(inbound(hub, b.user)) > before, 60, message=f"{b.user}'s submission in the exchange")


def fetch(b: Browser) -> None:
    assignment_list(b)
    click_in_list(b, "released_assignments_list", "Fetch", "fetched_assignments_list")


def view_feedback(b: Browser) -> str:
    """Fetch feedback in the Assignments list, open it; the page's text."""
    d = b.driver
    assignment_list(b)
    fetch_button = "//div[@id='submitted_assignments_list']//button[text()='Fetch Feedback']"
    click(d, fetch_button, 60, "Fetch Feedback")
    view = "//div[@id='submitted_assignments_list']//a[contains(., 'view feedback')]"
    click(d, view, 60, "(view feedback)")  # the file browser goes there
    status, body = b.api("GET", "/assignments?course_id=distilbert-sentiment")  # what the list shows
    assert status == 200, body[:1000]
    mine = [s for a in json.loads(body)["value"] if a["assignment_id"] == A
            for s in a.get("submissions", []) if s.get("has_local_feedback")]
    assert len(mine) == 1, mine
    d.get(f"{b.server}/files/{mine[0]['local_feedback_path']}/{A}.html")
    return wait_for(lambda: "Score" in b.text() and b.text(), 60, message="the feedback page")


def scores(hub: Hub) -> dict[str, tuple[float, float]]:
    """(score, late penalty) per student for A, from the course's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{hub.course / 'gradebook.db'}") as gb:
        return {s.student.id: (s.score, s.late_submission_penalty) for s in gb.assignment_submissions(A)}


def denied(hub: Hub, user: str, code: str) -> bool:
    """Whether CODE, run as USER, raises PermissionError."""
    done = hub.as_user(user, "python", "-c", code, check=False)
    return "PermissionError" in done.stderr


# --- the semester ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hub():
    _requirements()
    state = Path(tempfile.mkdtemp(prefix="course-hub-", dir="/tmp"))
    state.chmod(0o755)
    h = Hub(state / "state", INSTRUCTOR, LEARNERS)
    TIMINGS["hub up"] = h.start()
    yield h
    h.stop()
    shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="module")
def browsers(hub, tmp_path_factory):
    made: dict[str, Browser] = {}

    def get(user: str) -> Browser:
        if user not in made:
            made[user] = Browser(hub, user, tmp_path_factory.mktemp(f"chromium-{user}"))
            made[user].login()
        return made[user]

    yield get
    for b in made.values():
        b.quit()


@pytest.fixture(scope="module")
def expected():
    inst = S.read(ROOT / "solutions" / A / f"{A}.ipynb")
    points = S.load_points(ROOT)[A]
    sol = S.solution_ids(inst)
    return {"inst": inst, "full": sum(points.values()), "sol": sol,
            "partial": S.expected_score(inst, sol[:-1], points)}


def learners_submit(hub, browsers, expected, out) -> None:
    """alice right; bob wrong, then all but the last task; carol corrupts, deletes and fetches again."""
    inst = expected["inst"]
    alice = browsers("alice")
    fetch(alice)
    released = out["released"] = fetched_notebook(alice)
    save_notebook(alice, S.answered(released, inst))
    submit(hub, alice)

    bob = browsers("bob")
    fetch(bob)
    submit(hub, bob)                                                   # as released: wrong
    time.sleep(1.1)                                                    # nbgrader's timestamps are to the second
    save_notebook(bob, S.answered(released, inst, expected["sol"][:-1]))
    submit(hub, bob)
    out["bob submissions"] = len(inbound(hub, "bob"))

    carol = browsers("carol")
    fetch(carol)
    status, _ = carol.api("PUT", f"/api/contents/{NB}", {"type": "file", "format": "text", "content": "{not json"})
    assert status in (200, 201)
    status, body = carol.api("GET", f"/api/contents/{A}")
    for item in json.loads(body)["content"]:                       # she deletes the folder, file by file
        assert carol.api("DELETE", f"/api/contents/{item['path']}")[0] == 204
    status, body = carol.api("DELETE", f"/api/contents/{A}")
    assert status == 204, body
    fetch(carol)                                                       # fetch again: the released notebook
    out["carol refetched"] = fetched_notebook(carol) == released


@pytest.fixture(scope="module")
def semester(hub, browsers, expected):
    """The whole semester; returns what the tests below check."""
    t0 = time.monotonic()
    out: dict = {}
    teacher = browsers(INSTRUCTOR)
    formgrader_click(teacher, "assign")   # generate the student version
    formgrader_click(teacher, "release")
    learners_submit(hub, browsers, expected, out)

    before = all_inbound(hub)             # the instructor releases again: unrelease, release
    formgrader_click(teacher, "release")
    formgrader_click(teacher, "release")
    out["inbound kept"] = before == all_inbound(hub)

    # the due date passes; carol submits the right answers late
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    hub.as_user(INSTRUCTOR, "nbgrader", "db", "assignment", "add", A, f"--duedate={now}", cwd=hub.course)
    time.sleep(1.1)
    save_notebook(browsers("carol"), S.answered(out["released"], expected["inst"]))
    submit(hub, browsers("carol"))
    TIMINGS["release, fetch, submit"] = time.monotonic() - t0

    # collect (formgrader), grade in the sandbox (a terminal of the instructor's server)
    formgrader_click(teacher, "collect")
    t = time.monotonic()
    hub.as_user(INSTRUCTOR, "course-grade", "grade", A, "--jobs", "2", cwd=hub.course)
    TIMINGS["autograde (sandbox)"] = time.monotonic() - t
    out["graded"] = scores(hub)

    # the hub dies mid-semester and comes back: nothing is lost
    out["inbound before crash"] = all_inbound(hub)
    hub.kill9()
    TIMINGS["hub restart after kill -9"] = hub.start()
    out["inbound after crash"] = all_inbound(hub)
    out["graded after crash"] = scores(hub)
    status, body = teacher.api("GET", f"/formgrader/api/submissions/{A}")
    out["formgrader after crash"] = {s["student"]: s["score"] for s in json.loads(body)} if status == 200 else body

    # the formgrader's own button loses the course's feedback template (its extension overrides
    # HTMLExporter.extra_template_basedirs): the instructor generates feedback in a terminal
    hub.as_user(INSTRUCTOR, "nbgrader", "generate_feedback", A, cwd=hub.course)
    formgrader_click(teacher, "release-feedback")
    out["feedback"] = {u: view_feedback(browsers(u)) for u in LEARNERS}
    TIMINGS["semester"] = time.monotonic() - t0
    print("\nhub test timings (s):", {k: round(v, 1) for k, v in TIMINGS.items()})
    return out


# --- what the semester shows -----------------------------------------------------------------------

def test_hub_comes_up_fast_and_says_where_and_how_to_stop(hub):
    assert TIMINGS["hub up"] < 60
    assert hub.url in hub.banner and f"kill {hub.pid()}" in hub.banner


def test_scores_are_exact_and_the_later_submission_counts(semester, expected):
    full, partial = expected["full"], expected["partial"]
    assert 0 < partial < full
    assert semester["bob submissions"] == 2
    assert semester["graded"]["alice"] == (full, 0.0)
    assert semester["graded"]["bob"] == (partial, 0.0)


def test_a_late_submission_loses_its_points(semester, expected):
    score, penalty = semester["graded"]["carol"]
    assert (score, penalty) == (expected["full"], expected["full"])  # graded, then the whole score taken


def test_a_corrupted_notebook_can_be_fetched_again(semester):
    assert semester["carol refetched"]


def test_releasing_twice_keeps_the_submissions(semester):
    assert semester["inbound kept"]
    assert len(semester["inbound before crash"]) == 4  # alice 1, bob 2, carol 1


def test_kill_9_of_the_hub_loses_nothing(semester):
    assert semester["inbound after crash"] == semester["inbound before crash"]
    assert semester["graded after crash"] == semester["graded"]
    assert semester["formgrader after crash"] == {u: s for u, (s, _) in semester["graded"].items()}


def test_each_learner_sees_their_own_feedback_only(semester, expected):
    """The feedback page's total ("01_data (Score: S / M)") is the learner's own; only carol's is late."""
    page = semester["feedback"]
    total = {u: re.search(rf"{A} \(Score: ([\d.]+) / ([\d.]+)\)", text) for u, text in page.items()}
    shown = {u: (float(m.group(1)), float(m.group(2))) for u, m in total.items() if m}
    full = expected["full"]
    assert shown == {"alice": (full, full), "bob": (expected["partial"], full), "carol": (0.0, full)}, shown
    assert [u for u in LEARNERS if "Late submission penalty" in page[u]] == ["carol"]
    assert f"Score: -{float(full)}" in page["carol"]


def test_learners_cannot_read_the_course_or_each_other(hub, semester, browsers):
    course, inbound_dir = hub.course, hub.exchange / "distilbert-sentiment" / "inbound"
    bob_submission = inbound_dir / inbound(hub, "bob")[-1] / f"{A}.ipynb"
    assert denied(hub, "alice", f"open({str(course / 'solutions' / NB)!r}).read()")
    assert denied(hub, "alice", f"open({str(course / 'gradebook.db')!r}, 'rb').read()")
    assert denied(hub, "alice", f"__import__('os').listdir({str(inbound_dir)!r})")
    # nbgrader's exchange hides a submission by its name (a random suffix, 12 URL-safe base64 characters, in a folder
    # learners cannot list); its files are world-readable for the instructor to collect them, so a
    # learner who learned the exact name could read it (docs/hub.md, "Where things live")
    assert re.fullmatch(rf"bob\+{A}\+[^+]+\+[A-Za-z0-9_-]{{12}}", bob_submission.parent.name), bob_submission
    assert denied(hub, "alice", f"__import__('os').listdir({str(hub.state / 'home' / 'bob')!r})")
    alice = browsers("alice")
    alice.driver.get(f"{hub.url}/user/bob/api/contents")  # bob's server, with alice's log-in
    page = wait_for(lambda: alice.text(), 30, message="the answer from bob's server")
    assert "Forbidden" in page and A not in page, page[:500]  # 403 from bob's server
