"""The 확인 문제 (review questions) at the end of each lesson: ``quiz.show("01")``.

A lesson's questions live in ``helpers/quizzes/NN.json`` (NN = the lesson's two digits), installed
with the package. ``show(lesson)`` displays, for each question:

1. the question as HTML (``text/html`` and a ``text/plain`` copy): the question, any code and the
   numbered choices. It is plain, deterministic output, so a saved notebook, nbval and a static
   site all show the questions even where no widget runs;
2. a small widget to answer it: one button per choice, or a text box and a 확인 button for a
   number. Feedback in Korean appears at once: 정답 with the explanation, or a hint to try again;
   after two wrong answers the explanation (with the answer) is shown too.

The JSON format (UTF-8)::

    {
      "lesson": "01",
      "questions": [
        {
          "kind": "choice",
          "question": "ReLU(-3)의 값은?",
          "choices": ["-3", "0", "3"],
          "answer": "0",
          "explanation": "ReLU는 음수를 0으로 바꿉니다.",
          "hint": "x < 0이면 출력은?"
        },
        {
          "kind": "number",
          "question": "softmax([0, 0]) 의 첫 번째 값은?",
          "predict": true,
          "code": "softmax(np.array([0.0, 0.0]))[0]",
          "answer": 0.5,
          "tolerance": 0.01,
          "explanation": "두 값이 같으면 확률도 같습니다: 1/2."
        }
      ]
    }

- ``kind``: ``"choice"`` (``choices``: 2-6 strings; ``answer``: the right choice's text, exactly
  one of them) or ``"number"`` (``answer``: a number; ``tolerance``: how far a typed number may
  be from it, >= 0; optional ``unit``: text a student may type after the number, e.g. ``"%"``).
- ``question`` and ``explanation`` are required; ``hint`` (shown after a wrong answer), ``code``
  (shown as a code block), ``predict`` (true: the student answers first, then runs the code) and
  ``check`` (true, for a number question with ``code``: the unit tests evaluate ``code`` with NumPy
  as ``np`` and the functions of ``helpers.activations`` and compare it with ``answer``) are optional.
  In the texts, `backticks` mark code.
- A lesson has 2-4 questions. ``load`` checks all of this and says what is wrong where.

``check(question, answer)`` grades one answer without any widget (the unit tests use it). Widgets
carry CSS classes for browser tests: ``quiz-answer`` (the answer widget), ``quiz-choice`` (each
choice button), ``quiz-number`` (the text box), ``quiz-submit`` and ``quiz-feedback``.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as widgets

QUIZ_DIR = Path(__file__).resolve().parent / "quizzes"
KINDS = ("choice", "number")
RIGHT = "정답입니다!"
WRONG = "아직 아니에요."
PREDICT = "먼저 결과를 예상해 답한 뒤, 코드를 실행해 확인하세요."
MAX_WRONG = 2


@dataclass(frozen=True)
class Feedback:
    """The result of grading one answer: ``correct`` and the Korean message a student sees."""

    correct: bool
    message: str


def quiz_path(lesson):
    """The JSON file of ``lesson`` ("01" or 1)."""
    return QUIZ_DIR / f"{_lesson_id(lesson)}.json"


def _lesson_id(lesson):
    text = f"{lesson:02d}" if isinstance(lesson, int) else str(lesson)
    if not re.fullmatch(r"\d\d", text):
        raise ValueError(f'lesson must be a two-digit number such as "01", got {lesson!r}.')
    return text


def load(lesson):
    """The validated questions of ``lesson`` (a list of dicts), or a ValueError naming the problem."""
    path = quiz_path(lesson)
    if not path.is_file():
        raise FileNotFoundError(f"No questions for lesson {_lesson_id(lesson)}: add {path}.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path.name} is not valid JSON: {error}.") from None
    validate(data, source=path.name)
    return data["questions"]


def validate(data, source="quiz"):
    """Raise ValueError if ``data`` does not follow the format described in this module."""
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise ValueError(f'{source}: expected an object with a "questions" list.')
    questions = data["questions"]
    if not 2 <= len(questions) <= 4:
        raise ValueError(f"{source}: a lesson has 2-4 questions, found {len(questions)}.")
    for number, q in enumerate(questions, 1):
        where = f"{source}, question {number}"
        if not isinstance(q, dict):
            raise ValueError(f"{where}: expected an object.")
        for key in ("question", "explanation"):
            if not isinstance(q.get(key), str) or not q[key].strip():
                raise ValueError(f'{where}: "{key}" must be a non-empty text.')
        kind = q.get("kind")
        if kind not in KINDS:
            raise ValueError(f'{where}: "kind" must be one of {KINDS}, got {kind!r}.')
        if kind == "choice":
            choices = q.get("choices")
            if (
                not isinstance(choices, list)
                or not 2 <= len(choices) <= 6
                or not all(isinstance(c, str) and c.strip() for c in choices)
            ):
                raise ValueError(f'{where}: "choices" must be 2-6 non-empty texts.')
            if len(set(choices)) != len(choices):
                raise ValueError(f"{where}: two choices are the same.")
            if q.get("answer") not in choices:
                raise ValueError(
                    f'{where}: "answer" must be exactly one of the choices, got {q.get("answer")!r}.'
                )
        else:
            answer, tolerance = q.get("answer"), q.get("tolerance")
            if not _is_number(answer):
                raise ValueError(f'{where}: "answer" must be a number, got {answer!r}.')
            if not _is_number(tolerance) or tolerance < 0:
                raise ValueError(f'{where}: "tolerance" must be a number >= 0, got {tolerance!r}.')
    return data


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_number(text, unit=""):
    """The number a student typed ("0.5", "60,000", "97.5 %"), or None if it is not one."""
    text = str(text).strip().replace(",", "").replace(" ", "")
    if unit and text.endswith(unit.replace(" ", "")):
        text = text[: -len(unit.replace(" ", ""))]
    try:
        return float(text)
    except ValueError:
        return None


def check(question, answer):
    """Grade ``answer`` (a choice's text, or a typed number) for ``question``: a Feedback."""
    if question["kind"] == "choice":
        correct = answer == question["answer"]
    else:
        value = parse_number(answer, question.get("unit", ""))
        if value is None:
            return Feedback(False, "숫자로 입력해 주세요 (예: 0.5).")
        # A little slack for floating point: 0.24 is within 0.01 of 0.25.
        correct = abs(value - question["answer"]) <= question["tolerance"] * (1 + 1e-9) + 1e-12
    if correct:
        return Feedback(True, f"{RIGHT} {question['explanation']}")
    hint = question.get("hint", "")
    return Feedback(False, f"{WRONG} {hint}".strip() + " 다시 해 보세요.")


def answer_text(question):
    """The right answer as a student would read it."""
    if question["kind"] == "choice":
        return question["answer"]
    return f"{question['answer']:g}{question.get('unit', '')}"


# --- display ------------------------------------------------------------------------------------


def _inline(text):
    """Escape ``text`` for HTML; `backticks` become <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=False))


def question_html(number, question):
    """The question as HTML: what a saved notebook and a static site show."""
    parts = [f'<div class="quiz-question"><p><b>문제 {number}.</b> {_inline(question["question"])}</p>']
    if question.get("predict"):
        parts.append(f"<p><i>{html.escape(PREDICT)}</i></p>")
    if question.get("code"):
        parts.append(f"<pre><code>{html.escape(question['code'])}</code></pre>")
    if question["kind"] == "choice":
        items = "".join(f"<li>{_inline(c)}</li>" for c in question["choices"])
        parts.append(f"<ol>{items}</ol>")
    else:
        unit = f" (단위: {html.escape(question['unit'])})" if question.get("unit") else ""
        parts.append(f"<p>숫자로 답하세요{unit}.</p>")
    parts.append("</div>")
    return "".join(parts)


def question_text(number, question):
    """The question as plain text (the text/plain copy of ``question_html``)."""
    lines = [f"문제 {number}. {question['question']}"]
    if question.get("predict"):
        lines.append(PREDICT)
    if question.get("code"):
        lines.append(question["code"])
    if question["kind"] == "choice":
        lines += [f"  {i}) {c}" for i, c in enumerate(question["choices"], 1)]
    else:
        lines.append(
            "숫자로 답하세요" + (f" (단위: {question['unit']})" if question.get("unit") else "") + "."
        )
    return "\n".join(lines)


class _QuestionHTML:
    """Displays as text/html and text/plain: IPython picks up the two _repr_ methods."""

    def __init__(self, number, question):
        self.number, self.question = number, question

    def _repr_html_(self):
        return question_html(self.number, self.question)

    def __repr__(self):
        return question_text(self.number, self.question)


class _AnswerBox(widgets.VBox):
    """A VBox whose text form is a fixed summary (deterministic for nbval)."""

    def __init__(self, children, summary):
        super().__init__(children=children)
        self._summary = summary

    def __repr__(self):
        return self._summary


def answer_widget(number, question):
    """The widget to answer one question (a VBox; attributes listed below).

    ``choices`` (list of Buttons, for a choice question) or ``number`` (Text) and ``submit``
    (Button), for a number question; ``feedback`` (HTML); ``wrong`` (wrong answers so far).
    Clicking a choice (``button.click()``) or ``submit`` grades the answer.
    """
    feedback = widgets.HTML(value="")
    feedback.add_class("quiz-feedback")
    state = {"wrong": 0}

    def grade(answer):
        result = check(question, answer)
        understood = (
            question["kind"] == "choice" or parse_number(answer, question.get("unit", "")) is not None
        )
        if understood and not result.correct:
            state["wrong"] += 1
        message = html.escape(result.message)
        if not result.correct and state["wrong"] >= MAX_WRONG:
            message += (
                f"<br>정답: <b>{_inline(answer_text(question))}</b>. {_inline(question['explanation'])}"
            )
        color = "#1a7f37" if result.correct else "#b35900"
        feedback.value = f'<span style="color:{color}">{message}</span>'
        box.wrong = state["wrong"]
        return result

    if question["kind"] == "choice":
        buttons = []
        for i, choice in enumerate(question["choices"], 1):
            button = widgets.Button(
                description=f"{i}) {choice}"[:60], tooltip=choice, layout=widgets.Layout(width="auto")
            )
            button.add_class("quiz-choice")
            button.on_click(lambda _, c=choice: grade(c))
            buttons.append(button)
        controls = widgets.HBox(buttons, layout=widgets.Layout(flex_flow="row wrap"))
        summary = f"choose 1-{len(buttons)}"
    else:
        text = widgets.Text(placeholder="숫자", layout=widgets.Layout(width="10em"))
        text.add_class("quiz-number")
        submit = widgets.Button(description="확인")
        submit.add_class("quiz-submit")
        submit.on_click(lambda _: grade(text.value))
        controls = widgets.HBox([text, submit])
        summary = "type a number"
    box = _AnswerBox([controls, feedback], f"quiz answer {number}: {summary}")
    box.add_class("quiz-answer")
    box.feedback, box.wrong, box.grade = feedback, 0, grade
    if question["kind"] == "choice":
        box.choices = buttons
    else:
        box.number, box.submit = text, submit
    return box


def show(lesson):
    """Display the 확인 문제 of ``lesson`` ("01"): each question as HTML, then its answer widget.

    Returns None (everything is displayed), so the cell stores no extra value.
    """
    from IPython.display import display

    for number, question in enumerate(load(lesson), 1):
        display(_QuestionHTML(number, question))
        display(answer_widget(number, question))
