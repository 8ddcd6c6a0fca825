"""The built-in models (``model: zoo:NAME``) against their published numbers, and against Keras."""

from __future__ import annotations

import pytest

from generator.engine import ModelSpec, analyze
from generator.engine.layers import Reshape
from generator.errors import GeometryError
from generator.zoo import ZOO, zoo_model

# Published figures, copied from where each ZooModel.source says.
PUBLISHED = {
    "seed_mnist": 93_322,
    "lenet5": 61_706,
    "alexnet_conv1": 34_944,
    "vgg16": 138_357_544,
    "mobilenet_v1_block": 288 + 128 + 2_048 + 256,
    "resnet_stem": 9_472 + 256,
    "dcgan_generator": 2_330_944,
    # torchvision's 230,144 plus the three batch normalizations' moving mean and variance
    "resnet_basic_block": 230_144 + 3 * 2 * 128,
    "resnet_bottleneck": 4_160 + 36_928 + 16_640 + 16_640 + 256 + 256 + 1_024 + 1_024,
    # inception (3a), 1x1 and 3x3/5x5 reductions and the pool projection, each with biases
    "inception_a": (192 * 64 + 64) + (192 * 96 + 96) + (9 * 96 * 128 + 128) + (192 * 16 + 16) + (25 * 16 * 32 + 32)
    + (192 * 32 + 32),
    "unet_level": 2 * (9 * 64 * 64 + 64) + (9 * 64 * 128 + 128) + (9 * 128 * 128 + 128) + (4 * 128 * 64 + 64)
    + (9 * 128 * 64 + 64) + (9 * 64 * 64 + 64),
    "wavenet_dilated_stack": (2 * 1 * 32 + 32) + 3 * (2 * 32 * 32 + 32),
    "c3d_block": (27 * 3 * 64 + 64) + (27 * 64 * 128 + 128),
}


@pytest.mark.parametrize("name", sorted(ZOO))
def test_total_params_match_the_published_figure(name):
    assert analyze(ZOO[name].spec).total_params == PUBLISHED[name]


def test_every_zoo_model_has_a_published_figure():
    assert set(PUBLISHED) == set(ZOO)


def test_cs231n_conv1_and_resnet_stem_shapes():
    (conv1,) = analyze(zoo_model("zoo:alexnet_conv1")).records
    assert conv1.output_shape == (55, 55, 96) and conv1.params == 34_944
    stem = {r.name: r for r in analyze(zoo_model("zoo:resnet_stem")).records}
    assert stem["conv1_conv"].output_shape == (112, 112, 64) and stem["conv1_conv"].params == 9_472
    assert stem["pool1_pool"].output_shape == (56, 56, 64)


def test_vgg16_layer_by_layer():
    records = {r.name: r for r in analyze(zoo_model("zoo:vgg16")).records}
    assert records["block1_conv1"].params == 1_792 and records["block5_pool"].output_shape == (7, 7, 512)
    assert records["fc1"].params == 102_764_544 and records["predictions"].output_shape == (1000,)


def test_dcgan_generator_reshapes_and_upsamples_to_an_image():
    records = analyze(zoo_model("zoo:dcgan_generator")).records
    assert [r.output_shape for r in records if r.type_name in ("Reshape", "Conv2DTranspose")] == [
        (7, 7, 256), (7, 7, 128), (14, 14, 64), (28, 28, 1)]


def test_graph_and_nd_zoo_models_have_their_published_shapes():
    shapes = {name: {r.name: r.output_shape for r in analyze(ZOO[name].spec).records} for name in ZOO}
    assert shapes["resnet_basic_block"]["conv3_block1_add"] == (28, 28, 128)
    assert shapes["resnet_bottleneck"]["conv2_block1_out"] == (56, 56, 256)
    assert shapes["inception_a"]["inception_3a_output"] == (28, 28, 64 + 128 + 32 + 32)
    unet = shapes["unet_level"]
    assert unet["enc_conv2"] == (60, 60, 64) and unet["up_conv"] == (52, 52, 64) and unet["crop"] == (52, 52, 64)
    assert unet["skip_concat"] == (52, 52, 128) and unet["dec_conv2"] == (48, 48, 64)
    assert set(shapes["wavenet_dilated_stack"].values()) == {(16000, 32)}  # causal: the length is kept
    assert shapes["c3d_block"]["pool1"] == (16, 56, 56, 64) and shapes["c3d_block"]["pool2"] == (8, 28, 28, 128)
    assert all(ZOO[name].spec.is_graph for name in ("resnet_basic_block", "resnet_bottleneck", "inception_a", "unet_level"))


def test_unknown_zoo_model_names_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown built-in model 'zoo:vgg19'; expected one of zoo:seed_mnist, "):
        zoo_model("zoo:vgg19")


@pytest.mark.parametrize(("target", "shape", "out"), [
    ((-1,), (4, 4, 8), (128,)), ((2, -1, 4), (4, 4, 8), (2, 16, 4)), ((7, 7, 256), (12544,), (7, 7, 256))])
def test_reshape(target, shape, out):
    (record,) = analyze(ModelSpec(shape, (Reshape(target),)), explain=True).records
    assert record.output_shape == out and record.params == 0
    assert record.steps[0].value == 128 or record.steps[0].value == 12544


@pytest.mark.parametrize("target", [(3, 3, 3), (5, -1, 1)])
def test_reshape_refuses_a_size_that_does_not_fit(target):
    with pytest.raises(GeometryError, match="cannot reshape 128 values"):
        analyze(ModelSpec((4, 4, 8), (Reshape(target),)))


@pytest.mark.keras
@pytest.mark.parametrize("name", sorted(ZOO))
def test_keras_agrees_with_every_zoo_model(name):
    from generator.verify import compare

    assert compare(analyze(ZOO[name].spec)) == []
