"""emolab: measure viewers' facial emotions against an advertisement's timeline."""

import os

__version__ = "0.1.0"

# numpy's OpenBLAS starts one busy-waiting thread per core. The engine's small matrix products
# (MTCNN's crop resizing) then fight the decoder, the UI and the models' own threads for a
# 2-core CPU and run 20x slower. One BLAS thread; parallelism comes from the pipeline's threads.
# Must be set before numpy is first imported, hence here.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
