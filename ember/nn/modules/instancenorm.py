"""Instance normalisation layers: InstanceNorm1d/2d/3d."""
from __future__ import annotations

from .. import functional as F
from .batchnorm import _NormBase

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(_NormBase):
    _nd = 2

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False,
                 device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias)

    def forward(self, input):
        nd = self._nd
        if input.dim() not in (nd + 1, nd + 2):
            raise ValueError(f"expected {nd + 1}D or {nd + 2}D input (got {input.dim()}D input)")
        fdim = input.dim() - nd - 1
        if input.shape[fdim] != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={fdim} to match num_features ({self.num_features}), "
                                 f"but got: {input.shape[fdim]}.")
            import warnings
            warnings.warn(f"input's size at dim={fdim} does not match num_features. You can silence this warning "
                          "by not passing in num_features, which is not used because affine=False")
        unbatched = input.dim() == nd + 1
        x = input.unsqueeze(0) if unbatched else input
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              self.training or not self.track_running_stats,
                              self.momentum if self.momentum is not None else 0.0, self.eps)
        return out.squeeze(0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Matches `torch.nn.InstanceNorm1d`."""
    _nd = 1


class InstanceNorm2d(_InstanceNorm):
    """Matches `torch.nn.InstanceNorm2d`."""
    _nd = 2


class InstanceNorm3d(_InstanceNorm):
    """Matches `torch.nn.InstanceNorm3d`."""
    _nd = 3
