"""Shared fixtures: the real MNIST arrays, loaded once per test process."""

import os

import pytest

# Test processes stay as quiet as the notebooks: set before anything imports TensorFlow.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


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
