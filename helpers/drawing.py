"""Turn a drawing into an MNIST-like input with NumPy only: the image processing of the drawing lesson.

MNIST's digits were made in a fixed way (size-normalized to 20x20 keeping the aspect ratio,
anti-aliased, then centred by their centre of mass in a 28x28 field); a drawing reads best to the
trained model when it is made the same way. ``preprocess_drawing`` does that, ``preprocess_steps``
keeps the intermediate images for a figure (``helpers.plots.plot_preprocessing``), and
``draw_stroke`` and ``draw_line`` draw into an array the way a canvas does, so a lesson (or a
test) can make a drawing without a mouse.
"""

from __future__ import annotations

import numpy as np

from helpers.data import IMAGE_SHAPE

BOX = 20  # MNIST's digits fit a 20x20 box inside the 28x28 field
DEFAULT_THRESHOLD = 0.1


class EmptyDrawingError(ValueError):
    """The drawing has no ink: there is no digit to preprocess."""


def preprocess_drawing(drawing, *, ink="auto", threshold=DEFAULT_THRESHOLD):
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
    return preprocess_steps(drawing, ink=ink, threshold=threshold)["input"]


def preprocess_steps(drawing, *, ink="auto", threshold=DEFAULT_THRESHOLD):
    """``preprocess_drawing``'s intermediate results, as a dict.

    ``ink``: the drawing as ink amounts in [0, 1]; ``crop``: the ink box (top, bottom, left,
    right), bottom and right exclusive; ``scaled``: the box scaled to 20 pixels on its longer
    side; ``input``: the final 28x28 float32 image.
    """
    amount = ink_amount(drawing, ink)
    mask = amount > threshold
    if not mask.any():
        raise EmptyDrawingError("The drawing is empty: there is no ink to read. Draw a digit first.")
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    crop = (int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1)
    box = amount[crop[0] : crop[1], crop[2] : crop[3]]
    h, w = box.shape
    scale = BOX / max(h, w)
    # The longer side becomes exactly BOX pixels (rounding could make it 19 or 21).
    size = tuple(BOX if side == max(h, w) else max(1, round(side * scale)) for side in (h, w))
    small = np.clip(resize(box, *size), 0, 1)
    centre = (
        np.array([np.arange(size[0]) @ small.sum(axis=1), np.arange(size[1]) @ small.sum(axis=0)])
        / small.sum()
    )
    middle = (np.array(IMAGE_SHAPE) - 1) / 2  # 13.5: between the two middle pixels
    top, left = np.clip(np.round(middle - centre), 0, np.array(IMAGE_SHAPE) - size).astype(int)
    field = np.zeros(IMAGE_SHAPE, dtype=np.float64)
    field[top : top + size[0], left : left + size[1]] = small
    return {"ink": amount, "crop": crop, "scaled": small, "input": (field / field.max()).astype(np.float32)}


def ink_amount(drawing, ink="auto"):
    """Grayscale ink intensity in [0, 1] (1 = full ink) of a gray or RGB(A) drawing.

    ``ink`` is 'auto' (the border is taken as the background), 'dark' or 'light'.
    """
    array = np.asarray(drawing)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"the drawing must be an array of numbers, got dtype {array.dtype}.")
    # Integers are 0-255; floats above 1 are too, floats up to 1 are already 0-1.
    scale = 255.0 if array.dtype.kind in "iu" or (array.size and array.max() > 1) else 1.0
    if array.ndim == 3 and array.shape[2] in (3, 4):
        rgba = array.astype(np.float64) / scale
        gray = rgba[..., :3] @ np.array([0.299, 0.587, 0.114])  # ITU-R 601 luma
        if array.shape[2] == 4:  # composite over white paper: a transparent pixel is background
            alpha = rgba[..., 3]
            gray = alpha * gray + (1 - alpha)
    elif array.ndim == 2:
        gray = array.astype(np.float64) / scale
    else:
        raise ValueError(
            "the drawing must be a gray (height, width) or RGB(A) (height, width, 3|4) "
            f"image, got shape {array.shape}."
        )
    if gray.shape[0] < 2 or gray.shape[1] < 2:
        raise ValueError(f"the drawing must be at least 2x2 pixels, got {gray.shape[:2]}.")
    if np.any(gray < 0) or np.any(gray > 1):
        raise ValueError("pixel values must be in 0-255 (integers) or 0-1 (floats).")
    if ink == "auto":  # a bright border means dark ink on paper
        border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
        ink = "dark" if np.median(border) > 0.5 else "light"
    if ink == "dark":
        return 1.0 - gray
    if ink == "light":
        return gray
    raise ValueError(f"ink must be 'auto', 'dark' or 'light', got {ink!r}.")


def resize(image, height, width):
    """Resize a 2-D array to (height, width) by area averaging (anti-aliased when shrinking)."""
    image = np.asarray(image, dtype=np.float64)
    return _area_weights(image.shape[0], height) @ image @ _area_weights(image.shape[1], width).T


def _area_weights(source, target):
    """(target, source) matrix averaging source pixels into target pixels by overlapping area."""
    edges = np.linspace(0, source, target + 1)
    lo, hi = edges[:-1, None], edges[1:, None]
    pixels = np.arange(source)[None, :]
    overlap = np.clip(np.minimum(hi, pixels + 1) - np.maximum(lo, pixels), 0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def draw_stroke(image, points, width):
    """Draw a stroke through ``points`` [(x, y), ...] into ``image``, in place, as a mouse drag would.

    One point makes a dot. Returns ``image``.
    """
    points = list(points)
    if not points:
        raise ValueError("a stroke needs at least one (x, y) point.")
    for start, end in zip(points, points[1:] or points):
        draw_line(image, start, end, width)
    return image


def draw_line(image, start, end, width):
    """Draw an anti-aliased line of ``width`` pixels with round ends into ``image`` (ink 0-1), in place.

    ``start`` and ``end`` are (x, y) points in pixels (x to the right, y down, as on a canvas).
    Returns ``image``.
    """
    (x0, y0), (x1, y1) = start, end
    radius = width / 2
    height, width_px = image.shape
    # Only the pixels near the segment can change: work on that window.
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
    coverage = np.clip(radius + 0.5 - distance, 0, 1)  # a one-pixel soft edge: anti-aliasing
    np.maximum(image[r0:r1, c0:c1], coverage, out=image[r0:r1, c0:c1])
    return image
