"""Emulated ARM: outputs match this machine's and instruction counts repeat (needs qemu)."""

import shutil

import pytest

pytestmark = [pytest.mark.qemu, pytest.mark.skipif(shutil.which("qemu-aarch64") is None,
                                                   reason="qemu-aarch64 not installed (apt-get install qemu-user)")]


def test_emulated_parity_and_instruction_counts(exported, learn_yaml):
    from leakyolo.compare.arm import arm_check
    from leakyolo.pipeline import first_val_image

    record = arm_check([exported["fp32"], exported["int8"]], cores=("cortex-a72", "cortex-a76"),
                       image=first_val_image(learn_yaml))
    rows = {(r["precision"], r["core"]): r for r in record["models"]}
    assert len(rows) == 4 and all(r["parity"]["ok"] and r["parity"]["compared"] > 0 for r in rows.values())
    assert rows[("fp32", "cortex-a76")]["parity"]["max_abs_diff"] < 1e-3
    for r in rows.values():
        assert r["instructions_per_inference"] > 1e6
    # int8 runs fewer instructions than fp32, and the A76's dot-product instructions help int8
    assert rows[("int8", "cortex-a76")]["instructions_per_inference"] < rows[("fp32", "cortex-a76")][
        "instructions_per_inference"]
    assert rows[("int8", "cortex-a76")]["instructions_per_inference"] < rows[("int8", "cortex-a72")][
        "instructions_per_inference"]
    again = arm_check([exported["int8"]], cores=("cortex-a76",), image=first_val_image(learn_yaml))["models"][0][
        "instructions_per_inference"]
    first = rows[("int8", "cortex-a76")]["instructions_per_inference"]
    assert abs(again - first) / first < 0.01  # measured run-to-run spread: about 0.05%


def test_arm_section_in_report(exported, pipeline_out, tmp_path):
    from leakyolo.compare.arm import arm_check
    from leakyolo.compare.report import report
    from leakyolo.provenance import write_json

    arm_json = write_json(tmp_path / "arm.json", arm_check([exported["int8"]], cores=("cortex-a76",), count=False))
    md = report([pipeline_out / "results" / "eval-shapes.json", arm_json], tmp_path / "r").read_text()
    assert "## Emulated ARM (qemu user mode)" in md and "cortex-a76" in md
