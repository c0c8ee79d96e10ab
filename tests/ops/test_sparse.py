"""Sparse COO tensors against torch: construction, printing, coalesce, to_dense/to_sparse, torch.sparse.sum,
sparse x dense products with their gradients (values, dense operand, and torch's two gradients of a sparse
leaf), checkpoints, and the clear errors of what ember does not support."""
from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from oracle import assert_same, check, raises_like, run_both

import ember

warnings.filterwarnings("ignore", message="Sparse invariant checks are implicitly disabled")

RNG = np.random.default_rng(0)
IDX = np.array([[0, 1, 1, 0, 2], [1, 0, 2, 1, 3]])          # (0, 1) twice: uncoalesced, unsorted
VALS = np.array([1.0, 2.0, 3.0, 4.0, 5.0], dtype=np.float32)
DENSE = RNG.standard_normal((4, 3)).astype(np.float32)
HYB = RNG.standard_normal((5, 2)).astype(np.float32)


def _parts(s):
    """Everything a sparse tensor shows: compared item by item between the libraries."""
    return {"indices": s._indices(), "values": s._values().detach(), "size": tuple(s.shape), "nnz": s._nnz(),
            "coalesced": s.is_coalesced(), "sparse_dim": s.sparse_dim(), "dense_dim": s.dense_dim(),
            "dense": s.to_dense().detach(), "repr": repr(s), "layout": str(s.layout),
            "is_sparse": s.is_sparse,
            "dtype": str(s.dtype), "requires_grad": s.requires_grad}


def _S(L, idx=IDX, vals=VALS, size=(3, 4), **kw):
    return L.sparse_coo_tensor(L.tensor(idx), L.tensor(vals), size, **kw)


def _H(L):
    """A hybrid sparse tensor: 1 sparse dim, values of 2 elements, uncoalesced."""
    return L.sparse_coo_tensor(L.tensor([[2, 0, 2, 1, 0]]), L.tensor(HYB), (3, 2))


BUILD = {
    "basic": lambda L: _S(L),
    "no size": lambda L: L.sparse_coo_tensor(L.tensor(IDX), L.tensor(VALS)),
    "lists": lambda L: L.sparse_coo_tensor(IDX.tolist(), VALS.tolist(), (3, 5)),
    "int values": lambda L: L.sparse_coo_tensor(IDX.tolist(), [1, 2, 3, 4, 5], (3, 4)),
    "bool values": lambda L: _S(L, vals=VALS > 2),
    "float64": lambda L: _S(L, dtype=L.float64),
    "hybrid": lambda L: L.sparse_coo_tensor(L.tensor(IDX[:1]), L.tensor(HYB), (3, 2)),
    "3 sparse dims": lambda L: L.sparse_coo_tensor(L.tensor(np.vstack([IDX, IDX[:1]])), L.tensor(VALS),
                                                   (3, 4, 3)),
    "empty": lambda L: L.sparse_coo_tensor(L.zeros(2, 0, dtype=L.long), L.zeros(0), (3, 3)),
    "size only": lambda L: L.sparse_coo_tensor(size=(2, 3), dtype=L.float64),
    "one entry": lambda L: _S(L, idx=IDX[:, :1], vals=VALS[:1]),
    "is_coalesced given": lambda L: _S(L, idx=np.array([[0, 1], [1, 0]]), vals=VALS[:2], size=(2, 2),
                                       is_coalesced=True),
    "requires_grad": lambda L: _S(L, requires_grad=True),
    "from values needing grad": lambda L: L.sparse_coo_tensor(L.tensor(IDX),
                                                              L.tensor(VALS, requires_grad=True) * 2, (3, 4)),
    "coalesce": lambda L: _S(L).coalesce(),
    "coalesce hybrid": lambda L: _H(L).coalesce(),
    "coalesce grad_fn": lambda L: _S(L, requires_grad=True).coalesce(),
    "to_sparse": lambda L: L.tensor([[0.0, 1.5, 0.0], [2.0, 0.0, -3.0]]).to_sparse(),
    "to_sparse 3d": lambda L: L.tensor([[[0.0, 1.0], [0.0, 0.0]], [[2.0, 0.0], [0.0, 3.0]]]).to_sparse(),
    "to_sparse hybrid": lambda L: L.tensor([[[0.0, 1.0], [0.0, 0.0]], [[2.0, 0.0], [0.0, 3.0]]]).to_sparse(2),
    "to_sparse 0-d": lambda L: L.tensor(3.0).to_sparse(),
    "to_sparse zeros": lambda L: L.zeros(2, 3).to_sparse(),
    "to_sparse int": lambda L: L.tensor([[0, 4], [5, 0]]).to_sparse(),
    "to_sparse_coo": lambda L: L.eye(3).to_sparse_coo(),
    "to_sparse grad": lambda L: L.tensor([[0.0, 1.5], [2.0, 0.0]], requires_grad=True).to_sparse(),
    "to_sparse(2) grad": lambda L: L.tensor([[0.0, 1.5], [2.0, 0.0]], requires_grad=True).to_sparse(2),
    "t": lambda L: _S(L).t(),
    "t coalesced": lambda L: _S(L).coalesce().t(),
    "transpose": lambda L: _S(L).transpose(0, 1),
    "mul": lambda L: _S(L).coalesce() * 2,
    "rmul": lambda L: 0.5 * _S(L),
    "div": lambda L: _S(L) / 4,
    "neg": lambda L: -_S(L),
    "add coalesced": lambda L: _S(L).coalesce() + _S(L, idx=IDX[:, 2:], vals=VALS[2:]).coalesce(),
    # the entry order of an uncoalesced sum is torch's implementation detail: compare it coalesced
    "add uncoalesced": lambda L: (_S(L) + _S(L, idx=IDX[:, 1:], vals=VALS[1:])).coalesce(),
    "add alpha": lambda L: _S(L).coalesce().add(_S(L).coalesce(), alpha=2),
    "to float64": lambda L: _S(L).to(L.float64),
    "double": lambda L: _S(L).double(),
    "long": lambda L: _S(L).long(),
    "detach": lambda L: _S(L, requires_grad=True).detach(),
    "clone": lambda L: _S(L).clone(),
    "legacy FloatTensor": lambda L: L.sparse.FloatTensor(L.tensor(IDX), L.tensor(VALS), L.Size([3, 4])),
    "legacy empty": lambda L: L.sparse.DoubleTensor(2, 3),
    "sparse.sum dim0": lambda L: L.sparse.sum(_S(L), 0),
    "sparse.sum dim -1": lambda L: L.sparse.sum(_S(L), -1),
    "sum dim": lambda L: _S(L).sum(1),
    "sparse.sum 3d": lambda L: L.sparse.sum(L.tensor([[[0.0, 1.0], [0.0, 0.0]], [[2.0, 0.0], [4.0, 3.0]]])
                                            .to_sparse(), dim=(0, 2)),
    "sparse.sum hybrid dense dim": lambda L: L.sparse.sum(
        L.sparse_coo_tensor(L.tensor(IDX[:, :3]), L.tensor(HYB[:3]), (3, 4, 2)), dim=2),
    "sparse.sum grad": lambda L: L.sparse.sum(_S(L, requires_grad=True), 1),
}


@pytest.mark.parametrize("name", sorted(BUILD))
def test_sparse_tensors_match_torch(torch, name):
    run_both(torch, lambda L: _parts(BUILD[name](L)))


DENSE_RESULTS = {
    "sparse.sum all": lambda L: L.sparse.sum(_S(L)),
    "sum()": lambda L: _S(L).sum(),
    "sparse.sum dtype": lambda L: L.sparse.sum(_S(L), dtype=L.float64),
    "sparse.sum all sparse dims": lambda L: L.sparse.sum(
        L.tensor([[[0.0, 1.0], [0.0, 0.0]], [[2.0, 0.0], [4.0, 3.0]]]).to_sparse(2), dim=(0, 1)),
    "sparse.sum every dim": lambda L: L.sparse.sum(
        L.tensor([[[0.0, 1.0], [0.0, 0.0]], [[2.0, 0.0], [4.0, 3.0]]]).to_sparse(), dim=(0, 1, 2)),
    "to_dense": lambda L: _S(L).to_dense(),
    "to_dense hybrid": lambda L: _H(L).to_dense(),
    "dense to_dense": lambda L: L.ones(2).to_dense(),
    "type": lambda L: (_S(L).type(), _S(L).long().type(), L.ones(2).type()),
    "isinstance": lambda L: (isinstance(_S(L), L.sparse.FloatTensor), isinstance(_S(L), L.FloatTensor),
                             isinstance(_S(L).double(), L.sparse.FloatTensor),
                             isinstance(L.ones(1), L.sparse.FloatTensor), isinstance(_S(L), L.Tensor)),
    "len numel dim": lambda L: (len(_S(L)), _S(L).numel(), _S(L).dim(), _S(L).ndim, _S(L).size(1),
                                _S(L).shape, _S(L).element_size(), _S(L).is_floating_point()),
    "layouts": lambda L: (str(L.strided), str(L.sparse_coo), str(L.ones(1).layout), L.ones(1).is_sparse),
    "to_sparse is self": lambda L: (lambda s: (s.to_sparse() is s, s.coalesce().is_coalesced()))(_S(L)),
    "mm": lambda L: L.mm(_S(L), L.tensor(DENSE)),
    "spmm": lambda L: L.spmm(_S(L), L.tensor(DENSE)),
    "spmm dense": lambda L: L.spmm(L.tensor(DENSE.T), L.tensor(DENSE)),
    "sparse.mm": lambda L: L.sparse.mm(_S(L), L.tensor(DENSE)),
    "matmul": lambda L: L.matmul(_S(L), L.tensor(DENSE)),
    "@": lambda L: _S(L) @ L.tensor(DENSE),
    "method mm": lambda L: _S(L).mm(L.tensor(DENSE)),
    "mv": lambda L: L.mv(_S(L), L.tensor(DENSE[:, 0])),
    "@ vector": lambda L: _S(L) @ L.tensor(DENSE[:, 1]),
    "dense @ sparse": lambda L: L.tensor(DENSE[:2, :]).T @ _S(L, size=(3, 4)),
    "mm dense sparse": lambda L: L.mm(L.tensor(DENSE[:3, :2]).T, _S(L, size=(3, 4))),
    "mm float64": lambda L: L.mm(_S(L, dtype=L.float64), L.tensor(DENSE, dtype=L.float64)),
    "mm int": lambda L: L.mm(_S(L, vals=np.arange(5)), L.ones(4, 2, dtype=L.long)),
    "mm empty": lambda L: L.mm(L.sparse_coo_tensor(L.zeros(2, 0, dtype=L.long), L.zeros(0), (3, 4)),
                               L.tensor(DENSE)),
    "mm coalesced": lambda L: L.mm(_S(L).coalesce(), L.tensor(DENSE)),
    "mm transposed": lambda L: L.mm(_S(L, size=(4, 4)).t(), L.tensor(DENSE)),
    "sparse.addmm": lambda L: L.sparse.addmm(L.ones(3, 3), _S(L), L.tensor(DENSE), beta=0.5, alpha=2.0),
    "values grad_fn": lambda L: _S(L, requires_grad=True).coalesce().values().grad_fn.name(),
    "grad_fn names": lambda L: [f(L).grad_fn.name() for f in (
        lambda L: L.sparse.mm(_S(L, requires_grad=True), L.tensor(DENSE)),
        lambda L: L.mm(_S(L, requires_grad=True), L.tensor(DENSE)),
        lambda L: _S(L, requires_grad=True) @ L.tensor(DENSE[:, 0]),
        lambda L: _S(L, requires_grad=True).to_dense(),
        lambda L: _S(L, requires_grad=True).to_sparse(),
        lambda L: _S(L, requires_grad=True).t(),
        lambda L: _S(L, requires_grad=True) * 2,
        lambda L: L.sparse_coo_tensor(L.tensor(IDX), L.tensor(VALS, requires_grad=True), (3, 4)))],
}


@pytest.mark.parametrize("name", sorted(DENSE_RESULTS))
def test_sparse_results_match_torch(torch, name):
    run_both(torch, DENSE_RESULTS[name])


# ---- gradients -------------------------------------------------------------------------------------------

def _products(L):
    return {"sparse.mm": lambda s, d: L.sparse.mm(s, d), "mm": L.mm, "spmm": L.spmm, "matmul": L.matmul,
            "@": lambda s, d: s @ d, "mv": lambda s, d: L.mv(s, d[:, 0]),
            "dense @": lambda s, d: d[:3].T @ s, "to_dense": lambda s, d: s.to_dense() * d[:3],
            "coalesce": lambda s, d: s.coalesce().values() * d[0, 0],
            "sparse.sum": lambda s, d: L.sparse.sum(s, 0).to_dense() * d[0],
            "sparse.sum all": lambda s, d: L.sparse.sum(s) * d, "t": lambda s, d: s.t().to_dense() * d}


@pytest.mark.parametrize("op", list(_products(ember)))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gradients_reach_the_values_and_the_dense_operand(torch, op, dtype):
    """A sparse tensor built from values that require grad (GAT-style edge weights): the values and the
    dense operand get torch's gradients, under a random cotangent."""
    vals, dense = VALS.astype(dtype), DENSE.astype(dtype)

    def f(L):
        return lambda v, d, i: _products(L)[op](L.sparse_coo_tensor(i, v, (3, 4)), d)
    check(torch, f(ember), f(torch), [vals, dense, IDX], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("op", list(_products(ember)))
@pytest.mark.parametrize("coalesced", [False, True])
def test_a_sparse_leaf_gets_torchs_gradient(torch, op, coalesced):
    """torch gives a sparse leaf a sparse gradient masked to its entries (sparse.mm, to_dense, sum, ...) and a
    dense one from mm/spmm/matmul/mv/@, which it differentiates as dense products."""
    cot = RNG.standard_normal(64).astype(np.float32)

    def f(L):
        s = _S(L, requires_grad=True)
        s = s.coalesce().detach().requires_grad_() if coalesced else s
        out = _products(L)[op](s, L.tensor(DENSE))
        (out * L.tensor(cot[:out.numel()]).reshape(out.shape)).sum().backward()
        g = s.grad
        return _parts(g.coalesce()) if g.is_sparse else g    # torch flags some masked gradients uncoalesced
    run_both(torch, f, rtol=1e-5, atol=1e-5)


def test_gradients_of_two_products_accumulate_like_torch(torch):
    def f(L):
        s = _S(L, requires_grad=True)
        d = L.tensor(DENSE)
        (L.mm(s, d).sum() + L.sparse.mm(s, d).pow(2).sum()).backward()
        g1 = s.grad
        s.grad = None
        (L.sparse.mm(s, d).sum() + s.to_dense().sum()).backward()
        return g1, _parts(s.grad)
    run_both(torch, f, rtol=1e-5, atol=1e-5)


def test_gcn_layer_forward_and_backward(torch):
    """Two graph convolutions over a random 60-node graph (normalised adjacency with self loops)."""
    rng = np.random.default_rng(3)
    n, f_in, hid, k = 60, 8, 16, 3
    edges = rng.integers(0, n, size=(2, 300))
    edges = np.hstack([edges, edges[::-1], np.tile(np.arange(n), (2, 1))])
    deg = np.bincount(edges[0], minlength=n).astype(np.float32)
    w_edge = (1 / np.sqrt(deg[edges[0]] * deg[edges[1]])).astype(np.float32)
    x = rng.standard_normal((n, f_in)).astype(np.float32)
    w1 = (rng.standard_normal((f_in, hid)) * 0.3).astype(np.float32)
    w2 = (rng.standard_normal((hid, k)) * 0.3).astype(np.float32)

    def f(L):
        def gcn(ew, x, w1, w2, e):
            adj = L.sparse_coo_tensor(e, ew, (n, n))
            return L.log_softmax(L.spmm(adj, L.relu(L.spmm(adj, x @ w1)) @ w2), dim=1)
        return gcn
    check(torch, f(ember), f(torch), [w_edge, x, w1, w2, edges], rtol=1e-4, atol=1e-5)


# ---- checkpoints -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("coalesce", [False, True])
def test_sparse_tensors_travel_in_checkpoints(torch, coalesce):
    for src, dst in ((torch, ember), (ember, torch), (ember, ember)):
        s = _S(src).coalesce() if coalesce else _S(src)
        buf = io.BytesIO()
        src.save({"adj": s, "hybrid": L_hybrid(src)}, buf)
        back = dst.load(io.BytesIO(buf.getvalue()))           # weights_only=True: in the default allowlist
        assert_same(_parts(back["adj"]), _parts(_S(torch).coalesce() if coalesce else _S(torch)))
        assert_same(_parts(back["hybrid"]), _parts(L_hybrid(torch)))


def L_hybrid(L):
    return L.sparse_coo_tensor(L.tensor(IDX[:1]), L.tensor(HYB), (3, 2))


# ---- errors ------------------------------------------------------------------------------------------

ERRORS = {
    "nnz mismatch": lambda L: L.sparse_coo_tensor(L.tensor(IDX), L.tensor(VALS[:3]), (3, 4)),
    "size rank": lambda L: L.sparse_coo_tensor(L.tensor(IDX), L.tensor(VALS), (3, 4, 2)),
    "index past size": lambda L: L.sparse_coo_tensor(L.tensor(IDX), L.tensor(VALS), (2, 4),
                                                     check_invariants=True),
    "negative index": lambda L: L.sparse_coo_tensor(L.tensor(-IDX), L.tensor(VALS), (3, 4),
                                                    check_invariants=True),
    "int requires grad": lambda L: _S(L, vals=np.arange(5), requires_grad=True),
    "values uncoalesced": lambda L: _S(L).values(),
    "indices uncoalesced": lambda L: _S(L).indices(),
    "numpy": lambda L: _S(L).numpy(),
    "mm dtypes": lambda L: L.mm(_S(L, dtype=L.float64), L.tensor(DENSE)),
    "sparse.mm dtypes": lambda L: L.sparse.mm(_S(L, dtype=L.float64), L.tensor(DENSE)),
    "mm inner size": lambda L: L.mm(_S(L), L.ones(5, 2)),
    "mm 3-d dense": lambda L: L.mm(_S(L), L.ones(4, 2, 2)),
    "sparse.mm vector": lambda L: L.sparse.mm(_S(L), L.ones(4)),
    "mm hybrid": lambda L: L.mm(L_hybrid(L), L.ones(2, 2)),
    "dense @ sparse inner size": lambda L: L.ones(2, 2) @ _S(L),
    "add sparse dense": lambda L: _S(L) + L.ones(3, 4),
    "exp": lambda L: L.exp(_S(L)),
    "view": lambda L: _S(L).view(-1),
    "len 0-d": lambda L: len(L.tensor(3.0).to_sparse()),
    "to_sparse 0 sparse dims": lambda L: L.tensor([[0.0, 1.0]]).to_sparse(0),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_are_torchs_types(torch, name):
    raises_like(torch, ERRORS[name])


@pytest.mark.parametrize("call,op", [
    (lambda: ember.exp(_S(ember)), "exp"), (lambda: _S(ember).exp(), "exp"),
    (lambda: _S(ember) - 1, "Tensor.__sub__"), (lambda: ember.ones(3, 4) + _S(ember), "Tensor.__add__"),
    (lambda: ember.nn.functional.relu(_S(ember)), "relu"), (lambda: _S(ember).view(12), "view"),
    (lambda: _S(ember).tolist(), "Tensor.tolist"), (lambda: ember.cat([_S(ember)]), "cat"),
    (lambda: ember.nn.Linear(4, 2)(_S(ember)), "linear"), (lambda: _S(ember)[0], "Tensor.__getitem__"),
    (lambda: ember.bmm(ember.ones(1, 3, 3), _S(ember)), "bmm"),
])
def test_unsupported_ops_name_themselves(call, op):
    with pytest.raises(NotImplementedError, match=rf"^{op}: not supported for sparse COO tensors in ember"):
        call()


@pytest.mark.parametrize("call", [
    lambda: ember.sparse.mm(_S(ember), _S(ember).t()), lambda: _S(ember) @ _S(ember).t(),
    lambda: ember.sparse_csr_tensor([0, 1], [0], [1.0]), lambda: ember.ones(2, 2).to_sparse_csr(),
    lambda: ember.ones(2, 2).to_sparse(layout=ember.strided), lambda: ember.nn.Parameter(_S(ember)),
])
def test_unsupported_sparse_features_say_so(call):
    with pytest.raises(NotImplementedError, match="sparse|CSR|COO"):
        call()


def test_ember_checks_indices_even_without_check_invariants(torch):
    with pytest.raises(RuntimeError, match="for dim 0, size is 2 but found index 2"):
        ember.sparse_coo_tensor(IDX, VALS, (2, 4))
    s = torch.sparse_coo_tensor(torch.tensor(IDX), torch.tensor(VALS), (2, 4))     # torch builds it unchecked
    assert s.shape == (2, 4)


def test_double_backward_through_sparse_products_says_so():
    s = ember.sparse_coo_tensor(IDX, ember.tensor(VALS, requires_grad=True), (3, 4))
    d = ember.tensor(DENSE, requires_grad=True)
    out = ember.sparse.mm(s, d).pow(2).sum()
    with pytest.raises(NotImplementedError, match="double backward"):
        ember.autograd.grad(out, d, create_graph=True)


def test_products_reuse_the_row_plan_of_an_adjacency():
    s = _S(ember)
    d = ember.tensor(DENSE)
    first = ember.mm(s, d)
    plan = s._sp_cache[1]["row"]
    assert ember.mm(s, d).tolist() == first.tolist() and s._sp_cache[1]["row"] is plan


def cases():
    """The table rows above for tests/ops/test_op_coverage.py, on ember only: every build and dense result
    (forward only), and every product with the values and the dense operand requiring grad (forward and
    backward), as `(id, fn(L, *tensors), arrays, grad, gradgrad)`."""
    for name, fn in {**BUILD, **DENSE_RESULTS}.items():
        yield name, lambda L, _f=fn: _f(L), [], False, False
    for op in _products(ember):
        yield (f"grad-{op}", lambda L, v, d, _op=op: _products(L)[_op](L.sparse_coo_tensor(L.tensor(IDX), v,
                                                                                             (3, 4)), d),
               [VALS, DENSE], True, False)
