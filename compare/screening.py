"""The screening table: every INT8 model of a report (screening candidates included) on one line a reader can rank:
its size, its INT8 latency per runtime, its INT8 accuracy per seed, and its INT8 front against YOLO26n INT8's by
the frontier's rules, head for head (raw + NMS: the head every runtime takes). Latency and accuracy at the
model's training size, on the first machine at 1 thread."""

from leakyolo.base.defaults import BASELINE

from .frontier import at_training_size, family, head_verdict
from .names import RUNTIME_NAMES
from .runtimes import OURS_RUNTIMES


def screen_table(series: dict, cards: dict, columns: list) -> tuple:
    """(header, body); cards: (dataset, model) -> a card with params and gflops@640. Empty without a 1-thread
    column."""
    col = next((c for c in columns if c[1] == "1"), None)
    if col is None:
        return [], []
    header = ["dataset", "model", "params (M)", "GFLOPs@640",
              *(f"INT8 p50 ms, {RUNTIME_NAMES[v or 'onnxruntime']}" for v in OURS_RUNTIMES), "INT8 mAP50-95 per seed",
              f"INT8 front vs {BASELINE} INT8 (raw + NMS)"]
    body = []
    for dataset in sorted({k.dataset for k in series}):
        for model in sorted({k.model for k in series if k.dataset == dataset and k.model == family(k.model)}):
            main = at_training_size(series, dataset, model, col)
            if not main:
                continue
            card = cards.get((dataset, model), {})
            times = [at_training_size(series, dataset, model, col, variant_=v) for v in OURS_RUNTIMES]
            found = head_verdict(series, dataset, model, "int8", col, ("raw",)) if model != BASELINE else None
            body.append([dataset, model, f"{card['params'] / 1e6:.2f}" if card.get("params") else "—",
                         f"{card['gflops@640']:.2f}" if card.get("gflops@640") else "—",
                         *(f"{t[0]:.2f}" if t else "—" for t in times),
                         " / ".join(f"{m:.3f}" for m in main[3]), f"{found.text} ({found.margin})" if found else "—"])
    return header, body
