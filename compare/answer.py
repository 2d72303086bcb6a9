"""The README's first-screen answer, generated from a report's own verdicts (never typed): should I deploy
LeakYOLO-n INT8 instead of YOLO26n on my CPU? Like for like (each head against the same head), at equal input
size, and with each side on its best runtime, on the first machine at 1 thread."""

from leakyolo.base.defaults import BASELINE, PRODUCT

from .budget import budget_table
from .family import FAMILY, covered
from .frontier import LIKE_FOR_LIKE, at_training_size, family, head_verdict, subjects
from .runtimes import best_runtime_verdict

QUESTION = f"**Should I deploy {PRODUCT} INT8 instead of {BASELINE} on my CPU?**"


def isa_words(machine: dict) -> str:
    """The machine's int8 instruction set in words (its dot-product extensions, else none)."""
    dot = [f for f in machine.get("isa") or [] if "vnni" in f or f in ("asimddp", "dotprod")]
    return ", ".join(dot) if dot else "no int8 dot-product instructions"


def head_verdicts(series: dict, dataset: str, col: tuple, precision: str, model: str = PRODUCT) -> list:
    """'raw + NMS: <verdict>' per single head view: our INT8 front (model's) against YOLO26n's (precision) with that
    head."""
    out = []
    for view, heads in LIKE_FOR_LIKE.items():
        found = head_verdict(series, dataset, model, precision, col, heads)
        if found:
            out.append(f"{view}: {found.text}" + (f" (margin over {found.margin})" if found.seeds > 1 else ""))
    return out


def equal_size(series: dict, dataset: str, col: tuple) -> str:
    """Both INT8 models with the raw head at the training size they share: latency ratio and mAP gap."""
    ours, theirs = (at_training_size(series, dataset, model, col) for model in (PRODUCT, BASELINE))
    if not (ours and theirs) or ours[2] != theirs[2]:
        return ""
    return (f"At the same input size ({ours[2]} px, raw head + NMS) {PRODUCT} INT8 takes {ours[0] / theirs[0]:.2f}x "
            f"{BASELINE} INT8's time ({ours[0]:.2f} vs {theirs[0]:.2f} ms) and scores {(ours[1] - theirs[1]) * 100:+.1f} "
            f"points mAP50-95 ({ours[1]:.3f} vs {theirs[1]:.3f}, {len(ours[3])} seed(s)).")


def by_budget(series: dict, dataset: str, col: tuple) -> str:
    """Which side the latency-budget table says to deploy, per runtime: 'ONNX Runtime: only LeakYOLO measured at
    0.55 ms; LeakYOLO at 1.14 ms; either at 0.90 ms; YOLO26n at 1.29 ms' ('' without the table)."""
    picks = {}
    for runtime, ms, *_, deploy in budget_table(series, dataset, col)[1]:
        side = deploy.split(" (")[0]
        side = f"only {side} measured" if "no measured" in deploy else side
        picks.setdefault(runtime, {}).setdefault(side, []).append(ms)
    said = [f"{runtime}: " + "; ".join(f"{side} at {', '.join(budgets)} ms" for side, budgets in sides.items())
            for runtime, sides in picks.items()]
    return ("Which to deploy by latency budget (end-to-end, the family's most accurate file within it against "
            f"{BASELINE}'s; a side only beyond the seed margin): " + ". ".join(said) + ".") if said else ""


def answer(series: dict, columns: list, machines: dict, datasets: list, note: str) -> str:
    """The paragraph; '' when the report has no sweep of both models on a machine."""
    col = next((c for c in columns if c[1] == "1"), columns[0] if columns else None)
    dataset = next((d for d in datasets if any(k[:2] == (d, PRODUCT) for k in series)), None)
    if not (col and dataset):
        return ""
    like = head_verdicts(series, dataset, col, "int8")
    if not like:
        return ""
    machine = f"{col[0]} ({isa_words(machines.get(col[0], {}))}), {col[1]} thread"
    parts = [QUESTION, f"Measured on {dataset}{f' ({note})' if note else ''}, {machine}, ONNX Runtime.",
             f"Against {BASELINE} INT8 made the same way, head for head: " + "; ".join(like) + ".",
             equal_size(series, dataset, col)]
    if FAMILY in subjects(series, dataset):
        members = sorted(covered(FAMILY) & {family(k.model) for k in series if k.dataset == dataset})
        parts.append(f"The {FAMILY} ({', '.join(members)}) as one INT8 front against {BASELINE} INT8, head for head: "
                     + "; ".join(head_verdicts(series, dataset, col, "int8", FAMILY)) + ".")
    best = best_runtime_verdict(series, dataset, PRODUCT, col)
    if best:
        parts.append(f"Each on its best runtime and precision (raw head; {best.margin}): {best.text}.")
    parts.append(by_budget(series, dataset, col))
    fp32 = head_verdicts(series, dataset, col, "fp32")
    if fp32:
        parts.append(f"Against {BASELINE} FP32: " + "; ".join(fp32) + ".")
    return " ".join(p for p in parts if p)

