"""A drawing pad built from core ipywidgets only: click squares to draw a digit for the model.

The drawing lesson's canvas (``helpers.widgets.digit_canvas``) is an ipycanvas widget, and Colab
may not show such custom widgets even with its custom widget manager on (googlecolab/colabtools
#4157). Buttons are core ipywidgets, which Colab, JupyterLab and Binder all show, so this pad works
wherever the lessons run: the drawing is a grid of squares, scaled up and preprocessed exactly like
the canvas' drawing (``preprocess_drawing``) before the model sees it.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from helpers.drawing import EmptyDrawingError, preprocess_drawing
from helpers.drawing import draw_stroke as draw_stroke_into
from helpers.widgets import drawing_widget, show_drawing_prediction

INK, PAPER = "#000000", "#ffffff"


def grid_to_drawing(grid, scale=10):
    """Scale a (rows, cols) grid of 0/1 squares up to a drawing of ``scale`` pixels per square."""
    grid = np.asarray(grid, dtype=np.float32)
    if grid.ndim != 2:
        raise ValueError(f"the grid must be 2-D (rows, cols), got shape {grid.shape}.")
    return np.kron(grid, np.ones((scale, scale), dtype=np.float32))


def pixel_pad(model, *, squares=16, square_px=20):
    """Draw a digit by clicking squares; the model shows its 10 probabilities after every click.

    ``model`` is a trained Keras model taking (1, 28, 28) inputs in [0, 1]. Click a square to ink
    it, click again to erase it; **Clear** erases all. Attributes: ``grid`` (squares x squares,
    0/1), ``buttons``, ``output``, ``info``; methods ``draw_stroke(points)`` (inks the squares a
    line through ``points`` [(column, row), ...] crosses, then predicts) and ``clear()``;
    after a prediction ``preprocessed`` (28x28) and ``probabilities`` (10 values).
    """
    if not 8 <= squares <= 40:
        raise ValueError(f"squares must be between 8 and 40, got {squares!r}.")
    grid = np.zeros((squares, squares), dtype=np.float32)
    size = f"{square_px}px"
    # One layout and two styles shared by all the squares: a saved notebook holds a few hundred
    # small widget models instead of three per square.
    layout = widgets.Layout(width=size, height=size, padding="0", margin="0", border="1px solid #dddddd")
    styles = {1.0: widgets.ButtonStyle(button_color=INK), 0.0: widgets.ButtonStyle(button_color=PAPER)}
    buttons = [widgets.Button(layout=layout, style=styles[0.0]) for _ in range(squares * squares)]
    board = widgets.GridBox(
        buttons,
        layout=widgets.Layout(
            grid_template_columns=f"repeat({squares}, {size})", grid_gap="0", width="max-content"
        ),
    )
    clear_button = widgets.Button(description="Clear", icon="eraser")
    output = widgets.Output()
    info = widgets.HTML()

    def paint(index):
        buttons[index].style = styles[float(grid.flat[index])]

    def predict():
        try:
            image = preprocess_drawing(grid_to_drawing(grid), ink="light")
        except EmptyDrawingError:
            box.preprocessed = box.probabilities = None
            info.value = "The pad is empty: click squares to draw a digit (strokes 1-2 squares wide)."
            output.outputs = ()
            return
        show_drawing_prediction(box, model, image, output, info)

    def toggle(index):
        grid.flat[index] = 1.0 - grid.flat[index]
        paint(index)
        predict()

    def clear(_=None):
        grid[:] = 0
        for index in range(grid.size):
            paint(index)
        predict()

    def draw_stroke(points):
        """Ink the squares along a line through ``points`` [(x, y), ...]: column x, row y."""
        points = [(float(x) + 0.5, float(y) + 0.5) for x, y in points]  # square centres
        line = draw_stroke_into(np.zeros_like(grid), points, width=1.0)
        grid[line >= 0.5] = 1.0
        for index in np.flatnonzero(line >= 0.5):
            paint(index)
        predict()

    for index, button in enumerate(buttons):
        button.on_click(lambda _, index=index: toggle(index))
    clear_button.on_click(clear)
    summary = f"{squares}x{squares} squares, click to draw"
    box = drawing_widget("pixel_pad", summary, board, clear_button, output, info, draw_stroke, clear)
    box.grid, box.buttons = grid, buttons
    predict()
    return box
