"""ember.distributions vs torch.distributions: log_prob, entropy, moments, cdf, KL (values and grads);
sampling checked for shapes, dtypes, support and (loosely) moments."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from oracle import raises_like

R = np.random.default_rng(0)
LOC = R.standard_normal((3, 4)).astype(np.float32)
SCALE = (R.random((3, 4)) + 0.5).astype(np.float32)
VAL = R.standard_normal((2, 3, 4)).astype(np.float32)
LOGITS = R.standard_normal((3, 5)).astype(np.float32)
PROBS = (R.random((3, 5)) + 0.1).astype(np.float32)
IDX = R.integers(0, 5, size=(2, 3))
BP = R.random((3, 4)).astype(np.float32) * 0.8 + 0.1
BV = (R.random((3, 4)) > 0.5).astype(np.float32)
A = R.standard_normal((3, 3)).astype(np.float32)
COV = (A @ A.T + 3 * np.eye(3)).astype(np.float32)
MVAL = R.standard_normal((5, 3)).astype(np.float32)


def _t(L, a, grad=False):
    return L.tensor(a, requires_grad=grad)


CASES = {
    "normal log_prob": lambda L, D, p: D.Normal(p[0], p[1]).log_prob(_t(L, VAL)),
    "normal entropy": lambda L, D, p: D.Normal(p[0], p[1]).entropy(),
    "normal cdf": lambda L, D, p: D.Normal(p[0], p[1]).cdf(_t(L, VAL)),
    "normal icdf": lambda L, D, p: D.Normal(p[0], p[1]).icdf(_t(L, np.full((3, 4), 0.3, np.float32))),
    "normal moments": lambda L, D, p: D.Normal(p[0], p[1]).variance + D.Normal(p[0], p[1]).stddev,
    "normal scalar args": lambda L, D, p: D.Normal(0.0, 1.0).log_prob(_t(L, VAL)),
    "normal kl": lambda L, D, p: D.kl_divergence(D.Normal(p[0], p[1]), D.Normal(p[1], p[1] * 2)),
    "independent normal": lambda L, D, p: D.Independent(D.Normal(p[0], p[1]), 1).log_prob(_t(L, VAL)),
    "independent kl": lambda L, D, p: D.kl_divergence(D.Independent(D.Normal(p[0], p[1]), 1),
                                                      D.Independent(D.Normal(p[0] * 0, p[1] * 0 + 1), 1)),
    "uniform log_prob": lambda L, D, p: D.Uniform(p[0] - 5, p[0] + p[1] + 5).log_prob(_t(L, VAL)),
    "uniform entropy": lambda L, D, p: D.Uniform(p[0] - 3, p[0] + p[1]).entropy(),
    "categorical logits log_prob": lambda L, D, p: D.Categorical(logits=p[2]).log_prob(_t(L, IDX)),
    "categorical probs log_prob": lambda L, D, p: D.Categorical(probs=p[3]).log_prob(_t(L, IDX)),
    "categorical entropy": lambda L, D, p: D.Categorical(logits=p[2]).entropy(),
    "categorical probs attr": lambda L, D, p: D.Categorical(logits=p[2]).probs,
    "categorical logits attr": lambda L, D, p: D.Categorical(probs=p[3]).logits,
    "categorical kl": lambda L, D, p: D.kl_divergence(D.Categorical(logits=p[2]), D.Categorical(probs=p[3])),
    "onehot log_prob": lambda L, D, p: D.OneHotCategorical(logits=p[2]).log_prob(
        L.nn.functional.one_hot(_t(L, IDX[0]), 5).float()),
    "bernoulli probs": lambda L, D, p: D.Bernoulli(probs=p[4]).log_prob(_t(L, BV)),
    "bernoulli logits": lambda L, D, p: D.Bernoulli(logits=p[0]).log_prob(_t(L, BV)),
    "bernoulli entropy": lambda L, D, p: D.Bernoulli(probs=p[4]).entropy(),
    "bernoulli kl": lambda L, D, p: D.kl_divergence(D.Bernoulli(probs=p[4]), D.Bernoulli(logits=p[0])),
    "mvn log_prob": lambda L, D, p: D.MultivariateNormal(p[0][0, :3], covariance_matrix=p[5]).log_prob(_t(L, MVAL)),
    "mvn scale_tril": lambda L, D, p: D.MultivariateNormal(p[0][:, :3], scale_tril=L.linalg.cholesky(p[5])).log_prob(
        _t(L, MVAL[:1])),
    "mvn entropy": lambda L, D, p: D.MultivariateNormal(p[0][0, :3], covariance_matrix=p[5]).entropy(),
    "mvn diag": lambda L, D, p: D.MultivariateNormal(p[0][0, :3], L.diag(p[1][0, :3])).log_prob(_t(L, MVAL)),
    "mvn kl": lambda L, D, p: D.kl_divergence(D.MultivariateNormal(p[0][0, :3], covariance_matrix=p[5]),
                                              D.MultivariateNormal(p[0][1, :3], L.diag(p[1][0, :3]))),
    "mvn variance": lambda L, D, p: D.MultivariateNormal(p[0][0, :3], covariance_matrix=p[5]).variance,
}


@pytest.mark.parametrize("name", list(CASES))
def test_values_and_grads_match_torch(name, torch):
    outs, grads = [], []
    for L in (ember, torch):
        params = [_t(L, LOC, True), _t(L, SCALE, True), _t(L, LOGITS, True), _t(L, PROBS, True), _t(L, BP, True),
                  _t(L, COV, True)]
        out = CASES[name](L, L.distributions, params)
        outs.append(out)
        if out.requires_grad:
            (out * L.tensor(np.linspace(0.5, 1.5, out.numel(), dtype=np.float32).reshape(tuple(out.shape)))).sum().backward()
        grads.append([None if p.grad is None else p.grad.numpy() for p in params])
    a, b = outs
    assert tuple(a.shape) == tuple(b.shape) and str(a.dtype) == str(b.dtype)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=2e-5, atol=2e-5)
    for ga, gb in zip(*grads):
        assert (ga is None) == (gb is None)
        if ga is not None:
            np.testing.assert_allclose(ga, gb, rtol=2e-4, atol=2e-5)


def test_sampling_shapes_support_and_moments():
    D = ember.distributions
    ember.manual_seed(0)
    n = D.Normal(ember.tensor(LOC), ember.tensor(SCALE))
    s = n.sample((4000,))
    assert s.shape == (4000, 3, 4) and not s.requires_grad and n.batch_shape == (3, 4) and n.event_shape == ()
    np.testing.assert_allclose(s.mean(0).numpy(), LOC, atol=0.1)
    np.testing.assert_allclose(s.std(0).numpy(), SCALE, rtol=0.1)
    loc = ember.tensor(LOC, requires_grad=True)
    r = D.Normal(loc, 1.0).rsample()
    r.sum().backward()
    assert loc.grad.tolist() == np.ones((3, 4)).tolist()
    c = D.Categorical(logits=ember.tensor(LOGITS))
    cs = c.sample((2000,))
    assert cs.shape == (2000, 3) and cs.dtype == ember.int64 and int(cs.min()) >= 0 and int(cs.max()) <= 4
    freq = np.stack([np.bincount(cs.numpy()[:, i], minlength=5) / 2000 for i in range(3)])
    np.testing.assert_allclose(freq, c.probs.numpy(), atol=0.05)
    assert D.Categorical(probs=ember.tensor([0.2, 0.8])).sample().shape == ()
    b = D.Bernoulli(probs=ember.tensor(BP)).sample((3,))
    assert b.shape == (3, 3, 4) and set(np.unique(b.numpy())) <= {0.0, 1.0}
    u = D.Uniform(-1.0, 2.0).sample((1000,))
    assert float(u.min()) >= -1 and float(u.max()) < 2
    m = D.MultivariateNormal(ember.zeros(3), ember.tensor(COV)).sample((3000,))
    np.testing.assert_allclose(np.cov(m.numpy().T), COV, atol=0.6)
    oh = D.OneHotCategorical(probs=ember.tensor(PROBS)).sample()
    assert oh.shape == (3, 5) and oh.sum(-1).tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("fn", [
    lambda L: L.distributions.Normal(L.tensor([0.0]), L.tensor([-1.0])),
    lambda L: L.distributions.Categorical(),
    lambda L: L.distributions.Categorical(probs=L.tensor([0.5, 0.5]), logits=L.tensor([0.0, 0.0])),
    lambda L: L.distributions.Bernoulli(probs=L.tensor([1.5])),
    lambda L: L.distributions.Bernoulli(probs=L.tensor([0.5])).log_prob(L.tensor([0.5])),
    lambda L: L.distributions.Categorical(logits=L.zeros(3)).log_prob(L.tensor(7)),
    lambda L: L.distributions.kl_divergence(L.distributions.Normal(0.0, 1.0), L.distributions.Bernoulli(0.5)),
])
def test_errors_match_torch(fn, torch):
    raises_like(torch, fn)


def test_policy_gradient_step(torch):
    """REINFORCE: loss = -(log_prob(action) * return).mean() + entropy bonus, same grads as torch."""
    W = R.standard_normal((4, 3)).astype(np.float32)
    obs = R.standard_normal((6, 4)).astype(np.float32)
    actions = R.integers(0, 3, size=6)
    returns = R.standard_normal(6).astype(np.float32)
    grads = []
    for L in (ember, torch):
        w = L.tensor(W, requires_grad=True)
        dist = L.distributions.Categorical(logits=L.tensor(obs) @ w)
        loss = -(dist.log_prob(L.tensor(actions)) * L.tensor(returns)).mean() - 0.01 * dist.entropy().mean()
        loss.backward()
        grads.append((loss.item(), w.grad.numpy()))
    assert abs(grads[0][0] - grads[1][0]) < 1e-5
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-4, atol=1e-6)
