"""Top-level helpers and Tensor methods that user scripts call (settings, constants, searchsorted,
diff, ...), compared with torch; plus torchvision.models' shapes and parameter counts."""
from __future__ import annotations

import math

import numpy as np
import pytest

import ember
from oracle import check, raises_like, run_both

SEQ = np.array([1.0, 3.0, 3.0, 5.0, 7.0], np.float32)
VALS = np.array([[0.0, 3.0, 6.0], [7.0, 8.0, 3.0]], np.float32)
SEQ2 = np.sort(np.random.default_rng(0).standard_normal((2, 6)).astype(np.float32), axis=1)
VAL2 = np.random.default_rng(1).standard_normal((2, 4)).astype(np.float32)
INTS = np.array([[1, 4, 9, 16, 25], [2, 2, 3, -1, 0]], np.int64)

CASES = [
    ("searchsorted", lambda L: L.searchsorted(L.tensor(SEQ), L.tensor(VALS))),
    ("searchsorted right", lambda L: L.searchsorted(L.tensor(SEQ), L.tensor(VALS), right=True)),
    ("searchsorted side int32", lambda L: L.searchsorted(L.tensor(SEQ), L.tensor(VALS), side="right", out_int32=True)),
    ("searchsorted 2d", lambda L: L.searchsorted(L.tensor(SEQ2), L.tensor(VAL2))),
    ("searchsorted scalar", lambda L: L.searchsorted(L.tensor(SEQ), 3.0)),
    ("searchsorted sorter", lambda L: L.searchsorted(L.tensor([5.0, 1.0, 3.0]), L.tensor([2.0, 4.0]),
                                                     sorter=L.tensor([1, 2, 0]))),
    ("bucketize", lambda L: L.bucketize(L.tensor(VALS), L.tensor(SEQ))),
    ("bucketize right", lambda L: L.bucketize(L.tensor(VALS), L.tensor(SEQ), right=True)),
    ("isin", lambda L: L.isin(L.tensor(INTS), L.tensor([2, 9, 0]))),
    ("isin invert scalar", lambda L: L.isin(L.tensor(INTS), 2, invert=True)),
    ("unravel_index", lambda L: L.unravel_index(L.tensor([0, 7, 11, -1, 12, -13]), (3, 4))),
    ("unravel_index int", lambda L: L.unravel_index(L.tensor([[5, 2]]), 4)),
    ("diff", lambda L: L.diff(L.tensor(INTS))),
    ("diff n=2 dim0", lambda L: L.diff(L.tensor(VALS), n=2, dim=0)),
    ("diff prepend append", lambda L: L.diff(L.tensor(INTS), prepend=L.tensor([[0], [0]]), append=L.tensor([[9], [9]]))),
    ("diff bool", lambda L: L.tensor([True, False, False, True]).diff()),
    ("ravel", lambda L: L.ravel(L.tensor(INTS).t())),
    ("sum_to_size", lambda L: L.tensor(VALS).sum_to_size(1, 3)),
    ("sum_to_size lead", lambda L: L.tensor(VALS).sum_to_size(3)),
    ("scalar_tensor", lambda L: L.scalar_tensor(3)),
    ("type legacy", lambda L: L.tensor(VALS).type(L.LongTensor)),
    ("cosine_similarity", lambda L: L.cosine_similarity(L.tensor(VALS), L.tensor(VALS[::-1].copy()), dim=1)),
    ("dropout eval", lambda L: L.dropout(L.tensor(VALS), 0.5, False)),
]


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name, fn, torch):
    run_both(torch, fn, rtol=1e-6, atol=1e-6)


def test_diff_grad(torch):
    x = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    grads = []
    for L in (ember, torch):
        t = L.tensor(x, requires_grad=True)
        (L.diff(t, n=2, dim=1, prepend=L.zeros(3, 1)) ** 2).sum().backward()
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-5)


@pytest.mark.parametrize("fn", [
    lambda L: L.searchsorted(L.tensor(SEQ2), 1.0),
    lambda L: L.searchsorted(L.tensor(SEQ2), L.zeros(3, 3)),
    lambda L: L.searchsorted(L.tensor(SEQ), L.tensor(VALS), side="middle"),
    lambda L: L.bucketize(L.tensor(VALS), L.tensor(SEQ2)),
    lambda L: L.unravel_index(L.tensor([1.0]), (3, 4)),
    lambda L: L.is_nonzero(L.tensor([1, 2])),
    lambda L: L.tensor([1.0, 2.0]).sum_to_size(3),
    lambda L: L.set_num_threads(0),
])
def test_errors_match_torch(fn, torch):
    raises_like(torch, fn)


def test_settings_and_constants(torch):
    assert (ember.pi, ember.e, ember.inf) == (torch.pi, torch.e, torch.inf) and math.isnan(ember.nan)
    assert ember.newaxis is None
    old = ember.get_num_threads()
    ember.set_num_threads(3)
    assert ember.get_num_threads() == 3
    ember.set_num_threads(1)
    assert ember.get_num_threads() == 1
    from ember import _blas
    if _blas.get_threads() is not None:   # the BLAS pool itself follows (OpenBLAS / MKL builds of NumPy)
        assert _blas.get_threads() == 1
    ember.set_num_threads(old)
    ember.use_deterministic_algorithms(True, warn_only=True)
    assert ember.are_deterministic_algorithms_enabled() and ember.get_deterministic_debug_mode() == 1
    ember.use_deterministic_algorithms(False)
    assert ember.get_deterministic_debug_mode() == 0
    ember.set_float32_matmul_precision("high")
    assert ember.get_float32_matmul_precision() == "high"
    ember.set_float32_matmul_precision("highest")
    with pytest.warns(UserWarning):
        ember.set_float32_matmul_precision("low")
    assert ember.get_float32_matmul_precision() == "highest"
    assert ember.is_nonzero(ember.tensor([2])) is torch.is_nonzero(torch.tensor([2])) is True
    assert str(ember.get_default_device()) == "cpu"


def test_compile_and_amp_are_transparent():
    lin = ember.nn.Linear(2, 2)
    assert ember.compile(lin) is lin
    assert ember.compile(mode="reduce-overhead")(len)([1, 2]) == 2
    with pytest.raises(RuntimeError):
        ember.compile(3)
    scaler = ember.amp.GradScaler("cuda")
    assert not scaler.is_enabled()
    p = ember.nn.Parameter(ember.ones(2))
    opt = ember.optim.SGD([p], lr=0.5)
    with ember.autocast(device_type="cpu", dtype=ember.float16):
        loss = (p * 2).sum()
    assert loss.dtype == ember.float32
    scaler.scale(loss).backward()
    scaler.unscale_(opt)
    scaler.step(opt)
    scaler.update()
    assert p.tolist() == [0.0, 0.0]
    from ember.cuda.amp import GradScaler, autocast  # the deprecated torch.cuda.amp spellings

    @autocast()
    def f(x):
        return x + 1
    assert f(1) == 2 and GradScaler().get_scale() == 1.0


def test_tensor_memory_queries(torch):
    for L in (ember, torch):
        t = L.ones(2, 3, dtype=L.float64)
        assert (t.is_cpu, t.get_device(), t.nbytes, t.itemsize, t.is_sparse, t.is_quantized, t.is_meta) == \
            (True, -1, 48, 8, False, False, False)
        assert t.share_memory_() is t and t.is_inference() is False and t.is_pinned() is False
        with pytest.raises(RuntimeError):
            t.pin_memory()
    a = ember.tensor([1.0, 4.0])
    assert a.apply_(lambda v: v * 10).tolist() == [10.0, 40.0]
    assert a.map_(ember.tensor([1.0, 2.0]), lambda u, v: u - v).tolist() == [9.0, 38.0]


@pytest.mark.parametrize("name,params,keys", [
    ("resnet18", 11689512, 122), ("resnet34", 21797672, 218), ("resnet50", 25557032, 320),
    ("resnext50_32x4d", 25028904, 320), ("mobilenet_v2", 3504872, None),
])
def test_models_match_torchvision_sizes(name, params, keys):
    # parameter counts of torchvision's models (published with their weights)
    from ember.vision import models
    m = getattr(models, name)()
    assert sum(p.numel() for p in m.parameters()) == params
    assert keys is None or len(m.state_dict()) == keys
    with pytest.raises(RuntimeError, match="pretrained"):
        getattr(models, name)(pretrained=True)


def test_small_models_forward_backward():
    from ember.vision import models
    m = models.resnet18(num_classes=5, zero_init_residual=True)
    x = ember.randn(2, 3, 32, 32)
    out = m(x)
    assert out.shape == (2, 5)
    out.sum().backward()
    assert m.conv1.weight.grad.shape == (64, 3, 7, 7)
    assert float(m.layer1[0].bn2.weight.abs().sum()) == 0.0
    mb = models.mobilenet_v2(num_classes=3, width_mult=0.5)
    out = mb(ember.randn(2, 3, 32, 32))
    assert out.shape == (2, 3)
    out.sum().backward()
    assert mb.features[0][0].weight.grad is not None
    assert models.list_models(include="vgg1*") == ["vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn",
                                                    "vgg19", "vgg19_bn"]
    with pytest.raises(ValueError):
        models.get_model("nope")


@pytest.mark.parametrize("a,b,kw", [
    (np.ones(3, np.float32), np.ones(3, np.float32) + 1e-6, {}),
    (np.ones(3, np.float32), np.ones(3, np.float32) + 1e-3, {}),
    (np.ones(3, np.float32), np.ones(3, np.float32) + 1e-3, {"rtol": 1e-2, "atol": 0.0}),
    (np.ones(3, np.float32), np.ones(4, np.float32), {}),
    (np.ones(3, np.float32), np.ones(3, np.float64), {}),
    (np.ones(3, np.float32), np.ones(3, np.float64), {"check_dtype": False}),
    (np.array([1, 2]), np.array([1, 3]), {}),
    (np.array([np.nan]), np.array([np.nan]), {}),
    (np.array([np.nan]), np.array([np.nan]), {"equal_nan": True}),
])
def test_testing_assert_close(a, b, kw, torch):
    outcome = []
    for L in (ember, torch):
        try:
            L.testing.assert_close(L.tensor(a), L.tensor(b), **kw)
            outcome.append(None)
        except AssertionError as e:
            outcome.append(str(e).splitlines()[0].replace("ember", "torch"))
    assert outcome[0] == outcome[1]


@pytest.mark.parametrize("a,b,kw", [
    (np.ones(3, np.float32), np.ones(3, np.float32) + 5e-5, {}),       # inside allclose's float32 rtol only
    (np.ones(3, np.float32), np.ones(3, np.float32) + 1e-3, {}),
    (np.ones(3, np.float32), np.ones(3, np.float64), {}),               # no dtype check
    (np.ones(3, np.float16), np.ones(3, np.float16) + 2e-3, {}),
    (np.ones(3, np.float32), [1.0, 1.0, 1.0], {}),                      # expected converted to actual's dtype
    (np.ones(2, np.float32), 1.0, {}),
    (np.array([1, 2]), np.array([1, 3]), {"rtol": 0.5, "atol": 0.0}),
    (np.array([np.nan]), np.array([np.nan]), {}),                       # equal_nan defaults to True here
    (np.ones(3, np.float32), np.ones(4, np.float32), {}),
])
def test_testing_assert_allclose_is_the_deprecated_alias(a, b, kw, torch):
    outcome = []
    for L in (ember, torch):
        expected = L.tensor(b) if isinstance(b, np.ndarray) else b
        with pytest.warns(FutureWarning, match=r"assert_allclose\(\)` is deprecated since 1.12"):
            try:
                L.testing.assert_allclose(L.tensor(a), expected, **kw)
                outcome.append(None)
            except AssertionError as e:
                outcome.append(str(e).splitlines()[0].replace("ember", "torch"))
    assert outcome[0] == outcome[1]


def test_onnx_namespace_imports_and_export_says_it_is_unavailable(torch, tmp_path):
    import ember.onnx
    assert ember.onnx is ember.onnx and ember.onnx.is_in_onnx_export() is torch.onnx.is_in_onnx_export() is False
    with pytest.raises(NotImplementedError, match="ONNX export is not available in ember.*state_dict"):
        ember.onnx.export(ember.nn.Linear(2, 2), (ember.ones(1, 2),), str(tmp_path / "m.onnx"),
                          input_names=["x"], opset_version=17)
    assert not (tmp_path / "m.onnx").exists()
    assert issubclass(ember.onnx.OnnxExporterError, RuntimeError)


M43 = np.random.default_rng(3).standard_normal((4, 3)).astype(np.float32)


def _recon(L, some):
    U, S, V = L.svd(L.tensor(M43), some=some)
    k = S.shape[0]
    return (U[:, :k] * S) @ V[:, :k].T, S, U.shape, V.shape


@pytest.mark.filterwarnings("ignore:torch.qr is deprecated")
@pytest.mark.parametrize("name,fn", [
    ("svd reduced", lambda L: _recon(L, True)[0]),
    ("svd S", lambda L: _recon(L, True)[1]),
    ("svd full", lambda L: _recon(L, False)[0]),
    ("qr R abs", lambda L: L.qr(L.tensor(M43))[1].abs()),
    ("pinverse", lambda L: L.pinverse(L.tensor(M43))),
    ("hann", lambda L: L.hann_window(7)),
    ("hann symmetric", lambda L: L.hann_window(6, periodic=False, dtype=L.float64)),
    ("hamming", lambda L: L.hamming_window(5)),
    ("blackman", lambda L: L.blackman_window(8, periodic=False)),
    ("bartlett", lambda L: L.bartlett_window(7)),
    ("window 1", lambda L: L.hann_window(1)),
    ("trapezoid", lambda L: L.trapezoid(L.tensor(M43), dim=0)),
    ("trapezoid x", lambda L: L.trapezoid(L.tensor(M43), L.tensor([0.0, 0.5, 2.0]))),
    ("trapz dx", lambda L: L.trapz(L.tensor(M43), dx=0.3)),
    ("cumulative_trapezoid", lambda L: L.cumulative_trapezoid(L.tensor(M43), L.tensor([0.0, 1.0, 3.0, 4.0]), dim=0)),
])
def test_linalg_windows_trapezoid(name, fn, torch):
    run_both(torch, fn, rtol=1e-5, atol=2e-6)


def test_svd_shapes_and_trapezoid_grad(torch):
    for some in (True, False):
        assert _recon(ember, some)[2:] == tuple(tuple(s) for s in _recon(torch, some)[2:])
    grads = []
    for L in (ember, torch):
        y = L.tensor(M43, requires_grad=True)
        (L.trapezoid(y, L.tensor([0.0, 0.5, 2.0])).sum() + L.cumulative_trapezoid(y, dim=0).pow(2).sum()).backward()
        grads.append(y.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-5)
    x = ember.tensor(M43)
    assert x.new(2, 3).shape == (2, 3) and x.new([1, 2]).dtype == ember.float32
    assert x.svd()[2].shape == (3, 3) and x.pinverse().shape == (3, 4)


def test_range_matches_torch(torch):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for args, kw in [((1, 4), {}), ((0, 1, 0.25), {}), ((5, 1, -2), {}), ((1, 4), {"dtype": "int64"})]:
            outs = [L.range(*args, **{k: getattr(L, v) for k, v in kw.items()}) for L in (ember, torch)]
            assert outs[0].tolist() == outs[1].tolist() and str(outs[0].dtype) == str(outs[1].dtype)
        for L in (ember, torch):
            with pytest.raises(RuntimeError):
                L.range(5, 1, 1)
            with pytest.raises(TypeError):
                L.range(3)


def _write_rank(i, path):
    with open(f"{path}/{i}", "w") as f:
        f.write(str(i))


def _fail(i):
    raise SystemExit(3)


def test_multiprocessing_distributed_checkpoint(tmp_path):
    import ember.distributed as dist
    import ember.multiprocessing as mp
    from ember.utils.checkpoint import checkpoint, checkpoint_sequential
    mp.set_sharing_strategy("file_system")
    assert mp.get_sharing_strategy() == "file_system" and "file_descriptor" in mp.get_all_sharing_strategies()
    mp.set_sharing_strategy("file_descriptor")
    with pytest.raises(AssertionError):
        mp.set_sharing_strategy("nope")
    mp.spawn(_write_rank, args=(str(tmp_path),), nprocs=2, start_method="fork")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0", "1"]
    with pytest.raises(mp.ProcessExitedException):
        mp.spawn(_fail, nprocs=1, start_method="fork")
    assert mp.Queue is not None and mp.cpu_count() >= 1
    assert dist.is_initialized() is False
    with pytest.raises(ValueError, match="Default process group has not been initialized"):   # as torch
        dist.get_rank()
    x = ember.ones(2, requires_grad=True)
    checkpoint(lambda a, b: a * b, x, 3.0, use_reentrant=False).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    seq = ember.nn.Sequential(ember.nn.Linear(2, 2), ember.nn.ReLU())
    assert ember.equal(checkpoint_sequential(seq, 2, x), seq(x))


SPX = np.array([[-3.0, -0.5, 0.0, 0.3], [0.9, 1.5, 4.0, 7.0]], np.float32)
SPP = np.array([[0.01, 0.2, 0.5, 0.9]], np.float32)
SPECIAL = [
    ("expit", lambda S, L: S.expit(L.tensor(SPX))), ("gammaln", lambda S, L: S.gammaln(L.tensor(SPX[1]))),
    ("psi", lambda S, L: S.psi(L.tensor(SPX[1]))), ("digamma", lambda S, L: S.digamma(L.tensor(SPX[1]))),
    ("erf", lambda S, L: S.erf(L.tensor(SPX))), ("erfc", lambda S, L: S.erfc(L.tensor(SPX))),
    ("erfinv", lambda S, L: S.erfinv(L.tensor(SPP))), ("exp2", lambda S, L: S.exp2(L.tensor(SPX))),
    ("ndtr", lambda S, L: S.ndtr(L.tensor(SPX))), ("ndtri", lambda S, L: S.ndtri(L.tensor(SPP))),
    ("log_ndtr", lambda S, L: S.log_ndtr(L.tensor(SPX))), ("entr", lambda S, L: S.entr(L.tensor(SPX))),
    ("xlog1py", lambda S, L: S.xlog1py(L.tensor(SPX), L.tensor(SPX[::-1].copy()).abs())),
    ("xlogy", lambda S, L: S.xlogy(L.tensor(SPX), L.tensor(SPX).abs())),
    ("logit", lambda S, L: S.logit(L.tensor(SPP), eps=1e-3)), ("sinc", lambda S, L: S.sinc(L.tensor(SPX))),
    ("softmax", lambda S, L: S.softmax(L.tensor(SPX), 1)), ("log_softmax", lambda S, L: S.log_softmax(L.tensor(SPX), 0)),
    ("logsumexp", lambda S, L: S.logsumexp(L.tensor(SPX), 1)), ("polygamma", lambda S, L: S.polygamma(1, L.tensor(SPX[1]))),
    ("multigammaln", lambda S, L: S.multigammaln(L.tensor(SPX[1, 1:]), 2)),
    ("round", lambda S, L: S.round(L.tensor(SPX) * 3.3, decimals=1)),
]


@pytest.mark.parametrize("name,fn", SPECIAL, ids=[s[0] for s in SPECIAL])
def test_special_matches_torch(name, fn, torch):
    run_both(torch, lambda L: fn(L.special, L), rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("name", ["ndtr", "log_ndtr", "ndtri", "entr", "xlog1py"])
def test_special_composed_grads(name, torch):
    grads = []
    for L in (ember, torch):
        x = L.tensor(SPP if name == "ndtri" else np.abs(SPX) + 0.1, requires_grad=True)
        f = getattr(L.special, name)
        y = f(x, x) if name == "xlog1py" else f(x)
        y.sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("call", [
    lambda L: L.cuda.initial_seed(), lambda L: L.cuda.get_rng_state(), lambda L: L.cuda.set_rng_state(L.zeros(1)),
    lambda L: L.cuda.get_rng_state_all(), lambda L: L.cuda.mem_get_info(), lambda L: L.cuda.ipc_collect(),
    lambda L: L.cuda.Stream(), lambda L: L.cuda.max_memory_reserved(), lambda L: L.cuda.is_available(),
    lambda L: L.cuda.device_count(), lambda L: L.cuda.manual_seed_all(0),
])
def test_cuda_answers_like_cpu_only_torch(call, torch):
    outcome = []
    for L in (ember, torch):
        try:
            outcome.append(("ok", call(L)))
        except Exception as e:   # noqa: BLE001 - the exception type is what is compared
            outcome.append(("raise", type(e)))
    assert outcome[0] == outcome[1]


def test_cuda_amp_module_aliases():
    import ember.cuda.amp as cuda_amp
    assert issubclass(cuda_amp.GradScaler, ember.amp.GradScaler) and not cuda_amp.GradScaler().is_enabled()
    with cuda_amp.autocast(enabled=False):
        pass


RA = np.random.default_rng(5).standard_normal((3, 4)).astype(np.float32)
SPD = (RA[:, :3].T @ RA[:, :3] + 2 * np.eye(3)).astype(np.float32)
CHOL = np.linalg.cholesky(SPD).astype(np.float32)


@pytest.mark.parametrize("name,fn", [
    ("renorm p2 dim0", lambda L, x: L.renorm(x, 2, 0, 1.5)),
    ("renorm p1 dim1", lambda L, x: x.renorm(1, 1, 2.0)),
    ("renorm 3d", lambda L, x: L.renorm(x.reshape(3, 2, 2), 3, -1, 0.7)),
    ("cholesky_solve", lambda L, x: L.cholesky_solve(x[:, :2], L.tensor(CHOL))),
    ("cholesky_solve upper", lambda L, x: L.cholesky_solve(x, L.tensor(CHOL.T.copy()), upper=True)),
    ("cholesky_inverse", lambda L, x: L.cholesky_inverse(L.tensor(CHOL)) * x[:, :3].sum()),
    ("matrix_exp", lambda L, x: L.matrix_exp(x[:, :3] / 4)),
])
def test_more_functions_values_and_grads(name, fn, torch):
    check(torch, lambda x: fn(ember, x), lambda x: fn(torch, x), [RA], 1e-5, 1e-6, grad_rtol=1e-4, grad_atol=1e-5)


def test_typename_is_storage_renorm_inplace(torch):
    for L in (ember, torch):
        assert L.typename(L.ones(1)) == "torch.FloatTensor" and L.typename(L.ones(1, dtype=L.int64)) == "torch.LongTensor"
        assert L.typename(3) == "int" and L.is_storage(L.ones(1)) is False
    a, b = ember.tensor(RA), torch.tensor(RA)
    a.renorm_(2, 0, 1.0)
    b.renorm_(2, 0, 1.0)
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError):
        ember.renorm(ember.ones(3), 2, 0, 1.0)


def test_tensor_cuda_raises_like_cpu_only_torch(torch):
    for L in (ember, torch):
        with pytest.raises(AssertionError, match="not compiled with CUDA"):
            L.ones(1).cuda()
    with pytest.raises(RuntimeError):   # ember's error is also a RuntimeError
        ember.ones(1).cuda()


@pytest.mark.parametrize("key", [0, slice(0, 1), (0,), -1])
def test_zero_dim_index_messages(key, torch):
    msgs = []
    for L in (ember, torch):
        with pytest.raises(IndexError) as e:
            L.tensor(1.5)[key]
        msgs.append(str(e.value).split(".")[0])
        with pytest.raises(IndexError):
            t = L.tensor(1.5)
            t[key] = 2.0
    assert msgs[0] == msgs[1]


def test_model_weight_enums_import_and_refuse_cleanly():
    from ember.vision import models
    from ember.vision.models import ResNet18_Weights, ResNet50_Weights, VGG16_Weights  # noqa: F401
    assert str(ResNet50_Weights.DEFAULT) == "ResNet50_Weights.IMAGENET1K_V2"
    assert [w.name for w in ResNet50_Weights] == ["IMAGENET1K_V1", "IMAGENET1K_V2"]
    for w in (ResNet18_Weights.DEFAULT, "IMAGENET1K_V1"):
        with pytest.raises(RuntimeError, match="not available in ember"):
            models.resnet18(weights=w)
    with pytest.raises(RuntimeError):
        ResNet18_Weights.DEFAULT.get_state_dict()
    img = ember.randint(0, 256, (3, 260, 300), dtype=ember.uint8)
    out = ResNet18_Weights.DEFAULT.transforms()(img)
    assert out.shape == (3, 224, 224) and out.dtype == ember.float32
