"""Package layout, CLI behaviour and offline Ultralytics."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from leakyolo.cli import main


def run_py(code: str, env=None) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **(env or {})})


def test_help_lists_only_real_commands(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for command in ("data", "models", "train"):
        assert command in out


def test_unknown_subcommand_and_option_exit_2(capsys):
    for argv in (["nosuch"], ["data", "build", "shapes", "--bogus"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_no_bare_top_level_modules():
    import leakyolo.datasets
    import leakyolo.models

    assert Path(leakyolo.models.__file__).parent.name == "models"
    done = run_py("import importlib.util as u; print(u.find_spec('models'), u.find_spec('datasets'))",
                  env={"PYTHONSAFEPATH": "1"})
    assert done.stdout.strip() == "None None", done.stdout


def test_detect_does_not_import_torch():
    done = run_py("import leakyolo.detect, sys; assert 'torch' not in sys.modules and 'ultralytics' not in sys.modules")
    assert done.returncode == 0, done.stderr


def test_missing_train_extra_is_one_line():
    code = ("import sys; sys.modules['torch'] = None; sys.modules['ultralytics'] = None\n"
            "from leakyolo.cli import main; sys.exit(main(['train', '--model', 'leakyolo-n', '--data', 'shapes']))")
    done = run_py(code)
    assert done.returncode == 2
    assert done.stderr.strip() == "error: training needs the [train] extra: pip install 'leakyolo[train]'"


def test_offline_env_user_values_win(tmp_path):
    code = ("import os; from leakyolo.base.offline import configure_env; c = configure_env();"
            "print(os.environ['YOLO_OFFLINE'], os.environ['YOLO_AUTOINSTALL'], os.environ['YOLO_CONFIG_DIR']);"
            "print((c / 'Arial.ttf').is_file())")
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOLO_")}
    env.update(YOLO_AUTOINSTALL="1", LEAKYOLO_CACHE=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    first, second = done.stdout.split("\n")[:2]
    assert first == f"1 1 {tmp_path / 'ultralytics'}"
    assert second == "True"


def test_unwritable_cache_scratch_moves_to_temp_and_data_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would be")
    env = {k: v for k, v in os.environ.items() if k not in ("MPLCONFIGDIR", "YOLO_CONFIG_DIR")}
    env["LEAKYOLO_CACHE"] = str(blocker / "cache")
    models = subprocess.run([str(Path(sys.executable).with_name("leakyolo")), "models"], capture_output=True,
                            text=True, env=env)
    assert models.returncode == 0 and "leakyolo-n" in models.stdout, models.stderr[-2000:]
    assert models.stderr.count("cannot be written") == 1 and "for this run" in models.stderr
    code = ("import sys; from leakyolo.base.errors import run; from leakyolo.base.paths import cache_dir;"
            "sys.exit(run(lambda a: cache_dir('wheels'), None))")
    wheels = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert wheels.returncode == 2 and wheels.stderr.count("\n") == 1, wheels.stderr
    assert "wheels cannot be written" in wheels.stderr and "set LEAKYOLO_CACHE" in wheels.stderr


NETWORK_BLOCKED = r"""
import socket, sys
attempts = []
def blocked(*args, **kwargs):
    attempts.append(args[1:2] or args[:1])
    raise OSError("network blocked by the test")
socket.socket.connect = socket.socket.connect_ex = blocked
socket.getaddrinfo = socket.create_connection = blocked
from leakyolo.cli import main
out = sys.argv[1]
steps = [
    ["data", "build", "shapes", "--imgsz", "64", "--n-images", "16", "--out", f"{out}/data"],
    ["train", "--model", "leakyolo-n", "--data", f"{out}/data/data.yaml", "--epochs", "1", "--imgsz", "64",
     "--batch", "8", "--workers", "0", "--project", f"{out}/runs", "--name", "net"],
    ["export", f"{out}/runs/net", "--imgsz", "64", "--out", f"{out}/onnx", "--skip-gates"],
]
for step in steps:
    rc = main(step)
    assert rc == 0, (step, rc)
print("ATTEMPTS", len(attempts), attempts[:3])
"""


@pytest.mark.slow
def test_zero_network_build_train_export(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOLO_")}
    env["YOLO_CONFIG_DIR"] = str(tmp_path / "ycfg")  # a fresh Ultralytics config: first-run paths too
    done = subprocess.run([sys.executable, "-c", NETWORK_BLOCKED, str(tmp_path)], capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ATTEMPTS 0 []" in done.stdout, done.stdout[-2000:]
    assert list((tmp_path / "onnx").glob("*.onnx"))
