"""helpers.drawing: a drawing becomes an MNIST-like input (cropped, scaled to 20 px, centred)."""

import numpy as np
import pytest

from helpers import drawing

SEVEN = [(60, 50), (220, 50), (130, 250)]
ONE_IN_A_CORNER = [(30, 20), (40, 120)]
DASH = [(40, 200), (250, 215)]


def stroke_image(points, size=280, width=22):
    return drawing.draw_stroke(np.zeros((size, size)), points, width)


def centre_of_mass(image):
    rows, cols = np.indices(image.shape)
    return np.array([(rows * image).sum(), (cols * image).sum()]) / image.sum()


def ink_box(image):
    rows, cols = np.nonzero(image)
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


@pytest.mark.parametrize("points", [SEVEN, ONE_IN_A_CORNER, DASH])
def test_preprocess_centres_scales_and_normalizes(points):
    image = drawing.preprocess_drawing(stroke_image(points))
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert image.min() >= 0 and image.max() == 1
    assert np.all(np.abs(centre_of_mass(image) - 13.5) <= 1.0)
    assert max(ink_box(image)) == drawing.BOX == 20


def test_steps_crop_to_the_ink_keep_the_aspect_ratio_and_end_in_the_input():
    ink = stroke_image(DASH)
    steps = drawing.preprocess_steps(ink)
    rows, cols = np.nonzero(ink > drawing.DEFAULT_THRESHOLD)
    assert steps["crop"] == (rows.min(), rows.max() + 1, cols.min(), cols.max() + 1)
    assert np.array_equal(steps["input"], drawing.preprocess_drawing(ink))
    # The dash is about 232 x 37 px with its round ends: 20 px wide, about 3 px high.
    height, width = ink_box(steps["input"])
    assert width == 20 and 3 <= height <= 4


def test_preprocess_reads_rgba_and_either_ink_colour():
    ink = stroke_image(SEVEN)
    expected = drawing.preprocess_drawing(ink)
    # Black ink on a transparent canvas (what a browser canvas gives) ...
    rgba = np.zeros(ink.shape + (4,), dtype=np.uint8)
    rgba[..., 3] = np.round(ink * 255).astype(np.uint8)
    assert np.allclose(drawing.preprocess_drawing(rgba), expected, atol=0.02)
    # ... black ink on white paper, and white ink on black like MNIST.
    paper = np.round((1 - ink) * 255).astype(np.uint8)
    assert np.allclose(drawing.preprocess_drawing(paper), expected, atol=0.02)
    assert np.allclose(drawing.preprocess_drawing(255 - paper), expected, atol=0.02)


@pytest.mark.parametrize(
    "bad, kwargs, message",
    [
        (np.zeros((280, 280)), {}, "empty.*Draw a digit"),
        (np.zeros((280, 280, 4), dtype=np.uint8), {}, "empty"),  # a transparent canvas
        (np.zeros((5, 5, 2)), {}, "shape"),
        (np.full((10, 10), -3.0), {}, "0-255"),
        (np.array([["a", "b"], ["c", "d"]]), {}, "numbers"),
        (np.zeros((1, 40)), {}, "at least 2x2"),
        (stroke_image(SEVEN), {"ink": "blue"}, "ink must be"),
    ],
)
def test_preprocess_checks_its_input(bad, kwargs, message):
    with pytest.raises(ValueError, match=message):
        drawing.preprocess_drawing(bad, **kwargs)


def test_resize_preserves_the_mean():
    image = np.random.default_rng(1).random((37, 91))
    small = drawing.resize(image, 9, 20)
    assert small.shape == (9, 20)
    assert np.isclose(small.mean(), image.mean())


def test_a_stroke_is_its_segments_and_a_point_is_a_dot():
    by_segments = np.zeros((100, 100))
    for start, end in zip(SEVEN[:2], SEVEN[1:3]):
        drawing.draw_line(by_segments, np.divide(start, 3), np.divide(end, 3), 5)
    stroke = drawing.draw_stroke(np.zeros((100, 100)), [np.divide(p, 3) for p in SEVEN], 5)
    assert np.array_equal(stroke, by_segments)
    dot = drawing.draw_stroke(np.zeros((20, 20)), [(10, 10)], 6)
    assert dot[10, 10] == 1 and dot.sum() == pytest.approx(np.pi * 3**2, rel=0.15)
    with pytest.raises(ValueError, match="at least one"):
        drawing.draw_stroke(np.zeros((20, 20)), [], 6)
