"""What a result row is called in a report: who made the file, which runtime runs it, the model's display name."""

from leakyolo.base.defaults import DISTILLED

RUNTIME_NAMES = {"onnxruntime": "ONNX Runtime", "openvino": "OpenVINO", "ncnn": "NCNN"}
MAIN_VARIANTS = ("", "ultralytics")  # the main tables and figures: ONNX Runtime files; other runtimes have their own


def variant(card: dict) -> str:
    """How a file differs from our ONNX Runtime file of its model and precision: made by Ultralytics' own exporter
    ('ultralytics'), run on another runtime ('openvino', 'ncnn'), or both ('ultralytics-openvino'); '' for ours on
    ONNX Runtime. (Cards before the exporter field say Ultralytics in their quantization tool.)"""
    runtime = card.get("runtime") or "onnxruntime"
    made = card.get("exporter") == "ultralytics" or "ultralytics" in (card.get("quantization") or "")
    return "-".join(["ultralytics"] * made + [runtime] * (runtime != "onnxruntime"))


def split_variant(how: str) -> tuple:
    """(made by Ultralytics, runtime) of a variant; the runtime is 'onnxruntime' when none is named."""
    made = how.startswith("ultralytics")
    return made, how.removeprefix("ultralytics").strip("-") or "onnxruntime"


def display_model(card: dict, fallback: str) -> str:
    """The model's name in a report: a model trained with a teacher is its own row ('-distilled');
    a converted one is already named for it."""
    name = card.get("model") or fallback
    return name + DISTILLED if card.get("teacher") and not card.get("converted_from") else name


def how_made(how: str) -> str:
    """A variant in words: '' (ours on ONNX Runtime), 'OpenVINO', 'Ultralytics quantize=8', "Ultralytics' NCNN
    export"."""
    made, runtime = split_variant(how)
    if not made:
        return RUNTIME_NAMES[runtime] if how else ""
    return "Ultralytics quantize=8" if runtime == "onnxruntime" else f"Ultralytics' {RUNTIME_NAMES[runtime]} export"


def row_label(key) -> str:
    """A row's (or series') model and precision in words; Ultralytics' own files and other runtimes said so."""
    return f"{key.model} {key.precision}" + (f" ({how_made(key.variant)})" if key.variant else "")


def base_name(name: str) -> str:
    """The model of a display name, without the note on who made the file ('yolo26n (Ultralytics' export)' -> 'yolo26n')."""
    return name.split(" (")[0]


def card_of(m: dict, record: dict) -> dict:
    """A result row's card, its dataset filled in from an eval record's data and its runtime from the row when
    the card has none."""
    return {**m["card"], "dataset": m["card"].get("dataset") or record.get("data", {}).get("name"),
            "runtime": m["card"].get("runtime") or m.get("runtime")}


def model_names(results) -> dict:
    """sha256 -> the model's display name, Ultralytics' own files marked (the runtime is a column of its own)."""
    def name(m: dict, record: dict) -> str:
        how = variant(card_of(m, record))
        return display_model(m["card"], m["file"]) + (f" ({how_made(how)})" if how.startswith("ultralytics") else "")

    return {m["sha256"]: name(m, r) for _, r in results.benches + results.evals for m in r["models"]}
