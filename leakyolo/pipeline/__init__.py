"""`leakyolo pipeline`: data -> train (identical budgets) -> export FP32 + INT8 and a speed-accuracy sweep
-> eval -> bench -> emulated ARM -> report -> demo video. Every stage is resumable; rerunning after Ctrl-C
continues where it stopped.

Modules: run (the `pipeline` function), profiles (what to train), estimate (time and disk), plan (settings
and stage inputs), runner (resumable stages with locks), jobs (trainings side by side), training, exports,
measure, demo (report, video, summary).
"""


def __getattr__(name: str):
    """`pipeline`, imported on first use (the CLI reads the profiles without loading the stages)."""
    if name == "pipeline":
        from .run import pipeline

        return pipeline
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
