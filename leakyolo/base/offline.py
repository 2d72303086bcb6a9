"""Offline-safe Ultralytics: the one place that configures it, before it is first imported.

Ultralytics may reach the network at run time: it checks connectivity, pip-installs missing
packages (AutoUpdate), syncs settings/analytics and downloads Arial.ttf for plots. Every run of
LeakYOLO imports Ultralytics through :func:`import_ultralytics`, which sets a project-local
config dir, offline mode, no auto-install and no sync, places a local font where Ultralytics
looks for one, and makes RepConv take a model YAML's activation as Conv does. A user's own
environment variables win.
"""

import importlib.util
import os
import shutil
from pathlib import Path

from .errors import missing_extra
from .paths import cache_dir

FONT_NAMES = ("Arial.ttf", "Arial.Unicode.ttf")


def configure_env() -> Path:
    """Set Ultralytics' environment (user values win) and return its config folder."""
    os.environ.setdefault("YOLO_CONFIG_DIR", str(cache_dir("ultralytics", scratch=True)))
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_AUTOINSTALL", "0")
    os.environ.setdefault("YOLO_VERBOSE", "1")
    configure_matplotlib()
    config = Path(os.environ["YOLO_CONFIG_DIR"]).expanduser() / "Ultralytics"
    config.mkdir(parents=True, exist_ok=True)
    _place_font(config)
    return config


def configure_matplotlib() -> None:
    """matplotlib's config and font cache in the LeakYOLO cache, not ~/.config (a user's MPLCONFIGDIR wins)."""
    os.environ.setdefault("MPLCONFIGDIR", str(cache_dir("matplotlib", scratch=True)))


def _place_font(config: Path) -> None:
    """Copy matplotlib's DejaVuSans to the font names Ultralytics would otherwise download."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return  # no matplotlib: Ultralytics plots are off in every LeakYOLO call anyway
    font = Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
    for name in FONT_NAMES:
        target = config / name
        if font.is_file() and not target.exists():
            tmp = target.with_suffix(".tmp")
            shutil.copyfile(font, tmp)
            os.replace(tmp, target)


def import_ultralytics(what: str = "this command"):
    """Configure the offline environment, then import and return the ``ultralytics`` module.

    Raises UserError naming the [train] extra when torch or ultralytics is not installed.
    """
    if importlib.util.find_spec("torch") is None or importlib.util.find_spec("ultralytics") is None:
        raise missing_extra(what)
    configure_env()
    import ultralytics
    from ultralytics.utils import SETTINGS

    if SETTINGS.get("sync"):
        SETTINGS.update(sync=False)
    _rep_conv_follows_conv()
    return ultralytics


def _rep_conv_follows_conv() -> None:
    """RepConv (inside RepC3) takes a model YAML's `activation` as Conv does: Ultralytics sets only Conv.default_act
    from it and leaves RepConv on SiLU. Here, not where our YAMLs are written, because Ultralytics also rebuilds a
    model from the YAML stored in a checkpoint (resuming a training) without going through the registry."""
    from ultralytics.nn.modules.conv import Conv, RepConv

    RepConv.default_act = property(lambda self: Conv.default_act)
