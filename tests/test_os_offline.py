"""At the OS level (syscall trace, so native code counts too): `detect`, `leakyolo bench`, `leakyolo export` and
`leakyolo report` connect to no non-local address and write no file outside the project, the run folder and the
system temp dir, with HOME an empty folder and ONNX Runtime's telemetry variable unset by the caller; with
LEAKYOLO_CACHE unset, the only place written in HOME is the default cache, ~/.cache/leakyolo."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

STRACE = shutil.which("strace")
pytestmark = pytest.mark.skipif(STRACE is None, reason="strace not found (apt-get install strace): the OS-level "
                                                       "network and file-write check needs a syscall trace")
PROJECT = Path(__file__).resolve().parents[1]
SYSCALLS = "connect,sendto,sendmsg,open,openat,creat,mkdir,mkdirat,rename,renameat,renameat2"
CALL = re.compile(r"^(\d+\s+)?(\w+)\((.*)")
INET = re.compile(r'sa_family=AF_INET6?, sin6?_port=htons\((\d+)\).*?(?:inet_addr|inet_pton\(AF_INET6?,)\s*\(?"([^"]+)"')
WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT")


def bin_path(name: str) -> str:
    """A console script of the running environment."""
    return str(Path(sys.executable).with_name(name))


def local(address: str) -> bool:
    return address.startswith("127.") or address in ("::1", "0.0.0.0", "::")


def strings(args: str) -> list:
    return re.findall(r'"((?:[^"\\]|\\.)*)"', args)


def violations(trace: str, cwd: Path, allowed: list, home: Path) -> list:
    """Non-local connects / sends (and any DNS query), and files created or written outside `allowed` (in HOME
    only inside an allowed folder that is itself in HOME)."""
    found = []
    for line in trace.splitlines():
        m = CALL.match(line)
        if not m:
            continue
        call, args = m.group(2), m.group(3)
        if call in ("connect", "sendto", "sendmsg"):
            for port, address in INET.findall(args):
                if not local(address) or port == "53":
                    found.append(f"{call} to {address}:{port}")
            continue
        failed = re.search(r"\)\s+=\s+-1\b", args)
        if failed or (call in ("open", "openat") and not any(f in args for f in WRITE_FLAGS)):
            continue
        paths = strings(args)
        target = paths[-1] if call.startswith("rename") else (paths[0] if paths else None)
        if target is None:
            continue
        path = Path(os.path.normpath(cwd / target))
        if call.startswith("mkdir") and any(path in a.parents for a in allowed):
            continue  # a folder on the way to an allowed one
        inside = [a for a in allowed if path == a or a in path.parents]
        in_home = path == home or home in path.parents
        if not inside or (in_home and not any(home in a.parents for a in inside)):
            found.append(f"{call} {path}")
    return found


def traced(argv: list, tmp: Path, home: Path, cache=PROJECT / ".cache" / "leakyolo") -> str:
    """Run argv under strace with HOME=home, the telemetry variable unset and LEAKYOLO_CACHE=cache (None: unset,
    as a new user has it); return the trace."""
    log = tmp / f"strace-{Path(argv[0]).name}.log"
    unset = ("ORT_DISABLE_TELEMETRY", "MPLCONFIGDIR", "YOLO_CONFIG_DIR", "XDG_CACHE_HOME", "LEAKYOLO_CACHE")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(HOME=str(home), **({"LEAKYOLO_CACHE": str(cache)} if cache else {}))
    done = subprocess.run([STRACE, "-f", "-qq", "--seccomp-bpf", "-e", f"trace={SYSCALLS}", "-o", str(log), *argv],
                          cwd=tmp, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return log.read_text()


@pytest.mark.slow
def test_no_network_and_no_stray_files(exported, trained_run, learn_yaml, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    image = sorted((learn_yaml.parent / "images" / "val").glob("*.jpg"))[0]
    commands = [
        [bin_path("detect"), "--source", str(image.parent), "--model", str(exported["int8"]), "--json",
         str(work / "d.jsonl"), "--max-frames", "5"],
        [bin_path("leakyolo"), "bench", str(exported["int8"]), "--runs", "5", "--warmup", "1", "--out",
         str(work / "bench.json")],
        [bin_path("leakyolo"), "export", str(trained_run), "--imgsz", "96", "--int8", "--skip-gates",
         "--calib-images", "8", "--out", str(work / "onnx")],
        [bin_path("leakyolo"), "report", str(PROJECT / "docs" / "reports" / "full" / "results.json"), "--out",
         str(work / "report")],
    ]
    allowed = [PROJECT, work, Path(tempfile.gettempdir()).resolve(), Path("/dev"), Path("/proc")]
    for argv in commands:
        trace = traced(argv, work, home)
        assert "openat(" in trace  # the trace saw the process
        bad = violations(trace, work, allowed, home)
        assert not bad, (Path(argv[0]).name, argv[1], bad[:10])
    assert not any(home.rglob("*")), sorted(home.rglob("*"))[:10]
    assert list((work / "onnx").glob("*-int8.onnx")) and (work / "bench.json").is_file()
    assert (work / "report" / "report.html").is_file()


@pytest.mark.slow
def test_default_cache_is_the_only_thing_written_in_home(trained_run, tmp_path):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    cache = home / ".cache" / "leakyolo"
    allowed = [PROJECT, work, cache, Path(tempfile.gettempdir()).resolve(), Path("/dev"), Path("/proc")]
    for argv in ([bin_path("leakyolo"), "report", str(PROJECT / "docs" / "reports" / "full" / "results.json"),
                  "--out", str(work / "report")],
                 [bin_path("leakyolo"), "export", str(trained_run), "--imgsz", "64", "--skip-gates", "--out",
                  str(work / "onnx")]):
        bad = violations(traced(argv, work, home, cache=None), work, allowed, home)
        assert not bad, (argv[1], bad[:10])
    assert {p.relative_to(home).parts[:2] for p in home.rglob("*")} <= {(".cache",), (".cache", "leakyolo")}
    assert (cache / "matplotlib").is_dir() and (cache / "ultralytics").is_dir()


def test_violations_parser_catches_what_it_should(tmp_path):
    home = tmp_path / "home"
    trace = "\n".join([
        '101 connect(5, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.0.0.2")}, 16) = 0',
        '101 connect(5, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
        '102 sendto(7, "x", 1, 0, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), '
        'inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 ENETUNREACH',
        f'103 openat(AT_FDCWD, "{home}/.cache/Microsoft/x.db", O_RDWR|O_CREAT|O_CLOEXEC, 0644) = 4',
        '103 openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 4',
        '103 openat(AT_FDCWD, "/var/log/new.txt", O_WRONLY|O_CREAT, 0644) = -1 EACCES (Permission denied)',
        '103 mkdir("/opt/elsewhere", 0777) = 0',
        f'103 mkdir("{tmp_path}/home", 0777) = 0',
        f'103 mkdir("{tmp_path}/home/.cache/leakyolo/ultralytics", 0777) = 0',
        '103 openat(AT_FDCWD, "out.json", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 4',
        f'103 rename("{tmp_path}/a", "/srv/b") = 0',
    ])
    found = violations(trace, tmp_path, [tmp_path], home)
    assert found == ["connect to 10.0.0.2:53", "sendto to 2001:db8::1:443",
                     f"openat {home}/.cache/Microsoft/x.db", "mkdir /opt/elsewhere", f"mkdir {home}",
                     f"mkdir {home}/.cache/leakyolo/ultralytics", "rename /srv/b"]
    cache = home / ".cache" / "leakyolo"
    assert violations(trace, tmp_path, [tmp_path, cache], home)[4:] == ["rename /srv/b"]


def test_import_leakyolo_turns_ort_telemetry_off_unless_set():
    code = "import os, leakyolo; print(os.environ.get('ORT_DISABLE_TELEMETRY'))"
    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout.strip() == "1"
    env["ORT_DISABLE_TELEMETRY"] = "0"
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout.strip() == "0"
