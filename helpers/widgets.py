"""Interactive widgets for the lessons: explore a function, a data set or a model by moving controls.

Each public function returns an ``ipywidgets`` container (a ``VBox``) that the lesson shows as the
last expression of a cell. Figures are drawn with matplotlib, rendered to PNG and placed in an
``ipywidgets.Output``; the figure is closed right away (``plt.close(fig)``), so moving a slider a
hundred times leaves no open figure behind.

The widgets work in JupyterLab and without a front end (a notebook executed by nbclient or nbval,
or a test): every update runs in Python when a control's ``value`` changes, whoever changes it.
Tests drive a widget by setting a control's value and reading what it shows; the controls and the
output are attributes of the returned container (for example ``explorer.function`` and
``explorer.output`` in ``activation_explorer()``), listed in each function's docstring.

The text a notebook stores for a widget (its ``text/plain`` form, which nbval compares) is a short,
deterministic summary such as ``activation_explorer: relu on [-5.0, 5.0]``: it names the
controls' values and never a trained result, which another CPU could change.

The figures come from ``helpers.plots`` and the checks of their input from ``helpers.checks``;
``digit_canvas()`` preprocesses a drawing with ``helpers.drawing``.
"""

from __future__ import annotations

import base64
import html
import io

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from helpers import activations, checks, data, plots
from helpers.drawing import EmptyDrawingError, draw_line, preprocess_drawing
from helpers.prediction import predict

DPI = 80  # the widget's figures are small; 80 dpi keeps every redraw quick


class LessonWidget(widgets.VBox):
    """A ``VBox`` whose text form is a short summary of what it shows (deterministic for nbval)."""

    def __init__(self, name, children, summary):
        super().__init__(children=children)
        self._name = name
        self._summary = summary

    def __repr__(self):
        return f"{self._name}: {self._summary()}"


def _explorer(name, controls, output, text, summary):
    """Lessons 01 and 07: a row of controls, the figure (``output``) below them, then a line of text."""
    box = LessonWidget(name, [widgets.HBox(controls), output, text], summary)
    box.output = output
    return box


def _png_output(fig, text):
    """Render ``fig`` to a PNG display output for an ``Output`` widget, then close it."""
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    finally:
        plt.close(fig)
    bundle = {"image/png": base64.b64encode(buffer.getvalue()).decode("ascii"), "text/plain": text}
    return {"output_type": "display_data", "data": bundle, "metadata": {}}


def show_figure(output, fig, text):
    """Replace what ``output`` shows with ``fig`` (one assignment: no flicker, nothing appended).

    Setting ``output.outputs`` whole keeps the figure inside the widget in saved notebooks and
    strict re-runs; ``text`` is its text/plain form."""
    output.outputs = (_png_output(fig, text),)


def _show_text(output, text):
    output.outputs = ({"output_type": "stream", "name": "stdout", "text": text + "\n"},)


# --- lesson 01: activation functions ------------------------------------------------------------


def activation_explorer(function="relu", x_range=(-5.0, 5.0)):
    """Choose an activation function and an input range; the function and its derivative redraw.

    Attributes of the returned container: ``function`` (Dropdown: relu, sigmoid, tanh),
    ``x_range`` (FloatRangeSlider), ``output`` (Output holding the figure) and ``info`` (HTML:
    the largest value of the derivative on the range).
    """
    if function not in activations.WITH_DERIVATIVES:
        raise ValueError(
            f"function must be one of {', '.join(activations.WITH_DERIVATIVES)}, got {function!r}."
        )
    low, high = map(float, x_range)
    if not -10 <= low < high <= 10:
        raise ValueError(f"x_range must be (low, high) with -10 <= low < high <= 10, got {x_range!r}.")
    chooser = widgets.Dropdown(
        options=list(activations.WITH_DERIVATIVES), value=function, description="function"
    )
    span = widgets.FloatRangeSlider(
        value=(low, high),
        min=-10.0,
        max=10.0,
        step=0.5,
        description="x range",
        readout_format=".1f",
        continuous_update=False,
        layout=widgets.Layout(width="420px"),
    )
    output = widgets.Output()
    info = widgets.HTML()

    def update(_=None):
        name = chooser.value
        lo, hi = span.value
        fig = plots.plot_activation(name, (lo, hi))
        show_figure(output, fig, f"{name} and its derivative on [{lo:.1f}, {hi:.1f}]")
        derivative = activations.WITH_DERIVATIVES[name][1]
        largest = np.max(derivative(np.linspace(lo, hi, 201)))
        info.value = f"largest derivative of <b>{name}</b> on [{lo:.1f}, {hi:.1f}]: <b>{largest:.3f}</b>"

    chooser.observe(update, names="value")
    span.observe(update, names="value")
    update()

    def summary():
        return f"{chooser.value} on [{span.value[0]:.1f}, {span.value[1]:.1f}]"

    box = _explorer("activation_explorer", [chooser, span], output, info, summary)
    box.function, box.x_range, box.info = chooser, span, info
    return box


# --- lesson 02: softmax -------------------------------------------------------------------------


def softmax_explorer(logits=(2.0, 1.0, 0.1, -1.0, 0.5), temperature=1.0):
    """Five logit sliders and a temperature slider; the softmax probabilities redraw as bars.

    The probabilities are ``softmax(z / T)``: a low temperature sharpens them towards the largest
    logit, a high one flattens them towards 1/5 each; their sum stays 1.
    Attributes: ``logits`` (list of five FloatSliders), ``temperature`` (FloatSlider),
    ``output`` (Output holding the bar chart) and ``total`` (HTML: the sum, shown as 1.000).
    """
    logits = [float(z) for z in logits]
    if len(logits) != 5 or any(not -5 <= z <= 5 for z in logits):
        raise ValueError(f"logits must be 5 numbers between -5 and 5, got {logits!r}.")
    if not 0.1 <= temperature <= 5:
        raise ValueError(f"temperature must be between 0.1 and 5, got {temperature!r}.")
    sliders = [
        widgets.FloatSlider(
            value=z,
            min=-5.0,
            max=5.0,
            step=0.1,
            description=f"z{i}",
            readout_format=".1f",
            continuous_update=False,
        )
        for i, z in enumerate(logits)
    ]
    heat = widgets.FloatSlider(
        value=temperature,
        min=0.1,
        max=5.0,
        step=0.1,
        description="T",
        readout_format=".1f",
        continuous_update=False,
    )
    output = widgets.Output()
    total = widgets.HTML()

    def update(_=None):
        z = np.array([s.value for s in sliders])
        t = heat.value
        p = activations.softmax(z / t)
        fig, ax = plt.subplots(figsize=(5.5, 3.2))
        plots.prediction_bars(ax, [f"z{i}" for i in range(5)], p)
        for i, value in enumerate(p):
            ax.text(i, value + 0.02, f"{value:.2f}", ha="center", fontsize=9)
        ax.set_ylim(0, 1.1)
        ax.set_xlabel("logit")
        ax.set_ylabel("probability")
        ax.set_title(f"softmax(z / T), T = {t:.1f}")
        fig.tight_layout()
        show_figure(output, fig, f"softmax probabilities at T = {t:.1f}")
        total.value = f"sum of the probabilities: <b>{p.sum():.3f}</b>"

    for slider in (*sliders, heat):
        slider.observe(update, names="value")
    update()
    box = LessonWidget(
        "softmax_explorer",
        [widgets.HBox([widgets.VBox(sliders), widgets.VBox([heat, total])]), output],
        lambda: "logits " + ", ".join(f"{s.value:.1f}" for s in sliders) + f"; T = {heat.value:.1f}",
    )
    box.logits, box.temperature, box.output, box.total = sliders, heat, output, total
    return box


# --- lesson 03: the MNIST data set --------------------------------------------------------------


def _check_split(images, labels, name):
    # Raw pixels: the browser shows them and, on request, normalizes them itself.
    images = checks.images(images, f"x_{name}", pixels="raw")
    return images, checks.labels(labels, len(images), f"t_{name}")


def mnist_browser(x_train, t_train, x_test, t_test):
    """Browse MNIST: train/test toggle, index slider, raw (0-255) or normalized (0-1) pixels.

    Pass the raw uint8 arrays of ``helpers.data.load_mnist()``. The image, its label and the range
    of its pixel values update with the controls.
    Attributes: ``split`` (ToggleButtons: train, test), ``index`` (IntSlider), ``view``
    (ToggleButtons: raw, normalized), ``output`` (Output holding the image) and ``info`` (HTML).
    """
    splits = {"train": _check_split(x_train, t_train, "train"), "test": _check_split(x_test, t_test, "test")}
    split = widgets.ToggleButtons(options=["train", "test"], value="train", description="set")
    index = widgets.IntSlider(
        value=0,
        min=0,
        max=len(splits["train"][0]) - 1,
        description="index",
        continuous_update=False,
        layout=widgets.Layout(width="600px"),
    )
    view = widgets.ToggleButtons(options=["raw", "normalized"], value="raw", description="pixels")
    output = widgets.Output()
    info = widgets.HTML()

    def current():
        images, labels = splits[split.value]
        image = images[index.value]
        if view.value == "normalized":
            image = data.normalize(image)
        return image, int(labels[index.value])

    def update(_=None):
        image, label = current()
        fig, ax = plt.subplots(figsize=(4.2, 3.6))
        plots.plot_digit(image, label, ax=ax)
        ax.set_title(f"{split.value} image {index.value:,}: label {label}")
        fig.tight_layout()
        show_figure(output, fig, f"{split.value} image {index.value}, label {label}")
        low, high = (
            (f"{image.min():.3f}", f"{image.max():.3f}")
            if image.dtype.kind == "f"
            else (str(image.min()), str(image.max()))
        )
        info.value = (
            f"{split.value} image {index.value:,}: label <b>{label}</b>, "
            f"{image.dtype} pixels from <b>{low}</b> to <b>{high}</b>"
        )

    def change_split(_):
        # Keep the index when the other set has it; otherwise clamp. Redraw once either way.
        with index.hold_trait_notifications():
            index.max = len(splits[split.value][0]) - 1
        update()

    split.observe(change_split, names="value")
    index.observe(update, names="value")
    view.observe(update, names="value")
    update()
    box = LessonWidget(
        "mnist_browser",
        [widgets.HBox([split, view]), index, output, info],
        lambda: f"{split.value} image {index.value}, {view.value} pixels",
    )
    box.split, box.index, box.view, box.output, box.info = split, index, view, output, info
    return box


# --- lesson 07: predictions of the trained model ------------------------------------------------


def prediction_explorer(model_or_predictions, x_test, t_test):
    """Step through the test set: each image beside its 10 predicted probabilities.

    ``model_or_predictions`` is a trained Keras model (it predicts ``x_test`` once) or the array of
    its predictions, one softmax row per test image. With "mistakes only" checked the slider steps
    through the wrongly classified images only.
    Attributes: ``index`` (IntSlider: position in the images shown), ``mistakes_only`` (Checkbox),
    ``output`` (Output holding ``helpers.plots.plot_prediction``'s figure), ``caption`` (HTML)
    and ``shown_index()`` (the test-set index of the image on screen).
    """
    x_test = checks.images(x_test, "x_test")
    t_test = checks.labels(t_test, len(x_test), "t_test")
    if hasattr(model_or_predictions, "predict"):
        predictions = predict(model_or_predictions, x_test)
    else:
        predictions = checks.probability_rows(model_or_predictions, len(x_test), "the predictions for x_test")
    mistakes = np.flatnonzero(predictions.argmax(axis=1) != t_test)
    index = widgets.IntSlider(
        value=0,
        min=0,
        max=len(x_test) - 1,
        description="image",
        continuous_update=False,
        layout=widgets.Layout(width="500px"),
    )
    mistakes_only = widgets.Checkbox(
        value=False,
        description=f"mistakes only ({len(mistakes):,})",
        disabled=len(mistakes) == 0,
        indent=False,
    )
    output = widgets.Output()
    caption = widgets.HTML()

    def shown_index():
        return int(mistakes[index.value]) if mistakes_only.value else index.value

    def update(_=None):
        i = shown_index()
        fig = plots.plot_prediction(x_test[i], predictions[i], int(t_test[i]))
        text = plots.caption(predictions[i], int(t_test[i]))
        show_figure(output, fig, f"test image {i}: {text}")
        text = html.escape(text)  # ">99.9%" is text, not markup
        verdict = "right" if predictions[i].argmax() == t_test[i] else "wrong"
        caption.value = f"test image {i:,}: <b>{text}</b>: <b>{verdict}</b>"

    def toggle(_):
        with index.hold_trait_notifications():
            index.value = 0
            index.max = (len(mistakes) if mistakes_only.value else len(x_test)) - 1
        update()

    index.observe(update, names="value")
    mistakes_only.observe(toggle, names="value")
    update()

    def summary():
        only = ", mistakes only" if mistakes_only.value else ""
        return f"test image {shown_index()} of {len(x_test):,}{only}"

    box = _explorer("prediction_explorer", [index, mistakes_only], output, caption, summary)
    box.index, box.mistakes_only, box.caption, box.shown_index = index, mistakes_only, caption, shown_index
    return box


# --- lesson 10: draw a digit --------------------------------------------------------------------


def drawing_widget(name, summary, board, clear_button, output, info, draw_stroke, clear):
    """The canvas and the pixel pad: the board beside Clear and the prediction's line, the image and
    its probabilities (``output``) below; ``summary`` is the widget's text form."""
    box = LessonWidget(
        name, [widgets.HBox([board, widgets.VBox([clear_button, info])]), output], lambda: summary
    )
    box.clear_button, box.output, box.info = clear_button, output, info
    box.draw_stroke, box.clear = draw_stroke, clear
    return box


def show_drawing_prediction(box, model, image, output, info):
    """Predict ``image`` (28x28, preprocessed) with ``model`` and show it in a drawing widget.

    Sets ``box.preprocessed`` and ``box.probabilities``, draws the image beside the probabilities
    in ``output`` and names the prediction in ``info``: shared by the canvas and the pixel pad.
    """
    probabilities = predict(model, image[None])[0]
    box.preprocessed, box.probabilities = image, probabilities
    fig = plots.plot_prediction(image, probabilities)
    fig.axes[0].set_title("what the model sees (28x28)")
    show_figure(output, fig, "preprocessed drawing and the predicted probabilities")
    predicted = int(np.argmax(probabilities))
    info.value = (
        f"prediction: <b>{predicted}</b> with probability "
        f"<b>{html.escape(plots.percent(probabilities[predicted]))}</b>"
    )


def digit_canvas(model, *, size=280, line_width=22):
    """Draw a digit with the mouse; the model shows its 10 probabilities after every stroke.

    ``model`` is a trained Keras model taking (1, 28, 28) inputs in [0, 1] (or any function that
    maps such a batch to 10 probabilities). Black strokes on a white ``size`` x ``size`` canvas; the
    drawing is kept in Python too (``ink``, 0-1 per pixel), preprocessed with
    ``preprocess_drawing`` and shown beside the prediction (``helpers.plots.plot_prediction``).
    Attributes: ``canvas`` (ipycanvas Canvas), ``clear_button``, ``output``, ``info`` (HTML);
    methods ``draw_stroke(points)`` (draws as the mouse would, then predicts) and ``clear()``;
    after a prediction ``preprocessed`` (28x28) and ``probabilities`` (10 values).
    """
    from ipycanvas import Canvas, hold_canvas  # only this widget needs ipycanvas

    if not 56 <= size <= 1000:
        raise ValueError(f"size must be between 56 and 1000 pixels, got {size!r}.")
    canvas = Canvas(
        width=size,
        height=size,
        layout=widgets.Layout(width=f"{size}px", height=f"{size}px", border="1px solid #777777"),
    )
    canvas.line_width = line_width
    canvas.line_cap = "round"
    canvas.line_join = "round"
    canvas.stroke_style = "black"
    canvas.fill_style = "black"
    clear_button = widgets.Button(description="Clear", icon="eraser")
    output = widgets.Output()
    info = widgets.HTML()
    state = {"ink": np.zeros((size, size), dtype=np.float32), "last": None}

    def paint(start, end):
        draw_line(state["ink"], start, end, line_width)
        with hold_canvas():
            if start == end:
                canvas.fill_circle(end[0], end[1], line_width / 2)
            else:
                canvas.stroke_line(start[0], start[1], end[0], end[1])

    def show_prediction():
        try:
            image = preprocess_drawing(state["ink"], ink="light")
        except EmptyDrawingError as error:
            box.preprocessed = box.probabilities = None
            _show_text(output, str(error))
            info.value = "The canvas is empty: draw a digit with the mouse (a thick stroke works best)."
            return
        show_drawing_prediction(box, model, image, output, info)

    def mouse_down(x, y):
        state["last"] = (x, y)
        paint((x, y), (x, y))

    def mouse_move(x, y):
        if state["last"] is not None:
            paint(state["last"], (x, y))
            state["last"] = (x, y)

    def mouse_up(x, y):
        if state["last"] is not None:
            state["last"] = None
            show_prediction()

    def clear(_=None):
        state["ink"][:] = 0
        state["last"] = None
        canvas.clear()
        show_prediction()

    def draw_stroke(points):
        """Draw one stroke through ``points`` [(x, y), ...] in canvas pixels, then predict."""
        points = [(float(x), float(y)) for x, y in points]
        if not points:
            raise ValueError("a stroke needs at least one (x, y) point.")
        mouse_down(*points[0])
        for point in points[1:]:
            mouse_move(*point)
        mouse_up(*points[-1])

    canvas.on_mouse_down(mouse_down)
    canvas.on_mouse_move(mouse_move)
    canvas.on_mouse_up(mouse_up)
    canvas.on_mouse_out(mouse_up)
    clear_button.on_click(clear)
    summary = f"{size}x{size} canvas, brush {line_width} px"
    box = drawing_widget("digit_canvas", summary, canvas, clear_button, output, info, draw_stroke, clear)
    box.canvas, box.ink = canvas, state["ink"]
    show_prediction()
    return box
