"""Export stages: each trained model's main files (FP32 + gated INT8, NMS-free head, training size) and
its speed-accuracy sweep (more sizes, both heads), one resumable stage per point."""

from pathlib import Path

from leakyolo.base.defaults import BASELINE
from leakyolo.base.provenance import sha256_file

from .plan import Plan
from .profiles import row_imgsz, run_name, sweep_sizes


def options(p: Plan, model: str, seed: int):
    """The export options every file of one trained model shares (INT8 gated, not required)."""
    from leakyolo.export.options import ExportOptions

    return ExportOptions(int8=True, int8_required=False, calib_images=p.cfg["calib_images"], calib_method="auto",
                         types=p.int8_types, name=f"{model}-s{seed}")


def export_one(p: Plan, ds: str, model: str, seed: int, run_dir: Path) -> list:
    """The export stage of one trained model: FP32 + INT8 (+ Ultralytics' own INT8 for YOLO26n); the files."""
    from leakyolo.export.exporter import export

    cfg, baseline, imgsz = p.cfg, model == BASELINE, row_imgsz(p.cfg, model)
    weights = run_dir / "weights" / "best.pt"
    stage_inputs = {"weights": sha256_file(weights), "imgsz": imgsz, "calib": cfg["calib_images"],
                    "ultralytics": baseline and "int8, train-split calibration", "calib_method": "auto", "types": p.int8_types}
    opts = options(p, model, seed).but(imgsz=imgsz, out=p.out / "onnx" / ds, with_ultralytics=baseline)
    return p.st.run(f"export-{run_name(ds, model, seed)}", stage_inputs, lambda r: r,
                    lambda: [str(f) for f in export(run_dir, opts)])


def sweep_one(p: Plan, ds: str, model: str, seed: int, run_dir: Path, whole: bool) -> list:
    """The speed-accuracy sweep of one trained model: every size x head but the main export (whole), else
    only the raw head at the training size (the raw-head accuracy target counts every seed; a row trained at
    its own size only adds that). One stage per point: a rerun skips finished points; an INT8 that fails its
    gate at one point leaves only the FP32."""
    from leakyolo.export.exporter import export
    from leakyolo.export.sweep import HEADS

    cfg, files, imgsz = p.cfg, [], row_imgsz(p.cfg, model)
    weights = sha256_file(run_dir / "weights" / "best.pt")
    whole = whole and imgsz == cfg["imgsz"]
    points = [(size, head) for size in sweep_sizes(cfg) for head in HEADS] if whole else [(imgsz, "raw")]
    opts = options(p, model, seed).but(out=p.out / "onnx" / ds)
    for size, head in points:
        if (size, head) == (imgsz, "nms-free"):  # the main export
            continue
        stage_inputs = {"weights": weights, "imgsz": size, "head": head, "calib": cfg["calib_images"],
                        "calib_method": "auto", "types": p.int8_types}
        point = opts.but(imgsz=size, raw=HEADS[head])
        files += p.st.run(f"sweep-{run_name(ds, model, seed)}-{size}-{head}", stage_inputs, lambda r: r,
                          lambda point=point: [str(f) for f in export(run_dir, point)])
    return files


RUNTIME_FILES = 2  # 2: NCNN INT8 too (export/ncnn_int8.py); a change here remakes every runtime stage's files


def matrix_files(p: Plan, model: str, seed: int, files: list) -> list:
    """One trained model's ONNX files at the runtime matrix's point: raw head, its training size, FP32 and INT8."""
    prefix = f"{model}-s{seed}-{row_imgsz(p.cfg, model)}-raw-"
    return sorted(f for f in files if Path(f).name.startswith(prefix) and f.endswith(("-fp32.onnx", "-int8.onnx")))


def runtimes_one(p: Plan, ds: str, model: str, seed: int, files: list) -> list:
    """The runtime stage of one trained model: OpenVINO / NCNN files made from its raw-head FP32 and INT8 files at
    the training size (the runtime matrix's point), gated, and for YOLO26n also Ultralytics' own files of that
    point (the baselines a user would make); runtimes whose extra is missing are said and skipped."""
    from leakyolo.export.exporter import export_baselines
    from leakyolo.export.targets import available, convert

    wanted = p.cfg.get("runtimes", ())
    formats = tuple(r for r in wanted if available(r))
    imgsz, sources = row_imgsz(p.cfg, model), matrix_files(p, model, seed, files)
    if not formats or not sources:
        return []
    inputs = {"files": {Path(f).name: sha256_file(f) for f in sources}, "formats": formats,
              "method": RUNTIME_FILES}
    made = p.st.run(f"runtimes-{run_name(ds, model, seed)}", inputs, lambda r: r,
                    lambda: [str(f) for f in convert(sources, formats, log=p.st.say)])
    if model != BASELINE:
        return made
    run_dir = p.out / "train" / run_name(ds, model, seed)
    opts = options(p, model, seed).but(imgsz=imgsz, raw=True, formats=formats, out=p.out / "onnx" / ds)
    inputs = {"weights": sha256_file(run_dir / "weights" / "best.pt"), "imgsz": imgsz, "formats": formats,
              "calib": p.cfg["calib_images"]}
    return made + p.st.run(f"ultralytics-{run_name(ds, model, seed)}", inputs, lambda r: r,
                           lambda: [str(f) for f in export_baselines(run_dir, opts)])
