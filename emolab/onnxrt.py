"""ONNX Runtime sessions, set up once for every model emolab runs on the CPU.

Why these options: on a 2-core machine the models share the CPU with the ad's decoder and the
UI. ONNX Runtime's worker threads spin while waiting for work by default; like OpenMP's, that
spinning steals the core the decoder needs (a frame then takes many times longer). So each
model runs with ``threads`` intra-op threads (1 by default: parallelism comes from running
stages in different threads instead), no inter-op pool, and spinning off.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emolab.errors import ModelError


def onnx_session(path: Path, threads: int = 1) -> Any:
    """An ``onnxruntime.InferenceSession`` for ``path`` on the CPU.

    Raises:
        ModelError: if ONNX Runtime is not installed, or the file is missing or not a valid model.
    """
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise ModelError(
            "onnxruntime is not installed; run `bash scripts/setup.sh` (or `pip install onnxruntime`)"
        ) from exc
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file {path} does not exist; reinstall emolab or re-export it")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = max(1, int(threads))
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.log_severity_level = 3  # errors only: the CPU provider's notices are not the user's business
    try:
        return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph/... types
        raise ModelError(
            f"cannot load ONNX model {path} ({type(exc).__name__}: {str(exc).strip().splitlines()[0]}); "
            "the file is damaged or not an ONNX model: reinstall emolab or re-export it"
        ) from exc
