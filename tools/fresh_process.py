"""Call a function in a new Python process, which starts as a lesson's kernel does: TensorFlow not loaded."""

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor


def _set_environment(env):
    os.environ.update(env)


def call(function, *args, env=None):
    """``function(*args)`` in a new process, ``env`` added to its environment first; its return value.

    The process is spawned, not forked, so it starts without this one's TensorFlow, threads and
    memory; its environment must be set before it imports TensorFlow, which reads its settings once.
    An exception there is raised here.
    """
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, spawn, initializer=_set_environment, initargs=(env or {},)) as pool:
        return pool.submit(function, *args).result()
