"""Tests for helpers.quiz: every lesson's questions have a valid answer that the grader accepts."""

import copy
import json

import numpy as np
import pytest

from helpers import activations, quiz

FILES = sorted(quiz.QUIZ_DIR.glob("*.json"))
QUESTIONS = [(path.stem, number, q) for path in FILES for number, q in enumerate(quiz.load(path.stem), 1)]
IDS = [f"{lesson}-{number}" for lesson, number, _ in QUESTIONS]
NAMES = {"np": np, **{n: getattr(activations, n) for n in dir(activations) if not n.startswith("_")}}


@pytest.mark.parametrize("lesson, number, question", QUESTIONS, ids=IDS)
def test_each_question_is_in_its_lessons_file_and_its_answer_is_accepted(lesson, number, question):
    # How wrong answers are graded does not depend on the lesson: test_an_answer_is_graded_... has it.
    assert json.loads(quiz.quiz_path(lesson).read_text(encoding="utf-8"))["lesson"] == lesson
    answer = question["answer"]
    assert quiz.check(question, answer if question["kind"] == "choice" else str(answer)).correct
    if question.get("check"):  # a value to predict must be what the code computes
        assert abs(float(eval(question["code"], NAMES)) - answer) <= question["tolerance"]


NUMBER = {"kind": "number", "question": "q", "explanation": "why", "answer": 0.25, "tolerance": 0.01}
CHOICE = dict(
    kind="choice", question="q", explanation="why", choices=["a", "b"], answer="b", hint="look again"
)
COUNT = dict(NUMBER, answer=60000, tolerance=0, unit="개")


@pytest.mark.parametrize(
    "question, answer, says",
    [
        (NUMBER, "0.255", quiz.RIGHT),  # within the tolerance
        (NUMBER, " 0.24 ", quiz.RIGHT),
        (NUMBER, "0.27", quiz.WRONG),
        (COUNT, "60,000", quiz.RIGHT),  # commas and the unit may come with a number
        (COUNT, "60000 개", quiz.RIGHT),
        (dict(NUMBER, answer=97.5, tolerance=0.5, unit="%"), "97.3%", quiz.RIGHT),
        (NUMBER, "zero point two", "숫자"),  # not a number: not graded wrong but explained
        (CHOICE, "a", "look again"),  # a wrong choice gets the hint, not the explanation
    ],
)
def test_an_answer_is_graded_and_only_a_right_one_explained(question, answer, says):
    result = quiz.check(question, answer)
    assert result.correct == (says == quiz.RIGHT) and says in result.message
    assert ("why" in result.message) == result.correct  # the explanation comes with a right answer only


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["questions"].pop(), "2-4 questions"),
        (lambda d: d["questions"][0].update(answer="c"), "exactly one of the choices"),
        (lambda d: d["questions"][0].update(choices=["a", "a"], answer="a"), "the same"),
        (lambda d: d["questions"][1].pop("tolerance"), "tolerance"),
        (lambda d: d["questions"][1].update(answer="0.25"), "must be a number"),
        (lambda d: d["questions"][1].update(answer=True), "must be a number"),
        (lambda d: d["questions"][0].update(kind="essay"), "kind"),
        (lambda d: d["questions"][0].pop("explanation"), "explanation"),
    ],
)
def test_validate_names_what_is_wrong(change, message):
    data = {"lesson": "99", "questions": [copy.deepcopy(CHOICE), copy.deepcopy(NUMBER)]}
    quiz.validate(data)
    change(data)
    with pytest.raises(ValueError, match=message):
        quiz.validate(data, source="99.json")


def test_an_unknown_lesson_says_which_file_to_add():
    with pytest.raises(FileNotFoundError, match="98.json"):
        quiz.load("98")
    with pytest.raises(ValueError, match="two-digit"):
        quiz.load("1a")


def test_the_html_shows_question_code_and_choices_escaped():
    question = dict(CHOICE, question="Is `x < 0`?", code="relu(x) < 1", predict=True)
    shown = quiz.question_html(3, question)
    assert "문제 3." in shown and "<code>x &lt; 0</code>" in shown
    assert "relu(x) &lt; 1" in shown and quiz.PREDICT in shown
    assert "<li>a</li><li>b</li>" in shown
    text = quiz.question_text(3, question)
    assert "문제 3. Is `x < 0`?" in text and "  2) b" in text


def test_show_displays_each_question_then_its_widget(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    quiz.show(FILES[0].stem)
    questions = list(enumerate(quiz.load(FILES[0].stem), 1))
    assert [(text._repr_html_(), repr(text)) for text in shown[::2]] == [
        (quiz.question_html(n, q), quiz.question_text(n, q)) for n, q in questions
    ]
    assert [repr(box).split(":")[0] for box in shown[1::2]] == [f"quiz answer {n}" for n, _ in questions]


def test_clicking_choices_gives_feedback_and_the_answer_after_two_misses():
    box = quiz.answer_widget(1, CHOICE)
    wrong, right = box.choices
    wrong.click()
    assert quiz.WRONG in box.feedback.value and "정답:" not in box.feedback.value
    wrong.click()
    assert "정답: <b>b</b>" in box.feedback.value and box.wrong == 2
    right.click()
    assert quiz.RIGHT in box.feedback.value and "why" in box.feedback.value


def test_typing_a_number_and_submitting_grades_it():
    box = quiz.answer_widget(2, NUMBER)
    box.number.value = "abc"
    box.submit.click()
    assert "숫자" in box.feedback.value and box.wrong == 0
    box.number.value = "0.25"
    box.submit.click()
    assert quiz.RIGHT in box.feedback.value
    assert repr(box) == "quiz answer 2: type a number"
