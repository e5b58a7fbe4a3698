"""Ablation table of emolab's classifier: each row changes one thing, measured on FER+ PrivateTest and SFEW val.

Usage (from the repository root, ../shared beside it)::

    python benchmarks/ablation.py --json OUT.json \\
        --row "FER+ only (emolab 0.1)" OLD_CARD.json plain \\
        --row "multi-source fine-tune" NEW_CARD.json plain ...

A row is a name, a model card and how it runs: ``plain`` (the network alone: no prior correction,
no crop shift, margin 0, no mirror image), ``card`` (the card's tuned run-time settings) or
``hflip`` (the card's settings plus the mirror-image average). Every row goes through the
engine's own classifier (ONNX Runtime, one thread) on the direct path: FER2013 faces framed as
trained, SFEW crops as given (their central square). Test sets only measure here; nothing in a
row is chosen on them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fer_eval import classifier_with, fast_eval, load, load_sfew  # noqa: E402

MODES = {
    "plain": {"logit_bias": None, "crop_shift": [0.0, 0.0], "crop_margin": 0.0, "tta": "none", "temperature": 1.0},
    "card": {},
    "hflip": {"tta": "hflip"},
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--row", nargs=3, action="append", required=True, metavar=("NAME", "CARD", "MODE"))
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args()
    fer_x, fer_y = load("test", "ferplus")
    sfew_x, sfew_y = load_sfew("val")
    rows = []
    print(f"{'row':<48}{'FER+ test':>10}{'macro':>8}{'SFEW val':>10}{'macro':>8}{'ms/face':>9}")
    for name, card, mode in args.row:
        if mode not in MODES:
            p.error(f"mode {mode!r}: use {', '.join(MODES)}")
        clf = classifier_with(Path(card), **MODES[mode])
        fer = fast_eval(clf, fer_x, fer_y, "test", time_n=300)
        sfew = fast_eval(clf, sfew_x, sfew_y, "val", time_n=0)
        row = {
            "row": name,
            "card": Path(card).name,
            "mode": mode,
            "fer_plus_test_accuracy": round(fer.accuracy, 4),
            "fer_plus_test_macro_recall": fer.macro_recall,
            "sfew_val_accuracy": round(sfew.accuracy, 4),
            "sfew_val_macro_recall": sfew.macro_recall,
            "ms_per_face": fer.ms_per_face,
        }
        rows.append(row)
        print(
            f"{name[:47]:<48}{fer.accuracy:>10.2%}{fer.macro_recall:>8.2%}{sfew.accuracy:>10.2%}"
            f"{sfew.macro_recall:>8.2%}{fer.ms_per_face:>9.2f}",
            flush=True,
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"rows": rows}, indent=2) + "\n")
        print(f"written: {args.json}")


if __name__ == "__main__":
    main()
