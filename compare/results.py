"""Result files in, typed rows out: load bench / eval / arm JSON (checked), group their models into rows.

A row is one model x precision x INT8 variant on one dataset; seeds (files of the same row) aggregate.
"""

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from leakyolo.base.errors import UserError

from leakyolo.detect.bench import SCHEMA as BENCH_SCHEMA

from .arm import SCHEMA as ARM_SCHEMA
from .curves import SCHEMA as TRAIN_SCHEMA
from .evaluate import SCHEMA as EVAL_SCHEMA
from .names import card_of, display_model, variant

NUM, TEXT, OPT_NUM, OPT_TEXT = (int, float), (str,), (int, float, type(None)), (str, type(None))
CARD = {"?model": OPT_TEXT, "?precision": OPT_TEXT, "?dataset": OPT_TEXT, "?head": OPT_TEXT, "?activation": OPT_TEXT,
        "?quantization": OPT_TEXT, "?seed": OPT_NUM, "?epochs": OPT_NUM, "?train_imgsz": OPT_NUM, "?params": OPT_NUM,
        "?gflops@640": OPT_NUM, "?size_bytes": OPT_NUM, "?train_seconds": OPT_NUM, "?teacher_seconds": OPT_NUM,
        "?runtime": OPT_TEXT}
ROW = {"file": TEXT, "sha256": TEXT, "card": CARD, "?runtime": OPT_TEXT}
TIMES = {"p50": NUM, "p90": NUM}
COLD_BENCH = "leakyolo.bench/2"  # timed model-only on a model's first call after another's (cold caches); still read
BENCH = {"machine": {"label": TEXT, "?isa": [TEXT]}, "models": [{**ROW, "?imgsz": [NUM], "results": {
    "*": {"model_only": TIMES, "end_to_end": {"p50": NUM}}}}]}
SHAPES = {  # what each record kind must hold, down to the fields the report reads ("?": may be absent)
    BENCH_SCHEMA: BENCH, COLD_BENCH: BENCH,
    EVAL_SCHEMA: {"data": {"?name": OPT_TEXT}, "models": [{**ROW, "?imgsz": NUM, "mAP50-95": NUM, "mAP50": NUM}]},
    ARM_SCHEMA: {"models": [{"file": TEXT, "sha256": TEXT, "precision": TEXT, "core": TEXT,
                             "parity": {"ok": (bool,), "max_abs_diff": NUM}}]},
    TRAIN_SCHEMA: {"models": [{"model": TEXT, "?seed": OPT_NUM, "?dataset": OPT_TEXT, "curve": [NUM]}]},
}


class RowKey(NamedTuple):
    """What a row is: dataset, model, precision, variant ('' our ONNX Runtime file, 'ultralytics' its quantize=8
    INT8, or the runtime of a file made from ours: 'openvino', 'ncnn')."""

    dataset: str
    model: str
    precision: str
    variant: str


@dataclass
class Row:
    """Everything measured for one RowKey: latencies per (machine, threads) column, mAP per seed."""

    card: dict = field(default_factory=dict)
    lat: dict = field(default_factory=dict)  # column -> [p50 ms per file]
    lat90: dict = field(default_factory=dict)  # column -> [p90 ms per file]
    map: list = field(default_factory=list)  # mAP50-95 per file (seed)
    map50: list = field(default_factory=list)
    sources: set = field(default_factory=set)  # "result file:sha256 prefix"
    train_s: list = field(default_factory=list)  # training wall seconds per file (seed)
    teacher_s: list = field(default_factory=list)  # its teacher's (or conversion source's) training seconds
    giga_ops: float = None  # at the benchmarked input size
    size_mb: float = None
    imgsz: list = None


@dataclass
class Results:
    """Loaded result files, each as (path, record)."""

    benches: list
    evals: list
    arms: list
    trainings: list = field(default_factory=list)  # learning-curve records

    @property
    def all(self) -> list:
        return self.benches + self.evals + self.arms + self.trainings


def mismatch(value, shape, where: str):
    """The first place where value does not have shape (a dict of fields, a one-item list, or a tuple of types),
    as (field path, what it should be); None when it fits."""
    if isinstance(shape, tuple):
        ok = isinstance(value, shape) and not (isinstance(value, bool) and bool not in shape)
        return None if ok else (where, "/".join(t.__name__ for t in shape))
    if isinstance(shape, list):
        if not isinstance(value, list) or not value:
            return where, "a non-empty list"
        return next((m for i, v in enumerate(value) if (m := mismatch(v, shape[0], f"{where}[{i}]"))), None)
    if not isinstance(value, dict):
        return where, "an object"
    for key, sub in shape.items():
        if key == "*":
            found = next((m for k, v in value.items() if (m := mismatch(v, sub, f"{where}.{k}"))), None)
        elif key.lstrip("?") in value:
            found = mismatch(value[key.lstrip("?")], sub, f"{where}.{key.lstrip('?')}")
        else:
            found = None if key.startswith("?") else (f"{where}.{key}", "present")
        if found:
            return found
    return None


def check_fields(f: Path, record: dict) -> None:
    """One line naming the file and the field that is missing or of the wrong type, instead of a traceback deep in
    the report (result files may come from other machines: they are untrusted input)."""
    found = mismatch(record, SHAPES[record["schema"]], "record")
    if found:
        raise UserError(f"{f}: {record['schema']} {found[0]} must be {found[1]}; regenerate it with leakyolo bench / "
                        f"eval / arm (or the pipeline)")


def records(f: Path) -> list:
    """[(path, record)] of one file: a bench / eval / arm result, or a report's results.json, whose inputs are
    the result files it was made from (so a committed report can be rendered again)."""
    try:
        record = json.loads(f.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise UserError(f"{f}: not a readable JSON result ({type(e).__name__})") from None
    inputs = record.get("inputs") if isinstance(record, dict) and "schema" not in record else None
    if isinstance(inputs, dict) and inputs:
        return [(f.parent / Path(str(name)).name, r) for name, r in inputs.items()]
    return [(f, record)]


def load_results(files: list) -> Results:
    """The bench, eval and arm records of files, each checked for a known schema and its fields."""
    found = {BENCH_SCHEMA: [], EVAL_SCHEMA: [], ARM_SCHEMA: [], TRAIN_SCHEMA: []}
    for f, record in (pair for path in map(Path, files) for pair in records(path)):
        schema = record.get("schema") if isinstance(record, dict) else None
        if schema not in SHAPES:
            raise UserError(f"{f}: schema {schema!r} is not {', '.join(SHAPES)}; regenerate it with this "
                            f"version of leakyolo bench / eval / arm (or the pipeline, for learning curves)")
        check_fields(f, record)
        found[BENCH_SCHEMA if schema == COLD_BENCH else schema].append((f, record))
    results = Results(found[BENCH_SCHEMA], found[EVAL_SCHEMA], found[ARM_SCHEMA], found[TRAIN_SCHEMA])
    if not results.benches and not results.evals:
        raise UserError("no results given: pass bench and/or eval JSON files")
    check_common_models(results.benches)
    return results


def check_common_models(benches: list) -> None:
    """Machines must share at least one model file (by sha256), else their numbers cannot be compared.
    One machine's bench files (e.g. one per dataset) are pooled first."""
    per_machine = {}
    for _, r in benches:
        per_machine.setdefault(r["machine"]["label"], set()).update(m["sha256"] for m in r["models"])
    if len(per_machine) > 1 and not set.intersection(*per_machine.values()):
        names = ", ".join(f"{f.name} ({r['machine']['label']})" for f, r in benches)
        raise UserError(f"the machines in {names} benchmarked no common model file (sha256); nothing to compare")


def row_key(card: dict, fallback: str) -> RowKey:
    """Rows group files of the same model, precision, variant and dataset (seeds aggregate)."""
    return RowKey(card.get("dataset") or "?", display_model(card, fallback), card.get("precision") or "?",
                  variant(card))


def point(m: dict) -> tuple:
    """A file's point in a sweep: (head, input size)."""
    size = m.get("imgsz")
    return m["card"].get("head") or "nms-free", int(size[0] if isinstance(size, list) else size or 0)


def main_points(results: "Results") -> dict:
    """RowKey -> the one (head, size) the single-point tables show: the NMS-free head at the training size
    where it was measured, else the NMS-free head's (else any head's) largest size."""
    found = {}
    for _, record in results.benches + results.evals:
        for m in record["models"]:
            key = row_key(card_of(m, record), m["file"])
            found.setdefault(key, set()).add((point(m), m["card"].get("train_imgsz")))
    main = {}
    for key, points in found.items():
        trained = [p for p, train in points if p[0] == "nms-free" and p[1] == train]
        main[key] = trained[0] if trained else max((p for p, _ in points), key=lambda p: (p[0] == "nms-free", p[1]))
    return main


def mean_spread(values: list):
    """(mean, std or None) of the non-missing values."""
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else None)


def add_bench(rows: dict, columns: list, f: Path, record: dict, main: dict) -> None:
    """One bench file's latencies (of files at their row's main point) into rows; new (machine, threads)
    columns appended."""
    machine = record["machine"]["label"]
    for m in record["models"]:
        card = card_of(m, record)
        key = row_key(card, m["file"])
        if point(m) != main[key]:
            continue
        row = rows.setdefault(key, Row())
        row.card = row.card or card
        if m["card"].get("gflops@640") and m.get("imgsz"):  # FLOPs scale with the pixel count
            row.giga_ops = m["card"]["gflops@640"] * m["imgsz"][0] * m["imgsz"][1] / 640**2
        row.size_mb = (m["card"].get("size_bytes") or 0) / 2**20 or row.size_mb
        row.imgsz = m.get("imgsz") or row.imgsz
        row.sources.add(f"{f.name}:{m['sha256'][:12]}")
        for threads, res in m["results"].items():
            col = (machine, threads)
            if col not in columns:
                columns.append(col)
            row.lat.setdefault(col, []).append(res["model_only"]["p50"])
            row.lat90.setdefault(col, []).append(res["model_only"]["p90"])


def add_eval(rows: dict, f: Path, record: dict, main: dict) -> None:
    """One eval file's mAP (of files at their row's main point) into rows."""
    for m in record["models"]:
        card = card_of(m, record)
        key = row_key(card, m["file"])
        if point(m) != main[key]:
            continue
        row = rows.setdefault(key, Row())
        row.card = row.card or card
        row.map.append(m["mAP50-95"])
        row.map50.append(m["mAP50"])
        row.train_s.append(card.get("train_seconds"))
        row.teacher_s.append(card.get("teacher_seconds"))
        row.sources.add(f"{f.name}:{m['sha256'][:12]}")


def collect(results: Results) -> tuple:
    """({RowKey: Row}, [(machine, threads) columns], {column: int8 GEMM peak GOPS})."""
    rows, columns, main = {}, [], main_points(results)
    for f, record in results.benches:
        add_bench(rows, columns, f, record, main)
    for f, record in results.evals:
        add_eval(rows, f, record, main)
    return rows, columns, best_rates(results.benches, "int8_peak_gops")


def best_rates(benches: list, field_name: str) -> dict:
    """{(machine, threads): GOPS} of a GEMM peak: the best rate any of a machine's bench files reached."""
    peaks = {}
    for _, record in benches:
        for t, g in record.get(field_name, {}).items():
            key = (record["machine"]["label"], t)
            peaks[key] = max(g, peaks.get(key, 0.0))
    return peaks


def averages(rows: dict) -> dict:
    """Per row: mean p50 per column, mean mAP50-95, how many files (seeds) it averages, input size."""
    return {k: {"lat": {c: mean_spread(v)[0] for c, v in r.lat.items()}, "map": mean_spread(r.map)[0],
                "std": mean_spread(r.map)[1], "seeds": len(r.map), "giga_ops": r.giga_ops, "imgsz": r.imgsz}
            for k, r in rows.items()}


def left_out(results) -> list:
    """[(dataset, file, why)] of sweep points whose INT8 failed its gate (FP32 cards say so)."""
    seen = {}
    for _, record in results.evals + results.benches:
        for m in record["models"]:
            why = m["card"].get("int8_failure")
            if why:
                seen[m["file"]] = (card_of(m, record).get("dataset") or "?", m["file"], why)
    return sorted(seen.values())
