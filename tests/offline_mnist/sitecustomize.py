"""Started with the post's script by tests/test_full_code_script.py: MNIST without the internet.

The script calls ``keras.datasets.mnist.load_data()``, which downloads MNIST the first time. Test
machines have no internet, and the course's shared copy (``$MNIST_NPZ``) cannot stand in for
Keras' cached file: Keras checks the whole file against the sha256 of its own download, and the
shared ``mnist.npz`` is a different file (another zip of the same four arrays), so Keras would
reject it and try to download again.
Python imports ``sitecustomize`` from ``PYTHONPATH`` at start-up; this one replaces
``load_data`` by ``helpers.data.load_mnist``, which reads ``$MNIST_NPZ`` and verifies that the
four arrays are the canonical MNIST (the same arrays ``load_data`` returns). Nothing else of the
script is touched. Without ``MNIST_NPZ`` it does nothing and Keras downloads as usual.

``OFFLINE_MNIST_TRAIN_IMAGES=N`` hands the script only the first N training images (the test set
stays whole): the test checks that the copied script runs, while lesson 09 itself checks the
accuracy of the full run, so the test need not repeat those 60,000-image epochs.
"""

import os

if os.environ.get("MNIST_NPZ"):
    import keras.datasets.mnist

    from helpers.data import load_mnist

    def load_data():
        (x_train, t_train), test = load_mnist()
        keep = int(os.environ.get("OFFLINE_MNIST_TRAIN_IMAGES", len(x_train)))
        return (x_train[:keep], t_train[:keep]), test

    keras.datasets.mnist.load_data = load_data
