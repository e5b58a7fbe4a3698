#!/usr/bin/env bash
# How emolab's default classifier (models/emolab_fer_cnn.pt) was trained and measured.
# Run from the repository root with the project's environment active; FER2013 lives in
# ../shared/data/fer2013 (train/, test/ with PublicTest_* = validation, PrivateTest_* = test).
set -euo pipefail
FER=../shared/data/fer2013
RUN=${RUN:-/tmp/emolab_train}      # checkpoints, outside the repository
EVAL=${EVAL:-/tmp/emolab_fer_eval} # detector cache and result JSON/PNG

# 1. Train (about 1.5 h of a 2-core AVX-512 CPU). The checkpoint is chosen on PublicTest; the
#    best model so far is exported to models/ after every improving epoch. --resume continues.
#    OMP_WAIT_POLICY=PASSIVE: on a shared 2-core machine spinning OpenMP threads halve the speed.
OMP_WAIT_POLICY=PASSIVE emolab train --data "$FER" --format fer2013 --arch cnn --lr 0.04 \
    --time-budget 92 --seed 0 --out "$RUN" --export models/emolab_fer_cnn.pt --threads 2

# 2. Face-detection path: cache MTCNN boxes (FER image upscaled to 160 px, padded by 80 px).
python benchmarks/fer_eval.py detect --split val --cache "$EVAL"
python benchmarks/fer_eval.py detect --split test --cache "$EVAL"

# 3. Choose the run-time crop margin/shift on the validation split only, store it in the card.
python benchmarks/fer_eval.py tune --cache "$EVAL" --margins -0.2 -0.15 -0.1 -0.05 0 \
    --shifts-x 0 0.04 --shifts-y -0.04 0 0.04 --write

# 4. Final figures on PrivateTest (direct and detection path, ms per face) into the card.
python benchmarks/fer_eval.py final --cache "$EVAL" --out "$EVAL/results"

# 5. The same report for any classifier of the engine, e.g. the reference ONNX model:
emolab evaluate --data "$FER" --split test --json "$EVAL/emolab.json"
emolab evaluate --data "$FER" --split test --json "$EVAL/onnx.json" \
    --classifier ../shared/models/reference/facial_expression_recognition_mobilefacenet_2022july_int8.onnx
emolab evaluate --data "$FER" --split test --detector mtcnn --json "$EVAL/emolab_detect.json"
