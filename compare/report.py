"""`leakyolo report`: bench / eval / arm JSON (any number of machines) -> report.md, report.html,
summary.md, figures, and optionally the README's results block. Loading and grouping is results.py,
tables tables.py, figures plots.py; this module renders the pages and splices the README."""

import base64
import html
import json
import os
import re
from pathlib import Path
from typing import Optional, Union

from leakyolo.base.errors import UserError
from leakyolo.base.paths import cache_root
from leakyolo.base.provenance import atomic_write_bytes, stamp, write_json

from .curves import GAP_RULE, RULE as PLATEAU_RULE, gap_table, plateau_table
from .family_targets import arm_rows, family_targets
from .frontier import collect_series, frontier_table, verdicts
from .answer import answer
from .budget import BUDGET_RULE, BUDGET_TEXT, budget_table
from .limits import limits
from .plots import plots
from .names import model_names, row_label
from .results import averages, best_rates, collect, left_out, load_results
from .runtimes import arm_best, not_made, runtime_table, runtime_verdicts
from .screening import screen_table
from .tables import arm_table, detail_table, gemm_peaks_text, html_table, markdown_table, md, summary, table
from .targets import check as check_targets, raw_accuracy

README_BEGIN, README_END = "<!-- leakyolo report: begin -->", "<!-- leakyolo report: end -->"
ANSWER_BEGIN, ANSWER_END = "<!-- leakyolo answer: begin -->", "<!-- leakyolo answer: end -->"
TARGETS_TEXT = ("What LeakYOLO is for: its INT8 model much faster than YOLO26n at the same accuracy. Each line is "
                "computed from the tables above; the accuracy target counts only with at least 2 seeds per model, the "
                "LeakYOLO family's targets with at least 3.")
ARM_TEXT = ("Parity: the emulated core's outputs against the model's reference outputs (ONNX Runtime with graph "
            "optimisations off, so Q/DQ runs as written rather than through one CPU's integer kernels; NCNN's x86 "
            "build, within fp16's tolerance where the core computes in fp16: NCNN's default on the A76, not the A72), "
            "on one image (the pipeline's: the val image with the most objects of the first 16). INT8 parity holds "
            "the outputs detect would show; where neither side has one, it reads 'not compared', not ok. "
            "The second table: each model's raw-head files on each runtime, the runtime and precision with the fewest "
            "instructions, and that against YOLO26n's fewest (its files by us and by Ultralytics). "
            "Instructions: executed by the inferring thread per inference, the median of several after a warm-up "
            "(spread: (max - min) / median). They rank models; they are not cycles and not a board's latency. "
            "Emulated wall-clock time is never reported.")
SCREEN_TEXT = ("Every INT8 model on one line, screening candidates included: its INT8 file with the raw head at its "
               "training size (end-to-end p50, first machine, 1 thread; mAP50-95 per seed), and its INT8 front over "
               "every swept size against YOLO26n INT8's, raw head + NMS on both sides, by the frontier's rules.")
METHOD_TEXT = ("Latency: model-only (ONNX Runtime session.run on a letterboxed input), batch 1, p50 / p90 over the "
               "stated runs, models interleaved. Speedups compare runs on the same machine and thread count only. "
               "mAP: Ultralytics' validator on the ONNX files, same val split for all. int8 GOPS: the model's FLOPs "
               "(Ultralytics' count, 2 per multiply-add) / p50, against the best u8 x s8 GEMM rate ONNX Runtime "
               "reached on the same machine and threads ({peaks}). int8 / fp32 GEMM peak: how much more "
               "multiply-add throughput the machine's int8 kernels have than its fp32 ones (about 2x on x86 "
               "without VNNI, where ONNX Runtime's u8 x s8 kernels use 16-bit pair sums).")
FRONTIER_TEXT = ("Every exported input size and head of each trained model, as end-to-end p50 (preprocess + model + "
                 "postprocess, NMS included for raw heads: what detect runs) against mAP50-95; seeds averaged per "
                 "size (the seeds every size has). Models run below their training size are penalised against models "
                 "trained at that size: a model named MODEL@SIZE was trained at that smaller size, to show the fair "
                 "point. mAP at a latency is interpolated along the series' Pareto front; '—' means even its fastest "
                 "point is slower. Verdicts compare like with like: NMS-free fronts with NMS-free, raw + NMS with raw "
                 "+ NMS, and in their own rows the best of both heads on both sides. 'dominates': at every latency "
                 "both fronts reach, ours is higher by more than the margin, and ours reaches their best mAP. The "
                 "margin is twice the pooled standard error of the difference (each front's seed variance "
                 "averaged over its points, over its seed count); within it the verdict is 'ties'. With one seed "
                 "there is no margin and the verdict says 'unconfirmed'. Otherwise the words say what holds: leads "
                 "or trails (by how much, over which latencies, and against whose best), crosses (where ours leads), "
                 "faster or slower at every point. Interpolation across sizes further apart than the sweep's step is "
                 "named. 'LeakYOLO family' rows judge every registered member of ours as one front (a user picks "
                 "any); screening candidates are not members.")
RUNTIMES_TEXT = ("The same trained models on each runtime, like for like: the raw head (+ NMS) at the size each was "
                 "trained at, the one point every runtime takes (NCNN has no NMS-free head). OpenVINO files are read "
                 "from our ONNX files (its INT8 from our QDQ file), NCNN files converted by pnnx from the FP32 ONNX "
                 "file (its INT8 made from that with scales calibrated on the train split); each passed the accuracy "
                 "gate against the FP32 ONNX file. Cells: mAP50-95 (mean over seeds), then end-to-end p50 per machine "
                 "and thread count (docs/runtimes.md); 'not made': a file the runtime could not take or that failed "
                 "its gate, why after the tables.")
PLATEAU_TEXT = (PLATEAU_RULE + " " + GAP_RULE + " Learning curves: the learning_curves figures (triangles mark "
                "plateau epochs).")
STYLE = ("body{font-family:sans-serif;margin:2em;max-width:1400px}table{border-collapse:collapse;font-size:13px}"
         "td,th{border:1px solid #ccc;padding:4px 6px}table+table{margin-top:14px}th{background:#eee}"
         ".note{background:#fff3cd;padding:8px}"
         "img{max-width:48%;margin:4px}")


ABS_PATH = re.compile(r"(?<![\w.:/~$])/(?:[^\s\"'/:,;()]+/)*[^\s\"'/:,;()]+")
MACHINE_FIELDS = ("cpu", "arch", "cores", "isa", "os", "python", "numpy", "onnxruntime")


def portable(path: str, base: Path) -> str:
    """An absolute path of the building machine, made portable: relative to base (the run folder), to the
    LeakYOLO cache or to home; anything else keeps only its last two parts."""
    p = Path(path)
    for root, prefix in ((base, ""), (cache_root(), "$LEAKYOLO_CACHE/"), (Path.home(), "~/")):
        try:
            rel = p.relative_to(root).as_posix()
        except ValueError:
            continue
        return prefix + rel if prefix or rel != "." else "."
    return ".../" + "/".join(p.parts[-2:])


def scrub(obj, base: Path):
    """obj with every absolute path in its strings made portable (records, commands)."""
    if isinstance(obj, dict):
        return {k: scrub(v, base) for k, v in obj.items()}
    if isinstance(obj, list):
        return [scrub(v, base) for v in obj]
    if isinstance(obj, str):
        return ABS_PATH.sub(lambda m: portable(m.group(0), base), obj)
    return obj


class Page:
    """The report as Markdown and HTML side by side: each section is added to both."""

    def __init__(self, title: str, note: str):
        self.md = [f"# {md(title)}", ""] + ([f"> {md(note)}", ""] if note else [])
        self.html = [f"<h1>{html.escape(title)}</h1>"] + ([f"<p class='note'>{html.escape(note)}</p>"] if note else [])

    def section(self, heading: str, tables=(), text: str = "", intro: str = "") -> None:
        """A heading, an introduction, tables (header, body) and a paragraph after them."""
        self.md += [f"## {md(heading)}", ""]
        self.html.append(f"<h2>{html.escape(heading)}</h2>")
        if intro:
            self.paragraph(intro)
        for header, body in tables:
            self.md += [markdown_table(header, body), ""]
            self.html.append(html_table(header, body))
        if text:
            self.md += [md(text), ""]
            self.html.append(f"<p>{html.escape(text)}</p>")

    def paragraph(self, text: str) -> None:
        self.md += [md(text), ""]
        self.html.append(f"<p>{html.escape(text)}</p>")


def add_sections(page: Page, results, rows: dict, columns: list, peaks: dict, targets: tuple, series: dict,
                 verdict: tuple) -> None:
    """Dataset tables, the frontier, emulated ARM, targets and the method paragraph."""
    datasets = sorted({k.dataset for k in rows})
    for dataset in datasets:
        page.section(f"Dataset: {dataset}", [table(rows, columns, dataset),
                                             detail_table(rows, columns, peaks, dataset)])
    matrix = [(h, b) for h, b in (runtime_table(results, d, columns) for d in datasets) if b]
    if matrix:
        judged = runtime_verdicts(series, columns)
        why = " ".join(filter(None, (not_made(results, d) for d in datasets)))
        page.section("Runtimes", matrix + ([judged] if judged[1] else []), intro=RUNTIMES_TEXT, text=why)
    budgets = [t for t in (budget_table(series, d, c) for d in datasets for c in columns) if t[1]]
    if budgets:
        page.section("Which file for a latency budget", budgets, intro=BUDGET_TEXT)
    add_frontier(page, results, columns, series, verdict)
    cards = {(k.dataset, k.model): r.card for k, r in rows.items() if k.precision == "int8" and not k.variant}
    glance = screen_table(series, cards, columns)
    if glance[1]:
        page.section("Models at a glance (screening)", [glance], intro=SCREEN_TEXT)
    if results.arms:
        names = model_names(results)
        tables = [t for t in (arm_table(results.arms, names), arm_best(results, names)) if t[1]]
        page.section("Emulated ARM (qemu user mode)", tables, ARM_TEXT)
    if targets[1]:
        page.section("Targets", [targets], intro=TARGETS_TEXT)
    page.paragraph(METHOD_TEXT.format(peaks=gemm_peaks_text(peaks, best_rates(results.benches, "fp32_peak_gops"))))


def swept(series: dict) -> list:
    """The datasets with a sweep: files at more than one (head, input size) point."""
    points = {}
    for k, v in series.items():
        points.setdefault(k.dataset, set()).update((k.head, size) for size in v)
    return sorted(d for d, p in points.items() if len(p) > 1)


def add_frontier(page: Page, results, columns: list, series: dict, verdict: tuple) -> None:
    """The speed-accuracy frontier section: per dataset and column a table, then verdicts and left-out points."""
    datasets = swept(series)
    if not datasets:
        return
    tables = [frontier_table(series, d, col) for d in datasets for col in columns] + [verdict]
    page.section("Speed-accuracy frontier", intro=FRONTIER_TEXT, tables=[(h, b) for h, b in tables if b])
    gone = left_out(results)
    if gone:
        page.paragraph("Left out of the frontier (INT8 failed its accuracy gate at that point; the FP32 file is "
                       "shown): " + "; ".join(f"{f} [{d}]: {why}" for d, f, why in gone))


def add_appendix(page: Page, results, rows: dict, images: dict, base: Path) -> None:
    """Figures, machines, sources, commands and (HTML only) the raw result records; paths made portable."""
    machines = {r["machine"]["label"]: r["machine"] for _, r in results.benches}
    commands = [f"{f.name}: {scrub(r.get('command'), base)}" for f, r in results.all]
    page.md += ["## Figures", ""] + [f"![{name}]({name})" for name in images] + [""]
    page.html += ["<h2>Figures</h2>"] + [f"<img alt=\"{html.escape(n)}\" src='data:image/png;base64,"
                                         f"{base64.b64encode(b).decode()}'>" for n, b in images.items()]
    page.section("Machines", [(["machine", *MACHINE_FIELDS],
                               [[k] + [", ".join(v[f]) if isinstance(v.get(f), list) else str(v.get(f, "—"))
                                       for f in MACHINE_FIELDS] for k, v in machines.items()])])
    page.section("Sources", [(["row", "result file : model sha256 prefix"],
                              [[f"{row_label(k)} [{k.dataset}]",
                                ", ".join(sorted(r.sources))] for k, r in rows.items()])])
    page.md += ["## Commands", ""] + [f"- `{c}`" for c in commands]
    page.html += ["<h2>Commands</h2><pre>" + html.escape("\n".join(commands)) + "</pre>",
                  "<h2>Raw results</h2>" + "".join(
                      f"<details><summary>{html.escape(f.name)}</summary><pre>"
                      f"{html.escape(json.dumps(scrub(r, base), indent=1))}</pre></details>" for f, r in results.all)]


def between(doc: str, begin: str, end: str) -> tuple:
    """(before, after) of the one begin ... end marker pair in doc, or None when doc has no such pair."""
    if doc.count(begin) != 1 or doc.count(end) != 1 or doc.index(begin) > doc.index(end):
        return None
    head, rest = doc.split(begin)
    return head + begin + "\n", "\n" + end + rest.split(end)[1]


def read_readme(readme) -> str:
    """The README's text, checked for its report markers before anything is written."""
    readme = Path(readme)
    try:
        doc = readme.read_text()
    except OSError as e:
        raise UserError(f"{readme}: cannot read it ({type(e).__name__}); pass the README to update") from None
    if not between(doc, README_BEGIN, README_END):
        raise UserError(f"{readme}: needs one '{README_BEGIN}' line and one '{README_END}' line where the table goes")
    return doc


def splice_readme(readme, doc: str, brief: str, first_screen: str, report_md: Path) -> None:
    """Put the summary, with a link to the whole report, between the README's report markers, and the answer
    between its answer markers where it has them."""
    link = Path(os.path.relpath(report_md.resolve(), Path(readme).resolve().parent)).as_posix()
    head, tail = between(doc, README_BEGIN, README_END)
    doc = (f"{head}{brief}\nThe whole report (every precision, thread count, emulated ARM, figures, machine, sources, "
           f"commands): [{link}]({link}).{tail}")
    around = between(doc, ANSWER_BEGIN, ANSWER_END)
    if around and first_screen:
        doc = f"{around[0]}{first_screen}{around[1]}"
    atomic_write_bytes(readme, doc.encode())


def targets_table(results, rows: dict, columns: list, peaks: dict, names: dict, series: dict) -> tuple:
    """(header, body) of the targets: LeakYOLO-n's (compare/targets.py), then the family's (compare/family_targets.py)."""
    avg = averages(rows)
    header, body = check_targets(avg, columns, peaks, [
        (names.get(r["sha256"], r["file"]), r["precision"], r["core"], r.get("instructions_per_inference"))
        for _, record in results.arms for r in record["models"]  # the main files: ONNX Runtime, NMS-free head
        if r.get("runtime", "onnxruntime") == "onnxruntime" and r.get("head") in (None, "nms-free")],
        raw_accuracy(series))
    return header, body + family_targets(series, columns, avg) + arm_rows(results, names, avg)


def report(files: list, out: Union[str, Path], title: str = "LeakYOLO comparison", note: str = "",
           readme: Optional[Union[str, Path]] = None, relative_to: Optional[Union[str, Path]] = None) -> Path:
    """Write report.md, summary.md, report.html, the plots and the merged inputs into out; return report.md.

    readme: also put summary.md, with a link to report.md, between that README's report markers, and the
    first-screen answer (compare/answer.py) between its answer markers where it has them.
    relative_to: the run folder that paths in the report are written relative to (default: the folder
    above the first result file's folder, i.e. the run folder for RUN/results/*.json); no absolute path
    of the building machine is written.
    """
    results = load_results(files)
    doc = read_readme(readme) if readme else None
    rows, columns, peaks = collect(results)
    names, series = model_names(results), collect_series(results)
    targets = targets_table(results, rows, columns, peaks, names, series)
    trainings = [t for _, r in results.trainings for t in r["models"]]
    images = plots(rows, columns, sorted({k.dataset for k in rows}), series, trainings)
    page = Page(title, note)
    datasets = swept(series)
    if trainings:
        page.section("Training to a plateau", [plateau_table(trainings), gap_table(trainings)], intro=PLATEAU_TEXT)
    add_sections(page, results, rows, columns, peaks, targets, series, verdicts(series, datasets, columns))
    machines = {r["machine"]["label"]: r["machine"] for _, r in results.benches}
    rests_on = limits(results, rows, series, machines)
    page.section("What these numbers rest on", [(["generated from the result files above"], [[x] for x in rests_on])])
    base = Path(relative_to or Path(files[0]).resolve().parent.parent).resolve()
    add_appendix(page, results, rows, images, base)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in images.items():
        atomic_write_bytes(out / name, data)
    made = {"title": title, "note": note, "readme": bool(readme)}  # enough to render it again (tests do)
    write_json(out / "results.json", scrub({"inputs": {f.name: r for f, r in results.all}, **made, **stamp()}, base))
    atomic_write_bytes(out / "report.html", (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
                                             f"{html.escape(title)}</title><style>{STYLE}</style></head><body>"
                                             f"{''.join(page.html)}</body></html>").encode())
    brief = summary(rows, columns, peaks, title, note, machines, results.benches, (
        ("Targets", targets), ("Speed-accuracy frontier (every input size and head; end-to-end latency)",
                               verdicts(series, datasets, columns[:1])),
        *((f"Which file for a latency budget ({BUDGET_RULE})", budget_table(series, d, columns[0]))
          for d in sorted({k.dataset for k in rows}) if columns)), rests_on)
    atomic_write_bytes(out / "summary.md", (brief + "\n").encode())
    path = atomic_write_bytes(out / "report.md", ("\n".join(page.md) + "\n").encode())
    if doc:
        splice_readme(readme, doc, brief, answer(series, columns, machines, datasets, note), path)
    return path
