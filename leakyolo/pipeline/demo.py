"""The run's closing outputs: the report, an annotated demo video made by `detect` on held-out frames, and
the headline table printed at the end."""

import json
import sys
from pathlib import Path

from leakyolo.base.errors import UserError
from leakyolo.base.provenance import sha256_file
from leakyolo.detect.model_file import file_name

from .measure import val_images
from .plan import Plan
from .profiles import row_imgsz

DEMO_FRAMES, DEMO_SIZE = 48, 640


def demo_video(dataset_yaml: str, model: Path, out: Path) -> list:
    """An annotated video made by `detect` on held-out (val) frames; [video, JSON lines, source video]."""
    import cv2

    from leakyolo.detect.loop import detect
    from leakyolo.detect.preprocess import letterbox, read_image

    images = val_images(dataset_yaml)[:DEMO_FRAMES]
    if not images:
        raise UserError(f"no val images next to {dataset_yaml} for the demo video")
    source = out / "demo-source.mp4"
    tmp = out / ".demo-source.partial.mp4"
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), 2, (DEMO_SIZE, DEMO_SIZE))
    for p in images:
        frame = read_image(p)
        writer.write(cv2.resize(letterbox(frame, (320, 320))[0], (DEMO_SIZE, DEMO_SIZE),
                                interpolation=cv2.INTER_LINEAR))
    writer.release()
    tmp.replace(source)
    demo, jsonl = out / "demo.mp4", out / "demo.jsonl"
    detect(str(source), model, save=demo, json=str(jsonl), threads=2)
    return [str(demo), str(jsonl), str(source)]


def headline(out: Path, dataset: str, imgsz: int) -> str:
    """The main exports (NMS-free, training size): mAP and 1-thread latency, from this run's results."""
    evals = json.loads((out / "results" / f"eval-{dataset}.json").read_text())["models"]
    bench = json.loads((out / "results" / f"bench-{dataset}.json").read_text())["models"]
    lat = {m["sha256"]: m["results"].get("1", {}).get("model_only", {}).get("p50") for m in bench}
    lines = [f"{'model':<40}{'mAP50-95':>9}{'mAP50':>8}{'p50 ms (1 thr)':>16}"]
    for m in evals:
        if m["imgsz"] == imgsz and m["card"].get("head", "nms-free") == "nms-free":
            lines.append(f"{m['file']:<40}{m['mAP50-95']:>9.3f}{m['mAP50']:>8.3f}{lat.get(m['sha256']) or 0:>16.2f}")
    return "\n".join(lines)


def lead_model(p: Plan) -> Path:
    """The file the demo and the closing hint use: the first row's INT8 (its FP32 if INT8 failed its gate)."""
    cfg = p.cfg
    name, size = f"{p.models[0]}-s{cfg['seeds'][0]}", row_imgsz(cfg, p.models[0])
    lead = p.out / "onnx" / cfg["data"][0] / file_name(name, size, False, "int8")
    return lead if lead.is_file() else lead.with_name(file_name(name, size, False, "fp32"))


def finish(p: Plan, profile: str, result_files: list) -> Path:
    """Report, demo video and the closing summary; the report path."""
    from leakyolo.compare.report import report

    cfg, out = p.cfg, p.out
    report_dir = out / "report"
    p.st.run("report", {"results": {f.name: sha256_file(f) for f in result_files}}, [report_dir / "report.md"],
             lambda: str(report(result_files, report_dir, title=f"LeakYOLO vs YOLO26 ({profile} profile)",
                                note=cfg["note"])))
    first, lead = cfg["data"][0], lead_model(p)
    demo = p.st.run("demo", {"model": sha256_file(lead)}, lambda r: r,
                    lambda: demo_video(p.data_yamls[first], lead, out))
    print(f"\nDone in {p.st.wall_minutes():.1f} min. Stage times (s): {json.dumps(p.st.timings)}",
          file=sys.stderr)
    print(f"ONNX files and model cards: {out / 'onnx'}\nreport: {report_dir / 'report.md'} and report.html\n"
          f"demo video: {demo[0]}\n\n{headline(out, first, cfg['imgsz'])}\n\n"
          f"Try it: detect --source camera --model {lead}\n"
          f"    or: detect --source {demo[2]} --model {lead} --show", file=sys.stderr)
    return report_dir / "report.md"
