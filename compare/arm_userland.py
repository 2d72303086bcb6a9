"""An aarch64 Python + onnxruntime (+ NCNN) userland for qemu user-mode emulation, built without root tricks.

Debian's arm64 packages (python3.11 and its libraries) are fetched with a private apt configuration
and unpacked into a folder; onnxruntime and numpy aarch64 wheels (same versions as the host) are
installed beside them, and NCNN's (its module only: it imports nothing else) where the host has NCNN. The qemu plugin header comes from Debian's qemu source package, so the
instruction-count plugin matches the installed qemu exactly. See docs/arm.md.
"""

import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
from importlib import metadata
from pathlib import Path

from leakyolo.base.errors import UserError
from leakyolo.base.paths import cache_dir

PACKAGES = ("python3.11-minimal", "libpython3.11-stdlib", "libstdc++6")
VENV_PACKAGES = (*PACKAGES, "python3.11-venv")  # + venv and the pip / setuptools wheels, as on Raspberry Pi OS
PLATFORMS = ("manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64")
READY = ".leakyolo-userland"


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"arm: {message}", file=sys.stderr, flush=True)


def run(cmd: list, what: str, **kw) -> subprocess.CompletedProcess:
    """Run a setup command; a failure becomes one line naming the step."""
    done = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        raise UserError(f"ARM userland: {what} failed ({last[:200]})")
    return done


def qemu_binary() -> str:
    """The dynamic qemu-aarch64 (it loads TCG plugins), or a clear error."""
    found = shutil.which("qemu-aarch64")
    if not found:
        raise UserError("qemu-aarch64 not found: install it with `apt-get install qemu-user` (Debian/Ubuntu)")
    return found


def archive() -> tuple:
    """(URI, suite) of the Debian archive this machine's apt already uses."""
    for path in ["/etc/apt/sources.list", *sorted(glob.glob("/etc/apt/sources.list.d/*"))]:
        try:
            text = Path(path).read_text()
        except OSError:
            continue
        uri = re.search(r"^URIs:\s*(\S+)", text, re.M)
        suite = re.search(r"^Suites:\s*(\S+)", text, re.M)
        if uri and suite and "security" not in uri.group(1):
            return uri.group(1), suite.group(1)
        line = re.search(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+(\S+)\s+main", text, re.M)
        if line and "security" not in line.group(1):
            return line.group(1), line.group(2)
    return "http://deb.debian.org/debian", "bookworm"


def apt(base: Path, arch: str, kind: str = "deb") -> list:
    """apt-get with a private configuration under base (does not touch the machine's apt state)."""
    uri, suite = archive()
    (base / "lists" / "partial").mkdir(parents=True, exist_ok=True)
    (base / "archives" / "partial").mkdir(parents=True, exist_ok=True)
    (base / "status").touch()
    keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"
    signed = f" signed-by={keyring}" if Path(keyring).exists() else ""
    (base / "sources.list").write_text(f"{kind} [arch={arch}{signed}] {uri} {suite} main\n")
    return ["apt-get", "-q", "-y", "-o", f"Dir::Etc::SourceList={base / 'sources.list'}",
            "-o", "Dir::Etc::SourceParts=/nonexistent", "-o", f"Dir::State::Lists={base / 'lists'}",
            "-o", f"Dir::State::status={base / 'status'}", "-o", f"Dir::Cache::Archives={base / 'archives'}",
            "-o", f"APT::Architecture={arch}", "-o", f"APT::Architectures={arch}", "-o", "Debug::NoLocking=1"]


def unpack_debs(debs: list, root: Path) -> None:
    """dpkg-deb's file tree of each package into root, keeping merged-/usr directory links."""
    for deb in debs:
        tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
        run(["tar", "-x", "--keep-directory-symlink", "-C", str(root)], f"unpacking {Path(deb).name}", stdin=tar.stdout)
        tar.wait()
    if not (root / "lib" / "ld-linux-aarch64.so.1").exists():
        shutil.rmtree(root / "lib", ignore_errors=True)
        (root / "lib").symlink_to("usr/lib")


def host_version(package: str) -> str:
    """The host's version of a package, '' when it is not installed."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return ""


def install_wheels(root: Path, wheels: Path) -> None:
    """onnxruntime and numpy (and NCNN, without its download helpers' dependencies) for aarch64, pinned to the
    host's versions, into root/pyarm."""
    pins = [f"onnxruntime=={metadata.version('onnxruntime')}", f"numpy=={metadata.version('numpy')}"]
    platform_flags = [flag for p in PLATFORMS for flag in ("--platform", p)]
    common = ["--only-binary=:all:", *platform_flags, "--python-version", "3.11", "--implementation", "cp"]
    ncnn = host_version("ncnn")
    for extra, packages in [([], pins)] + ([(["--no-deps"], [f"ncnn=={ncnn}"])] if ncnn else []):
        run([sys.executable, "-m", "pip", "download", "-q", *extra, *common, "-d", str(wheels), *packages],
            "pip download (aarch64)")
        run([sys.executable, "-m", "pip", "install", "-q", *extra, "--no-index", "--find-links", str(wheels), *common,
             "--target", str(root / "pyarm"), *packages], "pip install --target (aarch64)")


def plugin_header(base: Path) -> Path:
    """qemu-plugin.h from Debian's source package of the installed qemu version."""
    header = base / "qemu-plugin.h"
    if header.exists():
        return header
    version = run(["dpkg-query", "-W", "-f=${source:Version}", "qemu-user"], "finding the qemu version").stdout
    src = base / "src"
    src.mkdir(parents=True, exist_ok=True)
    cmd = apt(base / "apt-src", "amd64", kind="deb-src")
    run([*cmd, "update"], "apt-get update (deb-src)")
    run([*cmd, "source", "--download-only", f"qemu={version}"], "apt-get source qemu", cwd=src)
    orig = next(iter(sorted(src.glob("qemu_*.orig.tar.*"))), None)
    if orig is None:
        raise UserError("ARM userland: Debian's qemu source package has no orig tarball")
    with tarfile.open(orig) as tf:
        member = next((m for m in tf if m.name.endswith("include/qemu/qemu-plugin.h")), None)
        if member is None:
            raise UserError(f"ARM userland: no qemu-plugin.h in {orig.name}")
        header.write_bytes(tf.extractfile(member).read())
    shutil.rmtree(src)
    return header


def build_plugin(base: Path) -> Path:
    """Compile the instruction-count plugin (once per version of its source)."""
    source = Path(__file__).with_name("qemu_insn.c")
    plugin = base / f"libinsncount-{hashlib.sha256(source.read_bytes()).hexdigest()[:12]}.so"
    if not plugin.exists():
        header = plugin_header(base)
        partial = plugin.with_suffix(".part")
        run(["cc", "-shared", "-fPIC", "-O2", "-I", str(header.parent), "-o", str(partial), str(source)],
            "building the qemu instruction-count plugin")
        partial.replace(plugin)
    return plugin


def python_root(root: Path, packages=PACKAGES) -> Path:
    """A fresh folder holding Debian arm64's python3.11 and whatever else `packages` names (the debs
    are cached; every cached deb is unpacked, so a root may hold more than it asked for)."""
    base = cache_dir("arm")
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    cmd = apt(base / "apt", "arm64")
    run([*cmd, "update"], "apt-get update (arm64)")
    run([*cmd, "install", "--download-only", *packages], "apt-get download of arm64 python3.11")
    unpack_debs(sorted((base / "apt" / "archives").glob("*.deb")), root)
    (root / "proc").mkdir(exist_ok=True)
    return root


def ensure_userland() -> Path:
    """The aarch64 root folder, built on first use (about a minute) and cached."""
    qemu_binary()
    base = cache_dir("arm")
    root = base / "rootfs"
    stamp = f"{metadata.version('onnxruntime')} {metadata.version('numpy')} {host_version('ncnn')}".strip()
    if (root / READY).is_file() and (root / READY).read_text() == stamp:
        return root
    log(f"building an aarch64 userland in {root} (Debian arm64 python3.11, onnxruntime {stamp.split()[0]})")
    python_root(root, PACKAGES)
    install_wheels(root, base / "wheels")
    (root / READY).write_text(stamp)
    os.sync()
    return root
