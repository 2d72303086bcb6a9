"""The import graph, read from the source (function-level imports included): layers only point down,
no cycles, and the edge side (`detect`, `leakyolo bench`) reaches no torch-side code."""

import ast
import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Each layer may import itself and the layers before it. app: the `leakyolo` CLI and the pipeline.
LAYERS = ["base", "detect", "datasets", "models", "export", "compare", "app"]
TORCH_SIDE = {"torch", "torchvision", "ultralytics", "onnx", "onnxslim", "yaml", "matplotlib"}
EDGE_ENTRIES = ["leakyolo.detect.cli", "leakyolo.detect.bench"]
EDGE_LAYERS = {"base", "detect"}  # all that runs on a Pi: detect and `leakyolo bench` with its peak and stats
# PyYAML reads Ultralytics' own OpenVINO / NCNN folders; the [openvino] and [ncnn] extras install it, and ONNX
# files never import it (test_bench_runs_on_the_base_install blocks it)
EDGE_ALLOWED = {"leakyolo.detect.runtimes": {"yaml"}}


def modules() -> dict:
    """leakyolo module name -> source file, from pyproject's package folders (each package names its own)."""
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {}
    for package in cfg["packages"]:
        for f in sorted((ROOT / cfg["package-dir"][package]).glob("*.py")):
            found[package if f.stem == "__init__" else f"{package}.{f.stem}"] = f
    return found


MODULES = modules()


def imports_of(name: str) -> set:
    """Absolute names of everything a module imports, anywhere in it."""
    f = MODULES[name]
    package = name if f.stem == "__init__" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(f.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            submodules = {f"{module}.{a.name}" for a in node.names if f"{module}.{a.name}" in MODULES}
            out |= submodules
            if len(submodules) < len(node.names):  # names defined in the module itself
                out.add(module)
    return out


GRAPH = {name: {i for i in imports_of(name) if i in MODULES} for name in MODULES}
EXTERNAL = {name: {i.split(".")[0] for i in imports_of(name) if not i.startswith("leakyolo")} for name in MODULES}


def layer(name: str) -> str:
    part = name.split(".")[1] if "." in name else "app"
    return part if part in LAYERS else "app"


def closure(start: str, graph: dict = GRAPH) -> set:
    """Every module that start reaches through imports."""
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += graph.get(name, ())
    return seen


def test_layers_only_point_down():
    up = [(a, b) for a, deps in GRAPH.items() for b in deps
          if b != "leakyolo" and LAYERS.index(layer(b)) > LAYERS.index(layer(a))]
    assert not up, up


def cycles(graph: dict) -> list:
    """Edges (a, b) that close a loop: b reaches a again. Imports of the root package `leakyolo` (which every
    import of a subpackage loads anyway) are not edges."""
    return [(a, b) for a in graph for b in graph[a] if a != b and b != "leakyolo" and a in closure(b, graph)]


def test_no_import_cycles():
    assert not cycles(GRAPH), cycles(GRAPH)


def test_a_cycle_inside_the_app_layer_is_caught():
    planted = {**GRAPH, "leakyolo.pipeline.run": GRAPH["leakyolo.pipeline.run"] | {"leakyolo.cli"},
               "leakyolo.cli": GRAPH["leakyolo.cli"] | {"leakyolo.pipeline.run"}}
    assert layer("leakyolo.cli") == layer("leakyolo.pipeline.run") == "app"
    assert ("leakyolo.cli", "leakyolo.pipeline.run") in cycles(planted)


def test_base_imports_nothing_else_of_leakyolo():
    for name in (n for n in MODULES if layer(n) == "base"):
        assert {layer(d) for d in GRAPH[name] if d != "leakyolo"} <= {"base"}, name


def test_edge_side_reaches_no_torch_side_code():
    for entry in EDGE_ENTRIES:
        reached = closure(entry)
        assert not {n for n in reached if layer(n) not in EDGE_LAYERS} - {"leakyolo"}, entry
        assert "leakyolo.cli" not in reached and "leakyolo.base.offline" not in reached, entry
        heavy = {n: EXTERNAL[n] & TORCH_SIDE - EDGE_ALLOWED.get(n, set()) for n in reached}
        assert not {n: found for n, found in heavy.items() if found}, (entry, heavy)


def test_bench_runs_on_the_base_install(exported, tmp_path):
    """`leakyolo bench` with the torch-side packages made unimportable: the CLI parser and bench load."""
    blocked = "; ".join(f"sys.modules[{m!r}] = None" for m in sorted(TORCH_SIDE))
    code = (f"import sys; {blocked}\nfrom leakyolo.cli import main\n"
            f"sys.exit(main(['bench', {str(exported['int8'])!r}, '--runs', '2', '--warmup', '0', '--out', "
            f"{str(tmp_path / 'b.json')!r}]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ))
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "b.json").is_file()
