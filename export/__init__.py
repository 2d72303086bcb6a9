"""Export trained detectors to ONNX (FP32, gated INT8) with model cards: `leakyolo.export.export(...)`.

The package itself is callable as the export function (`leakyolo.export(run)`), so the top-level API
name works whether or not this package was imported before.
"""

import sys
import types


def __getattr__(name: str):
    if name == "export":  # imported on first use: the exporter needs torch, onnx and Ultralytics
        from .exporter import export

        return export
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _CallablePackage(types.ModuleType):
    def __call__(self, *args, **kwargs):
        from .exporter import export

        return export(*args, **kwargs)

    @property
    def __signature__(self):  # inspect.signature(leakyolo.export): the export function's
        import inspect

        from .exporter import export

        return inspect.signature(export)


sys.modules[__name__].__class__ = _CallablePackage
