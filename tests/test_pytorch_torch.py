"""The PyTorch engine against torch itself (the ``[torch]`` extra): the golden models, torchinfo's
table, and random models accepted and refused alike. Skipped where torch is absent, except in CI,
where it is a failure."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path
from typing import Any

import pytest

from conftest import need
from generator.engine import analyze
from generator.errors import GeometryError, SpecError
from generator.pytorch.spec import torch_spec_from_dict
from generator.pytorch.summary import table
from generator.pytorch.verify import BATCH, agrees, compare
from generator.pytorch.zoo import TORCH_ZOO
from generator.spec import load_spec

pytestmark = pytest.mark.torch

DATA = Path(__file__).parent / "data" / "pytorch"


@pytest.fixture(scope="module")
def torch():
    need(importlib.util.find_spec("torch") is not None, "PyTorch (pip install -e '.[torch]')")
    import torch

    return torch


def _module_of(path: Path, cls: str) -> Any:
    """The model class of a test data script (trusted test input, not a user's file)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, cls)


@pytest.mark.parametrize("name, cls, shape, total", [
    ("cifar_tutorial_net.py", "Net", (3, 32, 32), 62_006),
    ("torchvision_vgg16.py", "VGG", (3, 224, 224), 138_357_544),
])
def test_golden_models_agree_with_torch_and_torchinfo(torch, name, cls, shape, total):
    torchinfo = pytest.importorskip("torchinfo")
    summary = analyze(load_spec(DATA / name, shape))
    assert summary.total_params == total
    assert compare(summary) == []
    with torch.device("meta"):
        model = _module_of(DATA / name, cls)()
    assert sum(p.numel() for p in model.parameters()) == total
    theirs = str(torchinfo.summary(model, input_size=(1, *shape), device="meta", verbose=0)).splitlines()
    ours = table(summary)
    rows_end = ours.index("=" * 90, 3)
    assert ours[:rows_end + 4] == theirs[:rows_end + 4]  # header, every row, and the three totals


def test_the_zoo_models_agree_with_torch(torch):
    for name, model in TORCH_ZOO.items():
        assert compare(analyze(model.spec)) == [], name


def test_batchnorm_buffers_and_frozen_layers_are_counted_as_torch_counts_them(torch):
    spec = torch_spec_from_dict({"framework": "pytorch", "input_shape": [3, 16, 16], "layers": [
        {"Conv2d": {"in_channels": 3, "out_channels": 8, "kernel_size": 3, "trainable": False}},
        {"BatchNorm2d": {"num_features": 8}}, {"BatchNorm2d": {"num_features": 8, "affine": False}},
        {"BatchNorm2d": {"num_features": 8, "track_running_stats": False}},
        {"Flatten": {}}, {"Linear": {"in_features": 8 * 14 * 14, "out_features": 10}},
    ]}, "frozen.yaml")
    summary = analyze(spec)
    assert compare(summary) == []
    assert summary.non_trainable_params == 224 and summary.buffers == 2 * 17


# ---------------------------------------------------------------- random models


def _window(rng: random.Random, rank: int, low: int, high: int) -> Any:
    if rng.random() < 0.7:
        return rng.randint(low, high)
    return tuple(rng.randint(low, high) for _ in range(rank))


def _layer(rng: random.Random, rank: int, channels: int) -> dict[str, Any]:
    """One module entry; about one in ten deliberately at odds with its input or with PyTorch's
    rules."""
    off = rng.random() < 0.1
    nd = f"{rank}d"
    kind = rng.choice(["conv", "conv", "conv", "transpose", "max", "avg", "adaptive", "bn", "pad", "up", "act"])
    c_in = channels + (1 if off else 0)
    if kind == "conv":
        groups = rng.choice([1, 1, 1, 2]) if c_in % 2 == 0 else 1
        padding: Any = rng.choice([0, 1, 2, "same", "valid", _window(rng, rank, 0, 2)])
        args = {"in_channels": c_in, "out_channels": rng.choice([2, 4, 6, 8]), "kernel_size": _window(rng, rank, 1, 5),
                "stride": _window(rng, rank, 1, 3) if rng.random() < 0.5 else 1, "padding": padding,
                "dilation": rng.choice([1, 1, 2]), "groups": groups, "bias": rng.random() < 0.8}
        return {f"Conv{nd}": args}
    if kind == "transpose":
        stride = rng.randint(1, 3)
        return {f"ConvTranspose{nd}": {"in_channels": c_in, "out_channels": rng.choice([2, 4]), "kernel_size": rng.randint(1, 4),
                                       "stride": stride, "padding": rng.randint(0, 2),
                                       "output_padding": rng.randint(0, stride) if rng.random() < 0.5 else 0,
                                       "dilation": rng.choice([1, 1, 2])}}
    if kind in ("max", "avg"):
        k = rng.randint(1, 4)
        args = {"kernel_size": k, "stride": rng.choice([None, 1, 2, 3]), "padding": rng.randint(0, k // 2 + (1 if off else 0)),
                "ceil_mode": rng.random() < 0.4}
        if kind == "max":
            args["dilation"] = rng.choice([1, 1, 2])
        return {f"{'MaxPool' if kind == 'max' else 'AvgPool'}{nd}": args}
    if kind == "adaptive":
        return {f"Adaptive{rng.choice(['Avg', 'Max'])}Pool{nd}": {"output_size": rng.randint(1, 6)}}
    if kind == "bn":
        return {f"BatchNorm{nd}": {"num_features": c_in, "affine": rng.random() < 0.8}}
    if kind == "pad":
        return {f"ZeroPad{nd}": {"padding": rng.randint(0, 2) if rng.random() < 0.6 else tuple(rng.randint(0, 2) for _ in range(2 * rank))}}
    if kind == "up":
        mode = {1: "linear", 2: "bilinear", 3: "trilinear"}[rank] if rng.random() < 0.3 else "nearest"
        return {"Upsample": {"scale_factor": rng.randint(1, 2), "mode": mode, **({"align_corners": False} if mode != "nearest" else {})}}
    return {rng.choice(["ReLU", "Dropout", "GELU", "Sigmoid", "LeakyReLU", "Identity"]): {}}


def _random_model(seed: int) -> list[dict[str, Any]] | tuple[tuple[int, ...], list[dict[str, Any]]]:
    rng = random.Random(seed)
    rank = rng.choice([2, 2, 2, 1, 3])
    side = {1: (8, 40), 2: (6, 36), 3: (4, 12)}[rank]
    shape = (rng.choice([1, 3, 4, 8]), *(rng.randint(*side) for _ in range(rank)))
    layers: list[dict[str, Any]] = []
    channels = shape[0]
    for _ in range(rng.randint(1, 5)):
        entry = _layer(rng, rank, channels)
        layers.append(entry)
        ((_, args),) = entry.items()
        channels = args.get("out_channels", channels)
    if rng.random() < 0.5:
        layers.append(rng.choice([{"Flatten": {}}, {"view": {"shape": ["N", -1]}}]))
        features = rng.choice([16, 64, 200, 288, 400, 1024])
        if rng.random() < 0.75:  # mostly the right in_features, as the engine computes it (torch judges)
            try:
                prefix = torch_spec_from_dict({"framework": "pytorch", "input_shape": list(shape), "layers": layers}, "prefix")
                features = analyze(prefix).output_shape[-1]
            except (SpecError, GeometryError):
                pass
        layers.append({"Linear": {"in_features": features, "out_features": 10}})
    return shape, layers


def _torch_refuses_raw(torch, shape: tuple[int, ...], layers: list[dict[str, Any]]) -> bool:
    """Whether torch refuses the model as written (the engine refused one of its arguments)."""
    nn = torch.nn
    try:
        with torch.device("cpu"):
            x = torch.empty((BATCH, *shape))
            for entry in layers:
                ((type_name, args),) = entry.items()
                args = {k: v for k, v in args.items() if k != "trainable"}
                if type_name == "view":
                    x = x.view(*[BATCH if v == "N" else v for v in args["shape"]])
                else:
                    x = getattr(nn, type_name)(**args)(x)
    except Exception:
        return True
    return False


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")
@pytest.mark.parametrize("chunk", range(11))
def test_random_models_agree_with_torch_on_acceptance_and_every_count(torch, chunk):
    """330 random models (30 a chunk): where the engine builds one, torch runs it and agrees on
    every layer's shape, parameters and buffers; where the engine refuses one, torch does too."""
    verdicts = []
    for seed in range(chunk * 30, chunk * 30 + 30):
        shape, layers = _random_model(seed)
        data = {"framework": "pytorch", "input_shape": list(shape), "layers": layers}
        try:
            spec = torch_spec_from_dict(data, f"random-{seed}")
        except SpecError as exc:
            assert _torch_refuses_raw(torch, shape, layers), f"seed {seed}: the engine refused {exc} but torch ran it"
            verdicts.append(False)
            continue
        engine_ok, torch_ok, problem = agrees(spec)
        assert engine_ok == torch_ok and not problem, f"seed {seed}: {problem or 'acceptance differs'}; {layers}"
        verdicts.append(engine_ok)
    assert any(verdicts) and not all(verdicts), "each chunk should hold models both accepted and refused"


# ---------------------------------------------------------------- PyTorch-flavoured problems


@pytest.mark.parametrize("kind", ["summary_table", "layer_shape", "layer_params", "concept"])
def test_every_pytorch_problem_agrees_with_torch(torch, kind):
    """Each PyTorch problem's model runs in torch, and every shape (batch first) and count in its
    key is what torch reports: 40 problems a type, over the three levels."""
    import random as rnd

    from generator.key import ProblemType
    from generator.problems import generate
    from generator.problems.slot import Slot
    from generator.pytorch.verify import verify_torch_problems
    from generator.sampler import Difficulty

    levels = list(Difficulty)
    problems = [generate(Slot(ProblemType(kind), framework="pytorch"), rnd.Random(seed), levels[seed % 3], f"p{seed}")
                for seed in range(40)]
    assert verify_torch_problems(problems) == []


def test_converted_sampler_models_agree_with_torch(torch):
    import random as rnd

    from generator.pytorch.convert import to_torch
    from generator.sampler import Difficulty, sample_family_model

    rng, checked = rnd.Random(11), 0
    for i in range(120):
        _, keras = sample_family_model(rng, list(Difficulty)[i % 3], name="m")
        converted = to_torch(keras)
        if converted is not None:
            engine_ok, torch_ok, problem = agrees(converted)
            assert engine_ok and torch_ok and not problem, problem
            checked += 1
    assert checked > 80
