"""Shared fixtures: the real MNIST arrays, loaded once per test process."""

import os
from pathlib import Path

import pytest

from helpers.environment import quiet_tensorflow

# Test processes, and the kernels nbval starts from them, stay as quiet as the notebooks: set
# before anything imports TensorFlow.
quiet_tensorflow()

# `make test` sets DLA_SEED_SHIFT: the kernels nbval starts from here (and the programs tests start)
# then import tests/shifted_seed's sitecustomize, which shifts Keras' seed. This process keeps its own.
if os.environ.get("DLA_SEED_SHIFT", "0") != "0":
    shifted = str(Path(__file__).resolve().parent / "shifted_seed")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [shifted, os.environ.get("PYTHONPATH")]))


@pytest.fixture(scope="session")
def mnist():
    """((x_train, t_train), (x_test, t_test)) from helpers.data.load_mnist()."""
    from helpers.data import load_mnist

    return load_mnist()


@pytest.fixture
def no_figures_left():
    """Close every matplotlib figure a test opened."""
    import matplotlib.pyplot as plt

    yield
    plt.close("all")
