__version__ = "0.1.0"

import os

os.environ.setdefault("KERAS_BACKEND", "jax")  # the project's backend, unless the user chose another; every module imports this first
