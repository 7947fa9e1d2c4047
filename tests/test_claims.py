"""Claims are code: every sentence of the book that judges a result is glued, guarded or sourced.

``tests/claims.py`` finds the judging sentences of a notebook's markdown; these tests run it on
every chapter, check that it catches what it is for (a planted unguarded sentence, a guard whose
sentence was reworded), and that a guard whose condition is false fails the notebook's execution,
naming the sentence and the numbers, as it fails the book's build.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from claims import judging_words, unmatched_guards, unsupported_sentences
from sentiment_lib.book import BUILD_VARIABLE, ClaimError, general, holds

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book").glob("*.ipynb"))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_judging_sentence_is_glued_guarded_or_sourced(chapter):
    missing = unsupported_sentences(chapter)
    assert not missing, "sentences that judge a result with no verdict function, guard or source:\n" + "\n".join(map(str, missing))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_guard_quotes_a_sentence_that_is_there(chapter):
    assert not unmatched_guards(chapter), "guards whose sentence is not in the text (reworded?)"


def _planted(tmp_path: Path, chapter: Path, markdown: str, code: str | None = None) -> Path:
    nb = json.loads(chapter.read_text())
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": [markdown]})
    if code is not None:
        nb["cells"].append({"cell_type": "code", "metadata": {}, "source": [code], "outputs": [], "execution_count": None})
    path = tmp_path / chapter.name
    path.write_text(json.dumps(nb))
    return path


@pytest.mark.parametrize("sentence", [
    "On these reviews the fine-tuned model is clearly better than TF-IDF.",
    "Batching made prediction 3.5× quicker here.",
    "Yes: it was worth the minutes.",
    "The model converged after two epochs.",
    "The two runs are within noise of each other.",
])
def test_a_planted_unguarded_sentence_is_caught(tmp_path, sentence):
    path = _planted(tmp_path, CHAPTERS[4], sentence)
    assert [s.text for s in unsupported_sentences(path)] == [sentence]


def test_a_guard_covers_its_sentence_and_a_reworded_sentence_is_caught(tmp_path):
    guarded = _planted(tmp_path, CHAPTERS[4], "The model converged after two epochs.",
                       'holds(True, "The model converged after two epochs")')
    assert unsupported_sentences(guarded) == [] and unmatched_guards(guarded) == []
    reworded = _planted(tmp_path, CHAPTERS[4], "The model settled after two epochs.",
                        'holds(True, "The model converged after two epochs")')
    assert unmatched_guards(reworded) == ["The model converged after two epochs"]


def test_a_planted_unguarded_sentence_in_a_say_cell_is_caught(tmp_path):
    nb = json.loads(CHAPTERS[4].read_text())
    nb["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                        "source": ['say(r"""\nWith {n:,d} reviews the model is clearly better than TF-IDF.\n""")']})
    path = tmp_path / CHAPTERS[4].name
    path.write_text(json.dumps(nb))
    assert [s.text for s in unsupported_sentences(path)] == ["With {glue:text}`n` reviews the model is clearly better than TF-IDF."]


def test_glued_verdicts_need_no_guard():
    assert judging_words("Batches of 32 were {glue:text}`batch32_vs_1` single reviews.") == []
    assert judging_words("Batches of 32 were 3.5× faster than single reviews.") == ["3.5×", "faster"]


def test_holds_names_the_sentence_and_the_numbers(monkeypatch):
    monkeypatch.setenv(BUILD_VARIABLE, "1")
    holds(True, "anything at all")
    with pytest.raises(ClaimError, match=r'says "TF-IDF is behind", but .*tfidf=0.91, fine_tuned=0.89'):
        holds(0.91 < 0.89, "TF-IDF is behind", tfidf=0.91, fine_tuned=0.89)
    with pytest.raises(ClaimError, match="needs a source"):
        general("a sentence", source=" ")


def test_outside_the_book_build_a_false_guard_says_so_in_one_line(monkeypatch, capsys):
    monkeypatch.delenv(BUILD_VARIABLE, raising=False)
    holds(0.91 < 0.89, "TF-IDF is behind", tfidf=0.91, fine_tuned=0.89)
    out = capsys.readouterr().out
    assert out == 'On this run the text\'s "TF-IDF is behind" does not hold: tfidf=0.91, fine_tuned=0.89.\n'


def test_a_false_guard_fails_the_notebook_like_the_book_build(tmp_path, monkeypatch):
    """The book executes with allow_errors: false, so a failing guard fails `make book` (scripts/build_book.py
    sets SENTIMENT_BOOK_BUILD=1 for the build)."""
    monkeypatch.setenv(BUILD_VARIABLE, "1")
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["execute"]["allow_errors"] is False
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("TF-IDF is behind the fine-tuned model."),
        nbformat.v4.new_code_cell("from sentiment_lib.book import holds\n"
                                  "tfidf, fine_tuned = 0.91, 0.89\n"
                                  'holds(tfidf < fine_tuned, "TF-IDF is behind the fine-tuned model", tfidf=tfidf, fine_tuned=fine_tuned)'),
    ]
    with pytest.raises(CellExecutionError, match=r'TF-IDF is behind the fine-tuned model.*tfidf=0\.91, fine_tuned=0\.89'):
        NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
