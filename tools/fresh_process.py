"""Call a function in a new Python process, which starts as a lesson's kernel does: TensorFlow not loaded."""

import multiprocessing
import multiprocessing.spawn
import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import resource_tracker


def _set_environment(env):
    os.environ.update(env)


def call(function, *args, env=None, python=None):
    """``function(*args)`` in a new process, ``env`` added to its environment first; its return value.

    The process is spawned, not forked, so it starts without this one's TensorFlow, threads and
    memory; its environment must be set before it imports TensorFlow, which reads its settings once.
    ``python`` is the interpreter to spawn (default: this one's). An exception there is raised here.
    """
    spawn = multiprocessing.get_context("spawn")
    default = multiprocessing.spawn.get_executable()
    if python:
        # The resource tracker starts with the interpreter set at its first use: this one's.
        resource_tracker.ensure_running()
        spawn.set_executable(python)  # multiprocessing keeps it module-wide: restored below
    try:
        with ProcessPoolExecutor(1, spawn, initializer=_set_environment, initargs=(env or {},)) as pool:
            return pool.submit(function, *args).result()
    finally:
        if python:
            spawn.set_executable(default)
