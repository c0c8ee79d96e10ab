"""Finite-difference gradient checks in float64. Matches `torch.autograd.gradcheck`'s contract."""
from __future__ import annotations

import numpy as np
from .._tensor_base import TensorBase, _wrap


class GradcheckError(RuntimeError):
    pass


def _outputs(fn, inputs):
    out = fn(*inputs)
    return out if isinstance(out, (tuple, list)) else (out,)


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, fast_mode=False, max_full=2048, seed=0, **kwargs):
    """Compare analytical gradients (reverse mode) with central differences.

    Full Jacobians for small inputs; with `fast_mode` (or above `max_full` elements) a few random
    directional checks instead, which test the same identity u.J.v at a fraction of the cost.
    """
    from .engine import grad
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff = [i for i, t in enumerate(inputs) if isinstance(t, TensorBase) and t.requires_grad]
    for i in diff:
        if inputs[i]._data.dtype != np.float64:
            import warnings
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point. "
                          "gradcheck is only reliable in float64.")
    rng = np.random.default_rng(seed)
    outs = _outputs(func, inputs)
    outs_d = [k for k, o in enumerate(outs) if isinstance(o, TensorBase) and o.requires_grad]

    def f_flat():
        with _no_grad():
            res = _outputs(func, inputs)
        return [np.array(res[k]._data, dtype=np.float64) for k in outs_d]

    total = sum(inputs[i]._data.size for i in diff)
    full = not fast_mode and total <= max_full
    for k_out, k in enumerate(outs_d):
        o = outs[k]
        # random cotangent u (catches transposition bugs a ones-seed hides)
        n_checks = 1 if full else 3
        for _ in range(n_checks):
            u = rng.standard_normal(o._data.shape)
            ga = grad(o, [inputs[i] for i in diff], grad_outputs=_wrap(u.astype(o._data.dtype)),
                      retain_graph=True, allow_unused=True)
            ga = [np.zeros(inputs[i]._data.shape) if g is None else np.asarray(g._data, dtype=np.float64)
                  for g, i in zip(ga, diff)]
            if full:
                for j, i in enumerate(diff):
                    x = inputs[i]._data
                    num = np.zeros(x.size)
                    for p in range(x.size):
                        ix = np.unravel_index(p, x.shape)     # works for non-contiguous inputs too
                        old = x[ix]
                        x[ix] = old + eps
                        fp = f_flat()[k_out]
                        x[ix] = old - eps
                        fm = f_flat()[k_out]
                        x[ix] = old
                        num[p] = np.sum(u * (fp - fm)) / (2 * eps)
                    if not np.allclose(ga[j].reshape(-1), num, atol=atol, rtol=rtol):
                        msg = (f"Jacobian mismatch for output {k} with respect to input {i},\n"
                               f"numerical:{num.reshape(x.shape)}\nanalytical:{ga[j]}\n")
                        if raise_exception:
                            raise GradcheckError(msg)
                        return False
            else:
                vs = [rng.standard_normal(inputs[i]._data.shape) for i in diff]
                olds = [inputs[i]._data.copy() for i in diff]
                for v, i, old in zip(vs, diff, olds):
                    inputs[i]._data[...] = old + eps * v
                fp = f_flat()[k_out]
                for v, i, old in zip(vs, diff, olds):
                    inputs[i]._data[...] = old - eps * v
                fm = f_flat()[k_out]
                for i, old in zip(diff, olds):
                    inputs[i]._data[...] = old
                num = np.sum(u * (fp - fm)) / (2 * eps)
                ana = sum(float(np.sum(g * v)) for g, v in zip(ga, vs))
                if not np.isclose(ana, num, atol=atol, rtol=rtol):
                    msg = f"Directional derivative mismatch for output {k}: numerical {num}, analytical {ana}"
                    if raise_exception:
                        raise GradcheckError(msg)
                    return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
                  seed=0, **kwargs):
    """Check second derivatives: gradcheck of the (create_graph) gradient function."""
    from .engine import grad
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff = [t for t in inputs if isinstance(t, TensorBase) and t.requires_grad]
    outs = _outputs(func, inputs)
    rng = np.random.default_rng(seed)
    us = [_wrap(rng.standard_normal(o._data.shape)) for o in outs if o.requires_grad]

    def first(*xs):
        from .grad_mode import enable_grad
        with enable_grad():   # gradcheck evaluates this under no_grad; the inner grad needs a graph
            os_ = [o for o in _outputs(func, xs) if o.requires_grad]
            gs = grad(os_, [x for x in xs if isinstance(x, TensorBase) and x.requires_grad], grad_outputs=us,
                      create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    del diff
    return gradcheck(first, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception, seed=seed)


class _no_grad:
    def __enter__(self):
        from .grad_mode import STATE
        self.prev = STATE.enabled
        STATE.enabled = False

    def __exit__(self, *exc):
        from .grad_mode import STATE
        STATE.enabled = self.prev
