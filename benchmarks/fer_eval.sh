#!/usr/bin/env bash
# How emolab's default classifier (models/emolab_fer_cnn.{onnx,pt,json}) was trained and measured.
# Run from the repository root with the project's environment active and ../shared beside it.
# Data: FER2013 + FER+ votes (../shared/data/fer2013), SFEW 2.0 (../shared/data/sfew: train for
# training, 20% of it held out to pick checkpoints and run-time choices, val measured once at the
# end), muxspace photographs (../shared/data/muxspace, training only).
set -euo pipefail
RUN=${RUN:-/work/runs/ms}           # checkpoints, outside the repository
EVAL=${EVAL:-/work/runs/fer_eval}   # detector cache and result JSON/PNG

# 0. The starting point: emolab 0.1's weights (FER+ only), trained with
#    emolab train --data ../shared/data/fer2013 --labels ferplus --time-budget 140 --threads 2 --seed 0
#    and kept in git history (models/emolab_fer_cnn.pt at commit 4fef0f9).
mkdir -p runs && git show 4fef0f9:models/emolab_fer_cnn.pt > runs/emolab_fer_cnn_0.1.pt

# 1. Fine-tune on three sources at once (recipes/multisource.json: weights, label kinds, hold-out,
#    learning rate, a 45-minute budget). --resume continues an interrupted run from $RUN/last.pt.
emolab train --recipe recipes/multisource.json --out "$RUN" --export "$RUN/export/emolab_fer_cnn.pt" --threads 2
cp "$RUN"/export/emolab_fer_cnn.{pt,onnx,json} models/

# 2. Face-detection path: cache MTCNN boxes (each crowd-labelled FER image upscaled to 160 px,
#    padded by 80 px) for PublicTest and PrivateTest.
python benchmarks/fer_eval.py detect --split val --cache "$EVAL"
python benchmarks/fer_eval.py detect --split test --cache "$EVAL"

# 3. Run-time choices on validation data only (FER+ PublicTest, the SFEW hold-out): the prior
#    correction, the crop margin and shift for a detector's box; then the temperature that
#    calibrates the probabilities.
python benchmarks/fer_eval.py tune --cache "$EVAL" --tta none \
    --margins -0.1 -0.05 0 0.05 --shifts-x 0 --shifts-y 0 0.04 --write
python benchmarks/fer_eval.py calibrate --write

# 4. Test sets, once: FER+ PrivateTest and FER2013 labels (direct and detection paths), SFEW val,
#    ECE before and after calibration, ms per face; written into the card.
python benchmarks/fer_eval.py final --cache "$EVAL" --out "$EVAL/results"

# 5. The command a reviewer runs: one table across domains (any classifier of the engine works).
emolab evaluate --json "$EVAL/cross_domain.json" \
    --data ../shared/data/fer2013:labels=ferplus,name=FER+_PrivateTest \
    --data ../shared/data/fer2013:labels=fer2013,name=FER2013_labels \
    --data ../shared/data/sfew:split=val,name=SFEW_val \
    --data ../shared/data/fer2013:labels=ferplus,detector=mtcnn,name=FER+_via_MTCNN \
    --data ../shared/data/sfew:split=val,detector=mtcnn,name=SFEW_val_via_MTCNN
