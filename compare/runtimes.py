"""The runtime matrix: each model x precision (rows) on each runtime (columns), with mAP50-95 and p50 per
(machine, threads), like for like: the raw head at the size the model was trained at, the one point every
runtime has (NCNN takes no NMS-free head)."""

from leakyolo.base.defaults import BASELINE

from .frontier import family_front, judged, pareto, size_step, subjects
from .names import RUNTIME_NAMES, base_name, card_of, display_model, split_variant, variant
from .results import mean_spread, point

MATRIX_HEAD = "raw"
BY_ULTRALYTICS = " (Ultralytics' export)"


def cells(results, dataset: str) -> dict:
    """{(model, precision, runtime): {"map": [per seed], (machine, threads): [p50 per seed]}} of one dataset, from
    the files at the matrix's point (raw head, training size); Ultralytics' own files are rows of their own."""
    out = {}
    for _, record in results.evals + results.benches:
        for m in (m for m in record["models"] if point(m) == (MATRIX_HEAD, m["card"].get("train_imgsz"))):
            card = card_of(m, record)
            if card.get("dataset") != dataset:
                continue
            made, runtime = split_variant(variant(card))
            key = (display_model(card, m["file"]) + BY_ULTRALYTICS * made, card.get("precision") or "?", runtime)
            cell = out.setdefault(key, {})
            for other, why in (card.get("runtimes_left_out") or {}).items():  # a runtime that has no file of it
                out.setdefault(key[:2] + (other,), {}).setdefault("why", {})[card.get("seed")] = why
            if "mAP50-95" in m:
                cell.setdefault("map", []).append(m["mAP50-95"])
            for threads, res in m.get("results", {}).items():
                cell.setdefault((record["machine"]["label"], threads), []).append(res["end_to_end"]["p50"])
    return out


def cell_text(cell: dict, columns: list) -> str:
    """'0.612 · 3.1 / 1.9 ms' (mAP50-95, then end-to-end p50 per column); '—' for a file not made, '— (not made)'
    where a card says why, and the seeds without a file named beside a mean of the others."""
    missing = f"not made for seed {', '.join(map(str, sorted(cell['why'])))}" if cell.get("why") else ""
    if "map" not in cell and not any(col in cell for col in columns):
        return "— (not made)" if missing else "—"
    acc = mean_spread(cell.get("map", []))[0]
    times = [mean_spread(cell.get(col, []))[0] for col in columns]
    ms = " / ".join(f"{t:.2f}" if t else "—" for t in times)
    return (f"{acc:.3f}" if acc is not None else "—") + f" · {ms} ms" + (f" ({missing})" if missing else "")


def not_made(results, dataset: str) -> str:
    """Why the matrix's cells marked 'not made' have no file, per model, precision, runtime and seed ('' if none)."""
    found = cells(results, dataset)
    said = [f"{model} {precision.upper()} on {RUNTIME_NAMES[runtime]}, seed {seed}: {why}"
            for (model, precision, runtime), cell in sorted(found.items())
            for seed, why in sorted(cell.get("why", {}).items())]
    return ("Not made [" + dataset + "]: " + "; ".join(said) + ".") if said else ""


def runtime_table(results, dataset: str, columns: list) -> tuple:
    """(header, body) of one dataset's matrix; empty body when no file ran on a runtime other than ONNX Runtime."""
    found = cells(results, dataset)
    runtimes = [r for r in RUNTIME_NAMES if any(k[2] == r for k in found)]
    if runtimes == ["onnxruntime"] or not runtimes:
        return [], []
    threads = ", ".join(f"{t} thr" for _, t in columns)
    header = ["model", "precision"] + [f"{RUNTIME_NAMES[r]}: mAP50-95 · p50 ms ({threads})" for r in runtimes]
    rows = sorted({k[:2] for k in found})
    return header, [[model, precision, *(cell_text(found.get((model, precision, r), {}), columns) for r in runtimes)]
                    for model, precision in rows]


OURS_RUNTIMES = ("", "openvino", "ncnn")
THEIRS_RUNTIMES = (*OURS_RUNTIMES, "ultralytics", "ultralytics-openvino", "ultralytics-ncnn")


def best_front(series: dict, dataset: str, model: str, col: tuple, variants: tuple) -> list:
    """A model's Pareto front over both precisions and every runtime in variants, raw head (+ NMS): what a user
    who may pick any runtime and precision gets."""
    return pareto([p for precision in ("fp32", "int8") for v in variants
                   for p in family_front(series, dataset, model, precision, col, v, heads=(MATRIX_HEAD,))])


def best_runtime_verdict(series: dict, dataset: str, model: str, col: tuple):
    """A family judged against YOLO26n, each side on its best runtime and precision (raw head + NMS), or None when no
    file of the dataset ran on another runtime than ONNX Runtime, or either has no front."""
    if not any(k.dataset == dataset and k.variant in ("openvino", "ncnn") for k in series):
        return None
    ours = best_front(series, dataset, model, col, OURS_RUNTIMES)
    theirs = best_front(series, dataset, BASELINE, col, THEIRS_RUNTIMES)
    return judged(ours, theirs, size_step(series, dataset)) if ours and theirs else None


def runtime_verdicts(series: dict, columns: list) -> tuple:
    """(header, body): each of our INT8 families against YOLO26n, each side on its best runtime and precision
    (raw head + NMS, the head every runtime takes), per dataset that has files on another runtime and column."""
    body = []
    for dataset in sorted({k.dataset for k in series}):
        for col, model in ((c, m) for c in columns for m in subjects(series, dataset)):
            found = best_runtime_verdict(series, dataset, model, col)
            if found:
                body.append([f"{model} vs {BASELINE}, each on its best runtime and precision",
                             f"{dataset}, {col[0]}, {col[1]} thr", *found.cells])
    return ["frontier (raw head + NMS)", "where", "seeds, margin (points)", "verdict"], body


ARM_KINDS = (("onnxruntime", "fp32"), ("onnxruntime", "int8"), ("ncnn", "fp32"), ("ncnn", "int8"))


def arm_cell(cell) -> str:
    """'82.1 M · 0.712' (instructions per inference, the file's mAP50-95 where evaluated); '—' for no file."""
    if not cell:
        return "—"
    n, acc = cell
    return f"{n / 1e6:.1f} M" + (f" · {acc:.3f}" if acc is not None else "")


def arm_cells(results, names: dict) -> dict:
    """{(core, model): {(runtime, precision): (instructions per inference, mAP50-95 or None)}} of the raw-head files
    the ARM stage counted (its one seed), the mAP from the x86 eval of the same file (NCNN computes in fp16 on the
    A76: its accuracy there is not measured); empty without an NCNN row."""
    rows = [r for _, record in results.arms for r in record["models"]
            if r.get("head") == MATRIX_HEAD and r.get("instructions_per_inference")]
    if not any(r.get("runtime") == "ncnn" for r in rows):
        return {}
    acc = {m["sha256"]: m.get("mAP50-95") for _, record in results.evals for m in record["models"]}
    found = {}
    for r in rows:
        found.setdefault((r["core"], names.get(r["sha256"], r["file"])), {})[r["runtime"], r["precision"]] = (
            r["instructions_per_inference"], acc.get(r["sha256"]))
    return found


def arm_best(results, names: dict) -> tuple:
    """(header, body): emulated-ARM instructions per inference of each model's raw-head files on each runtime (the
    ARM stage's seed), the fewest, and that against YOLO26n's fewest (its files by us and by Ultralytics) per core.
    Each cell: instructions, then the file's mAP50-95 from the x86 eval. Empty without an NCNN row."""
    found = arm_cells(results, names)
    if not found:
        return [], []
    theirs = {core: min((n for (c, model), cells in found.items() if c == core and base_name(model) == BASELINE
                         for n, _ in cells.values()), default=None) for core, _ in found}
    header = ["emulated core", "model", *(f"{RUNTIME_NAMES[r]} {p.upper()}" for r, p in ARM_KINDS), "fewest",
              "fewest vs YOLO26n's fewest"]
    body = []
    for (core, model), cells in sorted(found.items()):
        text = [arm_cell(cells.get(kind)) for kind in ARM_KINDS]
        (runtime, precision), (n, _) = min(cells.items(), key=lambda kv: kv[1][0])
        ratio = f"{n / theirs[core]:.2f}x" if theirs.get(core) else "—"
        body.append([core, model, *text, f"{RUNTIME_NAMES[runtime]} {precision.upper()}", ratio])
    return header, body
