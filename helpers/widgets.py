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

``preprocess_drawing()`` turns a drawing into a 28x28 MNIST-like input with NumPy only (``draw_line``
draws strokes into an array, ``plot_preprocessing`` shows the steps); the ``digit_canvas()`` widget
of lesson 09 uses it.
"""

from __future__ import annotations

import base64
import io

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from helpers import activations, data, plots

DPI = 80
NUM_CLASSES = 10


class LessonWidget(widgets.VBox):
    """A ``VBox`` whose text form is a short summary of what it shows (deterministic for nbval)."""

    def __init__(self, name, children, summary):
        super().__init__(children=children)
        self._name = name
        self._summary = summary

    def __repr__(self):
        return f"{self._name}: {self._summary()}"


def _png_output(fig, text):
    """Render ``fig`` to a PNG display output for an ``Output`` widget, then close it."""
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    finally:
        plt.close(fig)
    bundle = {"image/png": base64.b64encode(buffer.getvalue()).decode("ascii"), "text/plain": text}
    return {"output_type": "display_data", "data": bundle, "metadata": {}}


def _show(output, fig, text):
    """Replace what ``output`` shows with ``fig`` (one assignment: no flicker, nothing appended)."""
    output.outputs = (_png_output(fig, text),)


def _show_text(output, text):
    output.outputs = ({"output_type": "stream", "name": "stdout", "text": text + "\n"},)


# --- lesson 01: activation functions ------------------------------------------------------------

ACTIVATIONS = {
    "relu": (activations.relu, activations.relu_derivative),
    "sigmoid": (activations.sigmoid, activations.sigmoid_derivative),
    "tanh": (activations.tanh, activations.tanh_derivative),
}


def activation_explorer(function="relu", x_range=(-5.0, 5.0)):
    """Choose an activation function and an input range; the function and its derivative redraw.

    Attributes of the returned container: ``function`` (Dropdown: relu, sigmoid, tanh),
    ``x_range`` (FloatRangeSlider), ``output`` (Output holding the figure) and ``info`` (HTML:
    the largest value of the derivative on the range).
    """
    if function not in ACTIVATIONS:
        raise ValueError(f"function must be one of {', '.join(ACTIVATIONS)}, got {function!r}.")
    low, high = map(float, x_range)
    if not -10 <= low < high <= 10:
        raise ValueError(f"x_range must be (low, high) with -10 <= low < high <= 10, got {x_range!r}.")
    chooser = widgets.Dropdown(options=list(ACTIVATIONS), value=function, description="function")
    span = widgets.FloatRangeSlider(value=(low, high), min=-10.0, max=10.0, step=0.5,
                                    description="x range", readout_format=".1f",
                                    continuous_update=False, layout=widgets.Layout(width="420px"))
    output = widgets.Output()
    info = widgets.HTML()

    def update(_=None):
        name = chooser.value
        f, derivative = ACTIVATIONS[name]
        lo, hi = span.value
        x = np.linspace(lo, hi, 201)
        fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
        left.plot(x, f(x), color="tab:blue")
        left.set_title(f"{name}(x)")
        right.plot(x, derivative(x), color="tab:orange")
        right.set_title(f"{name}'(x)  (derivative)")
        for ax in (left, right):
            ax.set_xlabel("x")
            ax.set_xlim(lo, hi)
            ax.axhline(0.0, color="grey", linewidth=0.8)
            if lo < 0 < hi:
                ax.axvline(0.0, color="grey", linestyle="--", alpha=0.8)
            ax.grid(alpha=0.3)
        fig.tight_layout()
        _show(output, fig, f"{name} and its derivative on [{lo:.1f}, {hi:.1f}]")
        info.value = (f"largest derivative of <b>{name}</b> on [{lo:.1f}, {hi:.1f}]: "
                      f"<b>{np.max(derivative(x)):.3f}</b>")

    chooser.observe(update, names="value")
    span.observe(update, names="value")
    update()
    box = LessonWidget("activation_explorer", [widgets.HBox([chooser, span]), output, info],
                       lambda: f"{chooser.value} on [{span.value[0]:.1f}, {span.value[1]:.1f}]")
    box.function, box.x_range, box.output, box.info = chooser, span, output, info
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
    sliders = [widgets.FloatSlider(value=z, min=-5.0, max=5.0, step=0.1, description=f"z{i}",
                                   readout_format=".1f", continuous_update=False)
               for i, z in enumerate(logits)]
    heat = widgets.FloatSlider(value=temperature, min=0.1, max=5.0, step=0.1,
                               description="T", readout_format=".1f", continuous_update=False)
    output = widgets.Output()
    total = widgets.HTML()

    def update(_=None):
        z = np.array([s.value for s in sliders])
        t = heat.value
        p = activations.softmax(z / t)
        fig, ax = plt.subplots(figsize=(5.5, 3.2))
        bars = ax.bar([f"z{i}" for i in range(5)], p, color=plots.GREY)
        bars[int(np.argmax(p))].set_color(plots.RED)
        for i, value in enumerate(p):
            ax.text(i, value + 0.02, f"{value:.2f}", ha="center", fontsize=9)
        ax.set_ylim(0, 1.1)
        ax.set_xlabel("logit")
        ax.set_ylabel("probability")
        ax.set_title(f"softmax(z / T), T = {t:.1f}")
        fig.tight_layout()
        _show(output, fig, f"softmax probabilities at T = {t:.1f}")
        total.value = f"sum of the probabilities: <b>{p.sum():.3f}</b>"

    for slider in (*sliders, heat):
        slider.observe(update, names="value")
    update()
    box = LessonWidget("softmax_explorer",
                       [widgets.HBox([widgets.VBox(sliders), widgets.VBox([heat, total])]), output],
                       lambda: "logits " + ", ".join(f"{s.value:.1f}" for s in sliders)
                       + f"; T = {heat.value:.1f}")
    box.logits, box.temperature, box.output, box.total = sliders, heat, output, total
    return box


# --- lesson 03: the MNIST data set --------------------------------------------------------------

def _check_split(images, labels, name):
    images, labels = np.asarray(images), np.asarray(labels)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) == 0:
        raise ValueError(f"x_{name} must be a non-empty stack of 28x28 images, got {images.shape}.")
    if images.dtype != np.uint8:
        raise ValueError(f"x_{name} must hold the raw uint8 pixels (0-255) of load_mnist(), "
                         f"got dtype {images.dtype}: the browser normalizes them itself.")
    if labels.shape != (len(images),):
        raise ValueError(f"t_{name} must hold one digit per image, shape ({len(images)},), "
                         f"got {labels.shape}.")
    return images, labels


def mnist_browser(x_train, t_train, x_test, t_test):
    """Browse MNIST: train/test toggle, index slider, raw (0-255) or normalized (0-1) pixels.

    Pass the raw uint8 arrays of ``helpers.data.load_mnist()``. The image, its label and the range
    of its pixel values update with the controls.
    Attributes: ``split`` (ToggleButtons: train, test), ``index`` (IntSlider), ``view``
    (ToggleButtons: raw, normalized), ``output`` (Output holding the image) and ``info`` (HTML).
    """
    splits = {"train": _check_split(x_train, t_train, "train"),
              "test": _check_split(x_test, t_test, "test")}
    split = widgets.ToggleButtons(options=["train", "test"], value="train", description="set")
    index = widgets.IntSlider(value=0, min=0, max=len(splits["train"][0]) - 1,
                              description="index", continuous_update=False,
                              layout=widgets.Layout(width="600px"))
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
        _show(output, fig, f"{split.value} image {index.value}, label {label}")
        low, high = (f"{image.min():.3f}", f"{image.max():.3f}") if image.dtype.kind == "f" \
            else (str(image.min()), str(image.max()))
        info.value = (f"{split.value} image {index.value:,}: label <b>{label}</b>, "
                      f"{image.dtype} pixels from <b>{low}</b> to <b>{high}</b>")

    def change_split(_):
        # Keep the index when the other set has it; otherwise clamp. Redraw once either way.
        with index.hold_trait_notifications():
            index.max = len(splits[split.value][0]) - 1
        update()

    split.observe(change_split, names="value")
    index.observe(update, names="value")
    view.observe(update, names="value")
    update()
    box = LessonWidget("mnist_browser", [widgets.HBox([split, view]), index, output, info],
                       lambda: f"{split.value} image {index.value}, {view.value} pixels")
    box.split, box.index, box.view, box.output, box.info = split, index, view, output, info
    return box


# --- lesson 07: predictions of the trained model ------------------------------------------------

def _predictions(model_or_predictions, x_test):
    if hasattr(model_or_predictions, "predict"):
        return np.asarray(model_or_predictions.predict(x_test, verbose=0))
    predictions = np.asarray(model_or_predictions)
    if predictions.shape != (len(x_test), NUM_CLASSES):
        raise ValueError(
            f"pass a Keras model or its predictions for x_test, shape ({len(x_test)}, 10); "
            f"got shape {predictions.shape}.")
    return predictions


def prediction_explorer(model_or_predictions, x_test, t_test):
    """Step through the test set: each image beside its 10 predicted probabilities.

    ``model_or_predictions`` is a trained Keras model (it predicts ``x_test`` once) or the array of
    its predictions, one softmax row per test image. With "mistakes only" checked the slider steps
    through the wrongly classified images only.
    Attributes: ``index`` (IntSlider: position in the images shown), ``mistakes_only`` (Checkbox),
    ``output`` (Output holding ``helpers.plots.plot_prediction``'s figure), ``caption`` (HTML)
    and ``shown_index()`` (the test-set index of the image on screen).
    """
    x_test = plots._images(x_test, "x_test")
    t_test = plots._labels(t_test, len(x_test), "t_test")
    predictions = plots._probabilities(_predictions(model_or_predictions, x_test), "predictions")
    mistakes = np.flatnonzero(predictions.argmax(axis=1) != t_test)
    index = widgets.IntSlider(value=0, min=0, max=len(x_test) - 1, description="image",
                              continuous_update=False, layout=widgets.Layout(width="500px"))
    mistakes_only = widgets.Checkbox(value=False, description=f"mistakes only ({len(mistakes):,})",
                                     disabled=len(mistakes) == 0, indent=False)
    output = widgets.Output()
    caption = widgets.HTML()

    def shown_index():
        return int(mistakes[index.value]) if mistakes_only.value else index.value

    def update(_=None):
        i = shown_index()
        fig = plots.plot_prediction(x_test[i], predictions[i], int(t_test[i]))
        text = plots.caption(predictions[i], int(t_test[i]))
        _show(output, fig, f"test image {i}: {text}")
        verdict = "right" if predictions[i].argmax() == t_test[i] else "wrong"
        caption.value = (f"test image {i:,}: <b>{text}</b> (predicted digit, its probability, "
                         f"true digit): <b>{verdict}</b>")

    def toggle(_):
        with index.hold_trait_notifications():
            index.value = 0
            index.max = (len(mistakes) if mistakes_only.value else len(x_test)) - 1
        update()

    index.observe(update, names="value")
    mistakes_only.observe(toggle, names="value")
    update()
    box = LessonWidget("prediction_explorer", [widgets.HBox([index, mistakes_only]), output, caption],
                       lambda: f"test image {shown_index()} of {len(x_test):,}"
                               + (", mistakes only" if mistakes_only.value else ""))
    box.index, box.mistakes_only, box.output, box.caption = index, mistakes_only, output, caption
    box.shown_index = shown_index
    return box


# --- lesson 09: draw a digit --------------------------------------------------------------------

class EmptyDrawingError(ValueError):
    """The drawing has no ink: there is no digit to preprocess."""


def _ink(drawing, ink):
    """Grayscale ink intensity in [0, 1] (1 = full ink) from a gray or RGB(A) image."""
    array = np.asarray(drawing)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"the drawing must be an array of numbers, got dtype {array.dtype}.")
    if array.ndim == 3 and array.shape[2] in (3, 4):
        scale = 255.0 if array.dtype.kind in "iu" or array.max() > 1 else 1.0
        rgba = array.astype(np.float64) / scale
        gray = rgba[..., :3] @ np.array([0.299, 0.587, 0.114])  # ITU-R 601 luma
        if array.shape[2] == 4:  # composite over white paper: a transparent pixel is background
            alpha = rgba[..., 3]
            gray = alpha * gray + (1 - alpha)
    elif array.ndim == 2:
        scale = 255.0 if array.dtype.kind in "iu" or array.max() > 1 else 1.0
        gray = array.astype(np.float64) / scale
    else:
        raise ValueError("the drawing must be a gray (height, width) or RGB(A) (height, width, 3|4) "
                         f"image, got shape {array.shape}.")
    if gray.shape[0] < 2 or gray.shape[1] < 2:
        raise ValueError(f"the drawing must be at least 2x2 pixels, got {gray.shape[:2]}.")
    if np.any(gray < 0) or np.any(gray > 1):
        raise ValueError("pixel values must be in 0-255 (integers) or 0-1 (floats).")
    if ink == "auto":  # the border is background: bright border means dark ink on paper
        border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
        ink = "dark" if np.median(border) > 0.5 else "light"
    if ink == "dark":
        return 1.0 - gray
    if ink == "light":
        return gray
    raise ValueError(f"ink must be 'auto', 'dark' or 'light', got {ink!r}.")


def _resample_matrix(source, target):
    """(target, source) matrix averaging source pixels into target pixels by overlapping area."""
    edges = np.linspace(0, source, target + 1)
    lo, hi = edges[:-1, None], edges[1:, None]
    pixels = np.arange(source)[None, :]
    overlap = np.clip(np.minimum(hi, pixels + 1) - np.maximum(lo, pixels), 0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def resize(image, height, width):
    """Resize a 2-D array to (height, width) by area averaging (anti-aliased when shrinking)."""
    image = np.asarray(image, dtype=np.float64)
    return _resample_matrix(image.shape[0], height) @ image @ _resample_matrix(image.shape[1], width).T


def preprocess_drawing(drawing, *, ink="auto", threshold=0.1):
    """Turn a drawing into a 28x28 float32 MNIST-like input, the way MNIST's digits were made.

    1. Grayscale: ``drawing`` is a gray (H, W) or RGB(A) (H, W, 3|4) image, integers 0-255 or
       floats 0-1. ``ink='auto'`` takes the colour of the border as the background (dark ink on
       white paper, or light ink on black like MNIST); ``'dark'`` or ``'light'`` says it.
    2. Crop to the bounding box of the ink (pixels with ink above ``threshold``).
    3. Scale so that the longer side is 20 pixels, keeping the aspect ratio (area averaging, which
       anti-aliases like MNIST's grey edges).
    4. Paste into a 28x28 field so that the centre of mass of the ink is at the centre (13.5,
       13.5), to the nearest pixel (the box is kept inside the field).
    5. Scale to [0, 1], ink = 1, as float32: what ``helpers.data.normalize`` gives for MNIST.

    Raises ``EmptyDrawingError`` (a ``ValueError``) when there is no ink.
    """
    return _preprocess_steps(drawing, ink, threshold)["input"]


def _preprocess_steps(drawing, ink, threshold):
    amount = _ink(drawing, ink)
    mask = amount > threshold
    if not mask.any():
        raise EmptyDrawingError("The drawing is empty: there is no ink to read. Draw a digit first.")
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    crop = (rows[0], rows[-1] + 1, cols[0], cols[-1] + 1)
    box = amount[crop[0]:crop[1], crop[2]:crop[3]]
    h, w = box.shape
    scale = 20 / max(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    size = tuple(20 if side == max(h, w) else s for side, s in zip((h, w), size))
    small = np.clip(resize(box, *size), 0, 1)
    centre = (np.array([np.arange(size[0]) @ small.sum(axis=1),
                        np.arange(size[1]) @ small.sum(axis=0)]) / small.sum())
    top, left = (np.clip(np.round(13.5 - centre), 0, 28 - np.array(size))).astype(int)
    field = np.zeros((28, 28), dtype=np.float64)
    field[top:top + size[0], left:left + size[1]] = small
    return {"ink": amount, "crop": crop, "scaled": small,
            "input": (field / field.max()).astype(np.float32)}


def plot_preprocessing(drawing, *, ink="auto"):
    """Figure of ``preprocess_drawing``'s steps: drawing with its ink box, 20-pixel scaled, 28x28 input.

    The last panel marks the centre of the field (13.5, 13.5) and the centre of mass of the ink.
    Returns the figure (the caller shows it, then it is closed by ``plt.show()``).
    """
    steps = _preprocess_steps(drawing, ink, 0.1)
    top, bottom, left, right = steps["crop"]
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.6))
    axes[0].imshow(steps["ink"], cmap=plt.cm.binary, vmin=0, vmax=1)
    axes[0].add_patch(plt.Rectangle((left - 0.5, top - 0.5), right - left, bottom - top,
                                    fill=False, edgecolor=plots.RED, linewidth=1.5))
    axes[0].set_title(f"1. drawing {steps['ink'].shape[1]}x{steps['ink'].shape[0]}, ink box")
    axes[1].imshow(steps["scaled"], cmap=plt.cm.binary, vmin=0, vmax=1)
    height, width = steps["scaled"].shape
    axes[1].set_title(f"2. box scaled to {width}x{height}")
    image = steps["input"]
    axes[2].imshow(image, cmap=plt.cm.binary, vmin=0, vmax=1)
    rows, cols = np.indices(image.shape)
    mass = image.sum()
    axes[2].plot((cols * image).sum() / mass, (rows * image).sum() / mass, "x", color=plots.RED,
                 markersize=10, label="centre of mass")
    axes[2].axhline(13.5, color=plots.BLUE, linewidth=0.8)
    axes[2].axvline(13.5, color=plots.BLUE, linewidth=0.8, label="centre of the field")
    axes[2].legend(loc="lower center", bbox_to_anchor=(0.5, -0.3), fontsize=8, ncol=2)
    axes[2].set_title("3. 28x28 input, centred by mass")
    for ax in axes:
        ax.set_xlabel("column")
        ax.set_ylabel("row")
    fig.tight_layout()
    return fig


def draw_line(image, start, end, width):
    """Draw an anti-aliased line of ``width`` pixels with round ends into ``image`` (ink 0-1), in place.

    ``start`` and ``end`` are (x, y) points in pixels (x to the right, y down, as on a canvas).
    """
    (x0, y0), (x1, y1) = start, end
    radius = width / 2
    height, width_px = image.shape
    r0 = max(int(np.floor(min(y0, y1) - radius - 1)), 0)
    r1 = min(int(np.ceil(max(y0, y1) + radius + 1)), height)
    c0 = max(int(np.floor(min(x0, x1) - radius - 1)), 0)
    c1 = min(int(np.ceil(max(x0, x1) + radius + 1)), width_px)
    if r0 >= r1 or c0 >= c1:
        return image
    ys, xs = np.mgrid[r0:r1, c0:c1] + 0.5  # pixel centres
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    t = np.zeros_like(xs) if length2 == 0 else np.clip(((xs - x0) * dx + (ys - y0) * dy) / length2, 0, 1)
    distance = np.hypot(xs - (x0 + t * dx), ys - (y0 + t * dy))
    coverage = np.clip(radius + 0.5 - distance, 0, 1)
    np.maximum(image[r0:r1, c0:c1], coverage, out=image[r0:r1, c0:c1])
    return image


def _model_probabilities(model, image):
    batch = image[None]
    if hasattr(model, "predict"):
        probabilities = model.predict(batch, verbose=0)
    else:
        probabilities = model(batch)
    probabilities = np.asarray(probabilities, dtype=np.float64).reshape(-1)
    if probabilities.shape != (NUM_CLASSES,):
        raise ValueError(f"the model must output 10 probabilities, got shape {probabilities.shape}.")
    return probabilities


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
    canvas = Canvas(width=size, height=size,
                    layout=widgets.Layout(width=f"{size}px", height=f"{size}px",
                                          border="1px solid #777777"))
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

    def predict():
        try:
            image = preprocess_drawing(state["ink"], ink="light")
        except EmptyDrawingError as error:
            box.preprocessed = box.probabilities = None
            _show_text(output, str(error))
            info.value = "The canvas is empty: draw a digit with the mouse (a thick stroke works best)."
            return
        probabilities = _model_probabilities(model, image)
        box.preprocessed, box.probabilities = image, probabilities
        fig = plots.plot_prediction(image, probabilities)
        fig.axes[0].set_title("what the model sees (28x28)")
        _show(output, fig, "preprocessed drawing and the predicted probabilities")
        predicted = int(np.argmax(probabilities))
        info.value = (f"prediction: <b>{predicted}</b> with probability "
                      f"<b>{probabilities[predicted]:.0%}</b>")

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
            predict()

    def clear(_=None):
        state["ink"][:] = 0
        state["last"] = None
        canvas.clear()
        predict()

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
    box = LessonWidget("digit_canvas",
                       [widgets.HBox([canvas, widgets.VBox([clear_button, info])]), output],
                       lambda: f"{size}x{size} canvas, brush {line_width} px")
    box.canvas, box.clear_button, box.output, box.info = canvas, clear_button, output, info
    box.draw_stroke, box.clear = draw_stroke, clear
    box.ink = state["ink"]
    predict()
    return box
