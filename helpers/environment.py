"""The course's TensorFlow settings: one home for every kernel, test and tool that imports TensorFlow.

They only take effect when set before TensorFlow is imported.
"""

import os

TF_ENV = {
    # TensorFlow's C++ log lines (INFO, WARNING, ERROR) stay out of notebooks and test output.
    "TF_CPP_MIN_LOG_LEVEL": "3",
    # oneDNN off: with it on, importing TensorFlow prints a line that no log level suppresses, and
    # it would land in every lesson. The price is about 5-10 % more training time on a CPU.
    "TF_ENABLE_ONEDNN_OPTS": "0",
}


def quiet_tensorflow(environ=None):
    """Set each of ``TF_ENV`` in ``environ`` (default ``os.environ``) unless it is already set."""
    environ = os.environ if environ is None else environ
    for name, value in TF_ENV.items():
        environ.setdefault(name, value)
    return environ
