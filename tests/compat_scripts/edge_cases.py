# Code that meets the edges: deprecated-but-accepted calls (and their warnings), NaN data, integer
# overflow, zero bases, bad arguments caught by the program, and every NumPy warning turned into an error
# (a test suite's `warnings.simplefilter("error")`): the library must not emit any of its own.
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(1)


def caught(fn):
    try:
        fn()
        return "ok"
    except Exception as e:
        return type(e).__name__


def warned(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        result = fn()
    return result, [(x.category.__name__, str(x.message)[:60]) for x in w]


# ---- deprecated inputs keep their behaviour and warn -------------------------------------------------
features = torch.ones(4, 6)
out, w = warned(lambda: nn.Dropout2d(p=0.0)(features))
print("Dropout2d on 2-D input", tuple(out.shape), out.sum().item(), w)
out, w = warned(lambda: F.upsample(torch.ones(1, 1, 2, 2), scale_factor=2))
print("upsample", tuple(out.shape), w)
out, w = warned(lambda: F.softmax(torch.ones(2, 3)))
print("implicit softmax dim", out.sum().item(), w)
out, w = warned(lambda: F.mse_loss(torch.ones(3), torch.zeros(3), reduce=False))
print("legacy reduce", out.tolist(), w)
out, w = warned(lambda: torch.ones(3).T)
print("x.T on 1-D", out.shape, w)

# ---- NaN and overflow --------------------------------------------------------------------------------
nan = float("nan")
v = torch.tensor([3.0, nan, 1.0, 2.0])
print("median with NaN", v.median().item(), "nanmedian", v.nanmedian().item())
print("unique keeps each NaN", torch.unique(torch.tensor([1.0, nan, nan])).tolist())
print("sort puts NaN last", torch.sort(v).values.tolist())
print("int8 + 200 wraps", (torch.tensor([1, 100], dtype=torch.int8) + 200).tolist())
print("uint8 - 1 wraps", (torch.tensor([0, 5], dtype=torch.uint8) - 1).tolist())
print("list comparison", torch.tensor([1.0, 2.0]) == [1, 2])

# ---- a zero base ------------------------------------------------------------------------------------
e = torch.tensor([-1.0, 0.0, 2.0], requires_grad=True)
(0.0 ** e).sum().backward()
print("d(0**x)/dx", e.grad.tolist())

# ---- bad arguments the program catches ---------------------------------------------------------------
print("add(x, None):", caught(lambda: torch.add(torch.ones(2), None)))
print("eye(-1):", caught(lambda: torch.eye(-1)))
print("Linear(-1, 3):", caught(lambda: nn.Linear(-1, 3)))
print("arange(0, inf):", caught(lambda: torch.arange(0, float("inf"))))
print("zeros(dtype='float32'):", caught(lambda: torch.zeros(2, dtype="float32")))
print("einsum bad subscripts:", caught(lambda: torch.einsum("ij,jk->il", torch.ones(2, 2), torch.ones(2, 2))))
print("linspace bool:", caught(lambda: torch.linspace(0, 1, 5, dtype=torch.bool)))
print("SGD(lr='0.1'):", caught(lambda: torch.optim.SGD([nn.Parameter(torch.ones(2))], lr="0.1")))
print("histc of NaN:", caught(lambda: torch.histc(torch.tensor([1.0, nan]))))
print("unsqueeze(1.0):", caught(lambda: torch.ones(2).unsqueeze(1.0)))

# ---- uint8 images resized bilinearly -----------------------------------------------------------------
image = torch.tensor(rng.integers(0, 256, (1, 3, 5, 6)).astype(np.uint8))
small = F.interpolate(image, size=(3, 4), mode="bilinear", align_corners=False)
print("uint8 bilinear", small.dtype, small[0, 0].tolist())

# ---- every warning an error: the math still runs on inf/nan/0 ----------------------------------------
with warnings.catch_warnings():
    warnings.simplefilter("error")
    edge = torch.tensor([0.0, -1.0, float("inf"), -float("inf"), nan, 3e38], requires_grad=True)
    y = (edge.log() + edge.sqrt() + 1 / edge + edge.exp() + edge * edge - edge / edge).sum()
    y.backward()
    z = torch.tensor([3e38, -3e38, 1e-45]) * 10
    print("quiet math", y.item(), [v for v in edge.grad.tolist()], z.tolist())
