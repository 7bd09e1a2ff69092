"""Shared fixtures: the real MNIST arrays, loaded once per test process."""

import pytest

from helpers.environment import quiet_tensorflow

# Test processes, and the kernels nbval starts from them, stay as quiet as the notebooks: set
# before anything imports TensorFlow.
quiet_tensorflow()


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
