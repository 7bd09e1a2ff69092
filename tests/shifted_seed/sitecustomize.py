"""Started by `make test-seed` in every notebook kernel: Keras trains with another seed.

Lessons fix their seed with ``keras.utils.set_random_seed(42)``; on one kind of CPU that gives the
same weights every time, on another kind different ones. The stored outputs must pass strict
nbval on any CPU, so this shifts the seed that decides the initial weights and the batches' order
by ``DLA_SEED_SHIFT``, moving the weights as another CPU would: what nbval still compares digit
for digit must not depend on them. NumPy keeps the lesson's seed, because its draws are the same
on every CPU (lesson 04's random logits stay as stored).

Python imports ``sitecustomize`` from ``PYTHONPATH`` at start-up, before the kernel has set up
matplotlib, so nothing is imported here: the shift is put in when Keras itself loads the
function, and every alias (``keras.utils``, ``tensorflow.keras.utils``) takes the shifted one.
Without ``DLA_SEED_SHIFT`` this does nothing.
"""

import importlib.abc
import importlib.util
import os
import random
import sys

SHIFT = int(os.environ.get("DLA_SEED_SHIFT", "0"))
MODULE = "keras.src.utils.rng_utils"


def shift_seeds(module):
    lesson_seed = module.set_random_seed

    def set_random_seed(seed):
        lesson_seed(seed)
        # Keras draws initial weights from Python's random module and shuffles with TensorFlow's.
        random.seed(seed + SHIFT)
        if "tensorflow" in sys.modules:
            sys.modules["tensorflow"].random.set_seed(seed + SHIFT)

    module.set_random_seed = set_random_seed


class ShiftWhenLoaded(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != MODULE:
            return None
        sys.meta_path.remove(self)  # find the real module, not this finder again
        spec = importlib.util.find_spec(name)
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            shift_seeds(module)

        spec.loader.exec_module = exec_module
        return spec


if SHIFT:
    sys.meta_path.insert(0, ShiftWhenLoaded())
