"""Re-train the post's model with several random seeds and record the test accuracies (docs/seed_spread.md).

Lesson 06 trains once, with seed 42, and compares its test accuracy with the post's 0.9773: whether the
gap means anything depends on how much the accuracy moves when only the seed changes. Each seed trains
in a fresh process (as a lesson's kernel) with helpers.model's recipe, then is evaluated on the test
images. Results go to docs/measurements.json (``seed_spread``) and docs/seed_spread.md, rendered from
it, which lesson 06 links to; commit both with the change that made them. About 15 s per seed.

    python tools/seed_spread.py                       # seeds 0 1 2 3 4 42 -> both files
    python tools/seed_spread.py --seeds 42 --no-record  # one seed, printed, nothing recorded
"""

import argparse
import sys

import fresh_process
import measurements
from navigation import ROOT
from tabulate import tabulate

OUTPUT = ROOT / "docs" / "seed_spread.md"
SEEDS = (0, 1, 2, 3, 4, 42)
POST_ACCURACY = 0.9773  # the post's printed test accuracy (Test accuracy: 0.9772999882698059)
COMMAND = "python tools/seed_spread.py"
SECTION = "seed_spread"


def train(seed):
    from helpers.environment import quiet_tensorflow

    quiet_tensorflow()
    import keras

    from helpers.data import load_mnist, normalize
    from helpers.model import NUM_CLASSES, train_post_model

    (x_train, t_train), (x_test, t_test) = load_mnist()
    x_train, x_test = normalize(x_train), normalize(x_test)
    model, history = train_post_model(x_train, t_train, seed=seed)
    loss, accuracy = model.evaluate(x_test, keras.utils.to_categorical(t_test, NUM_CLASSES), verbose=0)
    return {
        "test_accuracy": accuracy,
        "test_loss": loss,
        "train_loss": history["loss"][-1],
        "keras": keras.__version__,
    }


def report(section):
    """The Markdown page of a ``seed_spread`` section: one row per seed, the range, where the post's falls."""
    seeds = section["seeds"]
    accuracies = [r["test_accuracy"] for r in seeds.values()]
    low, high = min(accuracies), max(accuracies)
    keras = ", ".join(sorted({r["keras"] for r in seeds.values()}))
    where = "도 이 범위 안에 있습니다" if low <= POST_ACCURACY <= high else "는 이 범위 밖에 있습니다"
    rows = []
    for seed, r in seeds.items():
        accuracy = r["test_accuracy"]
        rows.append([seed, f"{accuracy:.4f}", round((1 - accuracy) * 10_000), f"{r['train_loss']:.4f}"])
    headers = ["시드", "테스트 정확도", "틀린 테스트 이미지 수", "마지막 에포크의 학습 손실"]
    lines = [
        "# 시드만 바꿔 다시 학습한 테스트 정확도",
        "",
        f"`{COMMAND}`가 만든 파일입니다({measurements.stamp_text(section)}, Keras {keras}). "
        "원문의 모델과 레시피(`helpers.model`: Flatten → Dense(100, relu) → Dense(10, softmax), adam, 배치 "
        "크기 100으로 10 에포크, 학습 이미지 60,000개)는 그대로 두고 난수 시드만 바꿔, 시드마다 새 파이썬 "
        "프로세스에서 학습한 뒤 테스트 이미지 10,000개로 평가했습니다. 시드는 가중치의 초깃값과 배치를 섞는 "
        "순서를 정합니다. 06번 레슨은 시드 42로 학습합니다. 측정값은 `docs/measurements.json`에 있습니다.",
        "",
        tabulate(rows, headers, tablefmt="pipe", colalign=["right"] * 4, disable_numparse=True),
        "",
        f"- 범위: {low:.4f}–{high:.4f} ({(high - low) * 100:.2f} %p, 테스트 이미지 "
        f"{round((high - low) * 10_000)}개).",
        f"- 원문의 테스트 정확도 {POST_ACCURACY:.4f}{where}.",
        "",
        "같은 CPU에서 같은 시드는 같은 결과를 냅니다. 다른 CPU에서는 끝자리가 조금 달라질 수 있습니다.",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--no-record", action="store_true", help="only print each seed's test accuracy")
    args = parser.parse_args(argv)
    started, seeds = measurements.machine(), {}
    for seed in args.seeds:
        seeds[str(seed)] = fresh_process.call(train, seed)  # a new process per seed, as a new kernel
        print(f"seed {seed}: test accuracy {seeds[str(seed)]['test_accuracy']:.4f}", flush=True)
    if not args.no_record:
        measurements.save(SECTION, {"seeds": seeds}, started)
        OUTPUT.write_text(report(measurements.load(SECTION)), encoding="utf-8")
        print(f"wrote {OUTPUT.relative_to(ROOT)} and the {SECTION!r} section of {measurements.PATH.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
