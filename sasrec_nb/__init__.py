__version__ = "0.1.0"

import os
import sys

if "keras" in sys.modules and "KERAS_BACKEND" not in os.environ:  # too late to choose: Keras picked its own default
    _backend = sys.modules["keras"].backend.backend()
    if _backend != "jax":
        import warnings
        warnings.warn(f"Keras was imported before sasrec_nb and runs on {_backend}, not JAX, where training is faster "
                      "(05_training, \"Other backends\"); import sasrec_nb first, or set KERAS_BACKEND=jax before Keras "
                      "loads", stacklevel=2)
os.environ.setdefault("KERAS_BACKEND", "jax")  # the project's backend, unless the user chose another; every module imports this first
if os.environ["KERAS_BACKEND"] == "jax":
    from .config import add_flags  # light: neither Keras nor JAX
    # before JAX starts: XLA's CPU scheduler that buys concurrency with memory, off unless XLA_FLAGS sets it (the
    # training chapter's "Memory between phases" has the measurement)
    os.environ["XLA_FLAGS"] = add_flags(os.environ.get("XLA_FLAGS", ""),
                                        "--xla_cpu_enable_concurrency_optimized_scheduler=false")
