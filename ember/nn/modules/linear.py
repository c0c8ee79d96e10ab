"""Identity, Linear, Bilinear, LazyLinear. Match torch's layers and default initialisation."""
from __future__ import annotations

import math

from ..._tensor_base import _wrap
from .. import functional as F
from .. import init
from ..parameter import Parameter, _factory_dtype, empty_array
from .module import Module

__all__ = ["Identity", "Linear", "Bilinear", "LazyLinear"]


def _empty(shape, dtype=None):
    return _wrap(empty_array(shape, _factory_dtype(dtype)))


class Identity(Module):
    """Returns its input unchanged (arguments are ignored). Matches `torch.nn.Identity`."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x W^T + b. Matches `torch.nn.Linear` (kaiming_uniform(a=sqrt(5)) weight, U(+-1/sqrt(in)) bias)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None):
        super().__init__()
        dt = _factory_dtype(dtype, device)
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty_array((out_features, in_features), dt))
        if bias:
            self.bias = Parameter(empty_array((out_features,), dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1]
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """y = x1^T A x2 + b. Matches `torch.nn.Bilinear`."""

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__()
        dt = _factory_dtype(dtype, device)
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(empty_array((out_features, in1_features, in2_features), dt))
        if bias:
            self.bias = Parameter(empty_array((out_features,), dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class LazyLinear(Linear):
    """A Linear whose in_features is inferred from the first input. Matches `torch.nn.LazyLinear`."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None):
        Module.__init__(self)
        _factory_dtype(dtype, device)     # a bad device or dtype raises now, as in Linear
        self.in_features = 0
        self.out_features = out_features
        self._dtype = dtype
        self.weight = Parameter(_empty((0,), dtype))
        if bias:
            self.bias = Parameter(_empty((0,), dtype))
        else:
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.in_features:
            super().reset_parameters()

    def forward(self, input):
        if self.in_features == 0:
            self.in_features = input.shape[-1]
            self.weight = Parameter(_empty((self.out_features, self.in_features), self._dtype))
            if self.bias is not None:
                self.bias = Parameter(_empty((self.out_features,), self._dtype))
            Linear.reset_parameters(self)
            del self.__dict__["_dtype"]
            self.__class__ = Linear
        return F.linear(input, self.weight, self.bias)


class NonDynamicallyQuantizableLinear(Linear):
    pass
