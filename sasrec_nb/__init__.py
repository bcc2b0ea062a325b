__version__ = "0.1.0"

import os

os.environ.setdefault("KERAS_BACKEND", "jax")  # the project's backend, unless the user chose another; every module imports this first
if os.environ["KERAS_BACKEND"] == "jax" and "concurrency_optimized_scheduler" not in os.environ.get("XLA_FLAGS", ""):
    # before JAX starts: XLA's CPU scheduler that buys concurrency with memory, off (the training chapter's "Memory
    # between phases" has the measurement)
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_enable_concurrency_optimized_scheduler=false").strip()
