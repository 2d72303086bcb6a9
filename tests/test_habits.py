"""What Ultralytics users expect: defaults in --help, KEY=VALUE hyperparameters, model files, the
checkpoint's own size for export, and a Python API of plain functions."""

import argparse
import inspect
import json
import subprocess
import sys

import pytest

from leakyolo.cli import build_parser, main


def subcommands(parser, prefix=()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*prefix, name), sub
                yield from subcommands(sub, (*prefix, name))


def test_every_help_shows_its_defaults():
    from leakyolo.detect.cli import build_parser as detect_parser

    parsers = [(("detect",), detect_parser())] + list(subcommands(build_parser()))
    for name, parser in parsers:
        text = parser.format_help()
        for action in parser._actions:
            if action.option_strings and action.default not in (None, False, argparse.SUPPRESS) \
                    and action.help and "--help" not in action.option_strings:
                assert "default" in " ".join(action.help.split()) or f"(default: {action.default})" in \
                    " ".join(text.split()), (name, action.option_strings)


def test_hyperparameters_are_checked_by_ultralytics(capsys):
    for pairs, needle in [(["lr00=0.1"], "'lr00' is not a valid YOLO argument"),
                          (["fliplr=3.0"], "'fliplr=3.0' is an invalid value"),
                          (["lr0=abc"], "'lr0=abc' is of invalid type"),
                          (["mosaic"], "KEY=VALUE"),
                          (["epochs=3"], "use the --epochs option")]:
        assert main(["train", "--data", "shapes", *pairs]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and needle in err, (pairs, err)
    assert main(["train", "--epochs", "1"]) == 2
    assert "train needs --data" in capsys.readouterr().err


def test_hyperparameters_may_follow_options():
    from leakyolo.cli import parse

    args = parse(["convert", "a.pt", "--data", "digits", "--epochs", "3", "nbs=8", "mosaic=0.0"])
    assert (args.checkpoint, args.epochs, args.hyperparameters) == ("a.pt", 3, ["nbs=8", "mosaic=0.0"])
    args = parse(["train", "lr0=0.005", "--data", "digits", "mosaic=0.5"])
    assert args.hyperparameters == ["lr0=0.005", "mosaic=0.5"]
    with pytest.raises(SystemExit):
        parse(["models", "lr0=0.1"])  # `leakyolo models` takes no hyperparameters


def test_train_refuses_models_it_cannot_use(tmp_path, capsys):
    import torch
    from ultralytics import YOLO

    assert main(["train", "--model", str(tmp_path / "none.pt"), "--data", "shapes"]) == 2
    assert "not found" in capsys.readouterr().err
    cls = YOLO("yolo26n-cls.yaml")
    torch.save({"model": cls.model, "train_args": {"task": "classify"}}, tmp_path / "cls.pt")
    assert main(["train", "--model", str(tmp_path / "cls.pt"), "--data", "shapes"]) == 2
    assert "is a classify model" in capsys.readouterr().err
    (tmp_path / "bad.yaml").write_text("nc: [unclosed\n")
    assert main(["train", "--model", str(tmp_path / "bad.yaml"), "--data", "shapes"]) == 2
    assert "not a loadable model" in capsys.readouterr().err


@pytest.mark.slow
def test_train_a_model_yaml_with_hyperparameters(shapes_yaml, tmp_path):
    from leakyolo.models.registry import HERE

    assert main(["train", "--model", str(HERE / "leakyolo.yaml"), "--data", str(shapes_yaml), "--epochs", "1",
                 "--imgsz", "64", "--batch", "8", "--workers", "0", "--project", str(tmp_path),
                 "mosaic=0.0", "hsv_h=0.0"]) == 0
    run = tmp_path / f"leakyolo-{shapes_yaml.parent.name}"  # the documented default: MODEL-DATAFOLDER
    record = json.loads((run / "run.json").read_text())
    assert record["model"] == "leakyolo" and record["model_source"]["sha256"]
    assert record["activation"] == "LeakyReLU" and record["settings"]["mosaic"] == 0.0


def test_export_defaults_to_the_training_size(trained_run, tmp_path):
    from leakyolo.export import export

    (fp32,) = export(trained_run, out=tmp_path, skip_gates=True)
    assert fp32.name == "leakyolo-n-96-fp32.onnx"  # trained at 96, not the 320 default


def test_python_api_is_plain_functions_and_stays_light():
    code = ("import sys, leakyolo, inspect\n"
            "assert 'torch' not in sys.modules and 'ultralytics' not in sys.modules\n"
            "for name in ('Detector', 'train', 'evaluate', 'bench', 'report'):\n"
            "    obj = getattr(leakyolo, name)\n"
            "    assert callable(obj) and inspect.getdoc(obj), name\n"
            "    assert inspect.signature(obj).parameters, name\n"
            "import types, leakyolo.export.calibration\n"
            "from leakyolo.export import ExportOptions, export\n"
            "from leakyolo.detect import DetectOptions, detect\n"
            "assert inspect.isfunction(export) and inspect.isfunction(detect)\n"
            "assert type(leakyolo.export) is types.ModuleType  # a plain package, no class swapped in\n"
            "print(sorted(n for n in dir(leakyolo) if not n.startswith('_')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert {"Detector", "bench", "evaluate", "report", "train"} <= set(eval(done.stdout))
    import leakyolo
    from leakyolo.detect import detect
    from leakyolo.export import export

    for func in (*(getattr(leakyolo, n) for n in ("train", "evaluate", "bench", "report")), export, detect):
        assert inspect.signature(func).return_annotation is not inspect.Signature.empty, func.__name__


def test_bench_and_calibration_show_progress(exported, learn_yaml, capsys, monkeypatch):
    from leakyolo.detect import bench as bench_mod
    from leakyolo.export.calibration import LetterboxDataReader, sample_images

    record = bench_mod.bench([exported["int8"]], warmup=0, runs=8, peaks=False)
    err = capsys.readouterr().err
    assert "bench: run 2/8, ~" in err and "s left" in err and "end-to-end p50" in err
    if max(record["settings"]["others_cpu_busy"].values()) <= bench_mod.BUSY:
        assert "latencies will be noisy" not in err
    monkeypatch.setattr(bench_mod, "cpu_busy", lambda: 0.6)  # another process on the machine
    bench_mod.bench([exported["int8"]], warmup=0, runs=1, peaks=False)
    assert "bench: other processes keep 60% of this machine's CPU busy: latencies will be noisy" in capsys.readouterr().err
    reader = LetterboxDataReader(sample_images(learn_yaml, 60), "images", (96, 96))
    while reader.get_next() is not None:
        pass
    err = capsys.readouterr().err
    assert "calibration image 50/60" in err and "calibration image 60/60" in err


def test_report_runs_on_the_base_install(pipeline_out, tmp_path):
    """`leakyolo report` with torch, Ultralytics, onnx, yaml and matplotlib unimportable: tables, no figures."""
    blocked = "; ".join(f"sys.modules[{m!r}] = None" for m in
                        ("torch", "torchvision", "ultralytics", "onnx", "onnxslim", "yaml", "matplotlib"))
    files = [str(p) for p in sorted((pipeline_out / "results").glob("*.json"))]
    code = (f"import sys; {blocked}\nfrom leakyolo.cli import main\n"
            f"sys.exit(main(['report', *{files!r}, '--out', {str(tmp_path / 'r')!r}]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "no figures: they need matplotlib" in done.stderr
    assert "| leakyolo-n |" in (tmp_path / "r" / "report.md").read_text()
