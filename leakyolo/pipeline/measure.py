"""Measuring stages: one evaluator (mAP) and one benchmark (latency) over every file of a dataset, the learning
curves with the plateau rule, and the emulated ARM check (instruction counts and output parity under qemu)."""

import json
import shutil
from pathlib import Path

from leakyolo.base.provenance import sha256_file, write_json

from .plan import Plan
from .profiles import ARM_CORES, run_name


def val_images(data_yaml: str) -> list:
    """The val split's images of a dataset (bench, ARM and demo inputs)."""
    from leakyolo.datasets.validate import images_of

    return images_of(data_yaml, "val")


def first_val_image(data_yaml: str) -> Path:
    """A held-out image of one of our datasets (the bench input)."""
    return val_images(data_yaml)[0]


def busiest_val_image(data_yaml: str, first: int = 16) -> Path:
    """The image with the most labelled objects among the val split's first `first`: the ARM stage's parity input,
    so that INT8 parity (checked on detections above detect's threshold) has detections to compare."""
    from ultralytics.data.utils import img2label_paths

    images = val_images(data_yaml)[:first]
    labels = img2label_paths([str(i) for i in images])
    return max(zip(images, labels), key=lambda pair: _rows(Path(pair[1])))[0]


def _rows(label_file: Path) -> int:
    """Objects in a YOLO label file (0 when there is none)."""
    return len(label_file.read_text().splitlines()) if label_file.is_file() else 0


def earlier(path: Path):
    """The record a stage wrote before (its rows that still hold are kept); None if there is none, or unreadable."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def measure(p: Plan, ds: str, files: list, arm_files: list) -> list:
    """Eval and bench stages of one dataset's files (+ emulated ARM on the first dataset); result files."""
    from leakyolo.compare.evaluate import evaluate
    from leakyolo.detect.bench import SCHEMA as BENCH_SCHEMA
    from leakyolo.detect.bench import bench

    data_yaml = p.data_yamls[ds]
    hashes = {Path(f).name: sha256_file(f) for f in files}
    eval_json, bench_json = p.out / "results" / f"eval-{ds}.json", p.out / "results" / f"bench-{ds}.json"
    p.st.run(f"eval-{ds}", {"files": hashes}, [eval_json],
             lambda: str(write_json(eval_json, evaluate(files, data_yaml, previous=earlier(eval_json)))))
    p.st.run(f"bench-{ds}", {"files": hashes, **p.cfg["bench"], "method": BENCH_SCHEMA}, [bench_json],
             lambda: str(write_json(bench_json, bench(files, **p.cfg["bench"], image=first_val_image(data_yaml)))))
    results = [eval_json, bench_json, learning_curves(p, ds)]
    if ds == p.cfg["data"][0]:
        results += emulated_arm(p, ds, {Path(f).name: hashes[Path(f).name] for f in arm_files},
                                arm_files)
    return results


def learning_curves(p: Plan, ds: str) -> Path:
    """The learning-curve stage of one dataset: every training's validation curve and the plateau rule."""
    from leakyolo.compare.curves import SCHEMA, record

    runs = [p.out / "train" / run_name(d, model, seed) for d, model, seed in p.inputs_of if d == ds]
    out = p.out / "results" / f"train-{ds}.json"
    p.st.run(f"curves-{ds}", {"runs": {r.name: sha256_file(r / "results.csv") for r in runs}, "method": SCHEMA},
             [out], lambda: str(write_json(out, record(runs))))
    return out


def emulated_arm(p: Plan, ds: str, hashes: dict, files: list) -> list:
    """The emulated ARM stage, on the first dataset and seed only: instruction counts follow the
    architecture and precision, not the weights, and emulation at 320 px takes minutes per file."""
    from leakyolo.compare.arm import SCHEMA as ARM_SCHEMA
    from leakyolo.compare.arm import arm_check

    if not files:
        return []
    if not shutil.which("qemu-aarch64"):
        p.st.say("arm: qemu-aarch64 not found (apt-get install qemu-user): emulated ARM check skipped")
        return []
    arm_json, image = p.out / "results" / f"arm-{ds}.json", busiest_val_image(p.data_yamls[ds])
    p.st.run(f"arm-{ds}", {"files": hashes, "cores": ARM_CORES, "method": ARM_SCHEMA, "image": image.name}, [arm_json],
             lambda: str(write_json(arm_json, arm_check(files, ARM_CORES, image=image))))
    return [arm_json]
