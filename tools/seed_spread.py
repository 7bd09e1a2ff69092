"""Re-train the post's model with several random seeds and record the test accuracies (docs/seed_spread.md).

Lesson 06 trains once, with seed 42, and compares its test accuracy with the post's 0.9773. Whether
that gap means anything depends on how much the accuracy moves when only the seed changes: the
initial weights and the order of the batches. This tool measures it. Each seed is trained in a
fresh Python process (as a lesson's kernel would), with the post's recipe from helpers.model
(adam, categorical cross-entropy, 10 epochs of batch 100 on all 60,000 training images), then
evaluated on the 10,000 test images. The table is written to docs/seed_spread.md, which lesson 06
links to; commit the file together with the change that made it.

    python tools/seed_spread.py                       # seeds 0 1 2 3 4 42 -> docs/seed_spread.md
    python tools/seed_spread.py --seeds 42 --output -  # one seed, table on stdout

MNIST comes from helpers.data.load_mnist() (MNIST_NPZ when set). About 15 s per seed on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "seed_spread.md"
SEEDS = (0, 1, 2, 3, 4, 42)
POST_ACCURACY = 0.9773  # the post's printed test accuracy (Test accuracy: 0.9772999882698059)
COMMAND = "python tools/seed_spread.py"

# Runs in a fresh process per seed; prints one JSON line.
TRAIN = r"""
import json, sys
from helpers.environment import quiet_tensorflow
quiet_tensorflow()
import keras
from helpers.data import load_mnist, normalize
from helpers.model import NUM_CLASSES, train_post_model

seed = int(sys.argv[1])
(x_train, t_train), (x_test, t_test) = load_mnist()
x_train, x_test = normalize(x_train), normalize(x_test)
model, history = train_post_model(x_train, t_train, seed=seed)
loss, accuracy = model.evaluate(x_test, keras.utils.to_categorical(t_test, NUM_CLASSES), verbose=0)
print(json.dumps({"seed": seed, "test_accuracy": accuracy, "test_loss": loss,
                  "train_loss": history["loss"][-1], "keras": keras.__version__}))
"""


def train(seed):
    """Train the post's model with ``seed`` in a new process; return its JSON result as a dict."""
    result = subprocess.run(
        [sys.executable, "-c", TRAIN, str(seed)], cwd=ROOT, text=True, capture_output=True
    )
    if result.returncode != 0:
        raise SystemExit(f"training with seed {seed} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def report(results, post=POST_ACCURACY, when=None):
    """The Markdown page: one row per seed, the range, and where the post's accuracy falls."""
    accuracies = [r["test_accuracy"] for r in results]
    low, high = min(accuracies), max(accuracies)
    when = when or dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    where = "도 이 범위 안에 있습니다" if low <= post <= high else "는 이 범위 밖에 있습니다"
    lines = [
        "# 시드만 바꿔 다시 학습한 테스트 정확도",
        "",
        f"`{COMMAND}`가 만든 파일입니다({when}, Keras {results[0]['keras']}). 원문의 모델과 레시피"
        "(`helpers.model`: Flatten → Dense(100, relu) → Dense(10, softmax), adam, 배치 크기 100으로 "
        "10 에포크, 학습 이미지 60,000개)는 그대로 두고 난수 시드만 바꿔, 시드마다 새 파이썬 프로세스에서 "
        "학습한 뒤 테스트 이미지 10,000개로 평가했습니다. 시드는 가중치의 초깃값과 배치를 섞는 순서를 "
        "정합니다. 06번 레슨은 시드 42로 학습합니다.",
        "",
        "| 시드 | 테스트 정확도 | 틀린 테스트 이미지 수 | 마지막 에포크의 학습 손실 |",
        "|---:|---:|---:|---:|",
    ]
    for r in results:
        wrong = round((1 - r["test_accuracy"]) * 10_000)
        lines.append(f"| {r['seed']} | {r['test_accuracy']:.4f} | {wrong} | {r['train_loss']:.4f} |")
    lines += [
        "",
        f"- 범위: {low:.4f}–{high:.4f} ({(high - low) * 100:.2f} %p, 테스트 이미지 "
        f"{round((high - low) * 10_000)}개).",
        f"- 원문의 테스트 정확도 {post:.4f}{where}.",
        "",
        "같은 CPU에서 같은 시드는 같은 결과를 냅니다. 다른 CPU에서는 끝자리가 조금 달라질 수 있습니다.",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--output", default=str(OUTPUT), help="file to write, or - for stdout")
    args = parser.parse_args(argv)
    results = []
    for seed in args.seeds:
        results.append(train(seed))
        print(f"seed {seed}: test accuracy {results[-1]['test_accuracy']:.4f}", file=sys.stderr)
    text = report(results)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {os.path.relpath(args.output, ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
