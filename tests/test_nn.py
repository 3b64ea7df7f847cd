"""The pure-torch layer: stems, the 1D -> 2D fold, ShallowNet shapes."""

import pytest
import torch

from sktime_eeg.nn import ShallowNet, SpatioTemporalStem, TemporalSpatialStem, fold, n_pooled_times


def _randomize(module: torch.nn.Module, seed: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in module.parameters():
            param.copy_(torch.randn(param.shape, generator=gen, dtype=param.dtype))


@pytest.mark.parametrize("n_channels", [1, 3, 22, 64])
@pytest.mark.parametrize("bias", [True, False])
def test_fold_equals_two_convolutions(n_channels, bias):
    stem_1d = TemporalSpatialStem(
        n_channels, n_filters_time=7, n_filters=5, kernel_length=9, bias=bias
    )
    _randomize(stem_1d, seed=n_channels)
    stem_2d = fold(stem_1d)
    x = torch.randn(4, n_channels, 50, generator=torch.Generator().manual_seed(1))
    out_1d, out_2d = stem_1d(x), stem_2d(x)
    assert out_2d.shape == out_1d.shape == (4, 5, 42)
    scale = out_1d.abs().max().item()
    torch.testing.assert_close(out_2d, out_1d, rtol=0, atol=1e-5 * scale)
    assert (stem_2d.conv.bias is not None) == bias


def test_fold_in_float64_is_exact_to_rounding():
    stem_1d = TemporalSpatialStem(22, 40, 40, 25).double()
    _randomize(stem_1d, seed=3)
    x = torch.randn(2, 22, 100, dtype=torch.float64)
    stem_2d = fold(stem_1d)
    assert stem_2d.conv.weight.dtype == torch.float64
    torch.testing.assert_close(stem_2d(x), stem_1d(x), rtol=1e-12, atol=1e-10)


def test_fold_bias_only_in_temporal_conv_is_carried_through_spatial_weights():
    stem_1d = TemporalSpatialStem(3, 2, 4, 5)
    _randomize(stem_1d, seed=0)
    with torch.no_grad():
        stem_1d.spatial.bias.zero_()
    x = torch.zeros(1, 3, 5)  # zero input: output is the folded bias alone
    expected = torch.einsum("gfc,f->g", stem_1d.spatial.weight[..., 0], stem_1d.temporal.bias)
    torch.testing.assert_close(fold(stem_1d)(x)[0, :, 0], expected)
    torch.testing.assert_close(stem_1d(x)[0, :, 0], expected)


def test_fold_leaves_the_global_random_state_alone():
    stem_1d = TemporalSpatialStem(3, 4, 4, 5)
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    fold(stem_1d)
    assert torch.equal(torch.rand(3), expected)


def test_fold_leaves_the_source_unchanged_and_rejects_other_modules():
    stem_1d = TemporalSpatialStem(3, 4, 4, 5)
    before = {k: v.clone() for k, v in stem_1d.state_dict().items()}
    fold(stem_1d)
    for key, value in stem_1d.state_dict().items():
        assert torch.equal(value, before[key])
    with pytest.raises(TypeError, match="expects a TemporalSpatialStem"):
        fold(SpatioTemporalStem(3, 4, 5))


@pytest.mark.parametrize("stem_cls", ["1d", "2d"])
def test_shallownet_shapes(stem_cls):
    n_channels, n_times = 22, 1000
    stem = (
        TemporalSpatialStem(n_channels, 40, 40, 25)
        if stem_cls == "1d"
        else SpatioTemporalStem(n_channels, 40, 25)
    )
    net = ShallowNet(stem, n_classes=4, n_times=n_times).eval()
    x = torch.randn(3, n_channels, n_times)
    assert net(x).shape == (3, 4)
    n_out = n_pooled_times(n_times, 25, 75, 15)
    assert n_out == (1000 - 25 + 1 - 75) // 15 + 1 == 61
    assert net.features(x).shape == (3, 40, 61)
    assert net.classifier.in_features == 40 * 61


def test_n_pooled_times_rejects_too_short_windows():
    with pytest.raises(
        ValueError, match="too short.*at least kernel_length \\+ pool_length - 1 = 99"
    ):
        n_pooled_times(50, 25, 75, 15)
    assert n_pooled_times(99, 25, 75, 15) == 1


def test_2d_stem_parameter_count_matches_its_definition():
    stem = SpatioTemporalStem(22, 40, 25)
    assert sum(p.numel() for p in stem.parameters()) == 40 * 22 * 25 + 40
    stem_1d = TemporalSpatialStem(22, 40, 40, 25)
    assert sum(p.numel() for p in stem_1d.parameters()) == (40 * 25 + 40) + (40 * 40 * 22 + 40)
    assert stem.conv.weight.shape == (40, 22, 25)


def test_inference_folds_batch_norm_into_the_2d_stem_with_the_same_outputs():
    torch.manual_seed(0)
    net = ShallowNet(SpatioTemporalStem(22, 8, 25), 3, 200, 75, 15, 0.5)
    x = torch.randn(16, 22, 200)
    for _ in range(3):  # running statistics away from their initial values
        net(x)
    with torch.no_grad():  # a learned scale and shift, not batch norm's initial 1 and 0
        net.bnorm.weight.uniform_(0.5, 2.0)
        net.bnorm.bias.uniform_(-1.0, 1.0)
    net.eval()
    with torch.no_grad():
        assert net._can_fold_batch_norm()
        folded = net(x)
        reference = net.classifier(
            torch.log(torch.clamp(net.pool(net.bnorm(net.stem(x)) ** 2), min=1e-6)).flatten(1)
        )
    torch.testing.assert_close(folded, reference, rtol=1e-5, atol=1e-5)

    # Autograd on, or a hook watching the batch norm: the layers run one by one.
    assert not net._can_fold_batch_norm()
    net(x).sum().backward()
    assert net.stem.conv.weight.grad is not None and net.bnorm.weight.grad is not None
    seen = []
    handle = net.bnorm.register_forward_hook(lambda module, inputs, output: seen.append(output))
    with torch.no_grad():
        torch.testing.assert_close(net(x), reference, rtol=1e-5, atol=1e-5)
    handle.remove()
    assert len(seen) == 1 and seen[0].shape == (16, 8, 176)
    net.fold_batch_norm = False
    with torch.no_grad():
        assert not net._can_fold_batch_norm()
        torch.testing.assert_close(net(x), reference, rtol=0, atol=0)
    net.fold_batch_norm = True
    net.bnorm.train()  # a batch norm in training mode uses batch statistics: no folding
    with torch.no_grad():
        assert not net._can_fold_batch_norm()
