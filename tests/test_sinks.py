"""detect's outputs under a full disk (a file-size limit stands in), beside other runs and planted links, and onto
FIFOs: never "saved" for a short file, never a replaced node, one line and exit 1 when a write fails."""

import json
import os
import resource
import stat
import subprocess
import sys
import threading

import pytest

from test_reliability import frame_count, write_video

LIMIT = 60_000  # bytes a file may grow to in the limited runs


def detect(args: list, limit: int = 0) -> subprocess.CompletedProcess:
    """The detect command in a child process, its files limited to `limit` bytes if given."""
    def cap():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([sys.executable, "-m", "leakyolo.detect.cli", *args], capture_output=True, text=True,
                          preexec_fn=cap if limit else None, timeout=300)


@pytest.mark.parametrize("suffix", [".mp4", ".avi", ".mkv"])
def test_a_video_cut_short_is_not_saved(exported, tmp_path, suffix):
    video = write_video(tmp_path / "in.avi", 200, size=(96, 128))
    out = tmp_path / f"o{suffix}"
    done = detect(["--source", str(video), "--model", str(exported["int8"]), "--save", str(out)], LIMIT)
    assert done.returncode == 1, done.stderr[-800:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: --save {out}: wrote 200 frames but the file holds") and "Traceback" not in done.stderr
    assert "holds -" not in last  # mkv: OpenCV may report a negative frame count
    assert "saved" not in done.stderr and not out.exists() and not list(tmp_path.glob(".o.*"))
    kept = tmp_path / f"o.incomplete{suffix}"
    assert ("partial output is" in last) == kept.exists()


def test_a_json_stream_cut_short_is_one_line(exported, tmp_path):
    video = write_video(tmp_path / "in.avi", 800, size=(48, 64))
    out = tmp_path / "o.jsonl"
    done = detect(["--source", str(video), "--model", str(exported["int8"]), "--json", str(out)], 20_000)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-800:]
    assert done.stderr.strip().splitlines()[-1].startswith(f"error: --json {out}: File too large")
    assert not out.exists() and (tmp_path / "o.incomplete.jsonl").is_file()


def test_two_runs_with_the_same_outputs(exported, tmp_path):
    video = write_video(tmp_path / "in.avi", 300, size=(48, 64))
    argv = [sys.executable, "-m", "leakyolo.detect.cli", "--source", str(video), "--model", str(exported["int8"]),
            "--json", str(tmp_path / "o.jsonl"), "--save", str(tmp_path / "o.mp4"), "--threads", "1"]
    procs = [subprocess.Popen(argv, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    assert [p.wait(timeout=300) for p in procs] == [0, 0], [p.stderr.read()[-500:] for p in procs]
    lines = (tmp_path / "o.jsonl").read_text().splitlines()
    assert len(lines) == 300 and all(json.loads(x)["frame"] == i for i, x in enumerate(lines))
    assert frame_count(tmp_path / "o.mp4") == 300 and not list(tmp_path.glob(".o.*"))
    umask = os.umask(0)
    os.umask(umask)
    for name in ("o.jsonl", "o.mp4"):  # published with the permissions new files get, not mkstemp's 0600
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o666 & ~umask


def test_planted_links_and_fifos(exported, tmp_path):
    video = write_video(tmp_path / "in.avi", 30, size=(48, 64))
    before = video.read_bytes()
    for name in (".o.partial.mp4", ".o.jsonl.partial"):  # the old, predictable temp names
        os.symlink(video, tmp_path / name)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo).read()))
    reader.start()
    done = detect(["--source", str(video), "--model", str(exported["int8"]), "--save", str(tmp_path / "o.mp4"),
                   "--json", str(fifo)])
    reader.join(60)
    assert done.returncode == 0, done.stderr[-800:]
    assert video.read_bytes() == before and frame_count(tmp_path / "o.mp4") == 30
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and len(got[0].splitlines()) == 30  # written in place, still a FIFO


@pytest.mark.parametrize("target, needle", [
    ("out.jpg", "give a folder for annotated images"), ("afile/x.mp4", "is a file, not a folder"),
    ("n" * 230 + ".mp4", "is over 200 bytes"),
])
def test_save_targets_that_cannot_work(exported, tmp_path, target, needle):
    (tmp_path / "afile").write_text("x")
    video = write_video(tmp_path / "in.avi", 3, size=(48, 64))
    done = detect(["--source", str(video), "--model", str(exported["int8"]), "--save", str(tmp_path / target)])
    assert done.returncode == 2 and needle in done.stderr.strip().splitlines()[-1], done.stderr[-500:]
    assert not (tmp_path / "out.jpg").exists()


def test_a_glob_over_folders_keeps_names_apart_and_skips_link_loops(exported, learn_yaml, tmp_path):
    from test_detect import val_images

    image = val_images(learn_yaml)[0].read_bytes()
    for sub in ("a", "b"):
        (tmp_path / "dup" / sub).mkdir(parents=True)
        (tmp_path / "dup" / sub / "same.jpg").write_bytes(image)
    os.symlink(".", tmp_path / "dup" / "a" / "loop")  # `**` through this would never end
    out, log = tmp_path / "out", tmp_path / "o.jsonl"
    done = detect(["--source", str(tmp_path / "dup" / "**" / "*.jpg"), "--model", str(exported["int8"]),
                   "--save", str(out), "--json", str(log)])
    assert done.returncode == 0, done.stderr[-800:]
    assert sorted(json.loads(x)["source"] for x in log.read_text().splitlines()) == ["a/same.jpg", "b/same.jpg"]
    assert (out / "a" / "same.jpg").is_file() and (out / "b" / "same.jpg").is_file()
