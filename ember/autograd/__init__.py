"""Automatic differentiation: backward, grad, custom Functions, grad modes, gradcheck."""
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,  # noqa: F401
                        no_grad, set_grad_enabled)
from .engine import backward, grad  # noqa: F401
from .function import Function, FunctionCtx, once_differentiable  # noqa: F401
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: F401


class _AnomalyMode:
    enabled = False


def set_detect_anomaly(mode: bool, check_nan: bool = True):
    _AnomalyMode.enabled = bool(mode)


def is_anomaly_enabled() -> bool:
    return _AnomalyMode.enabled


class detect_anomaly:
    def __init__(self, check_nan=True):
        self.prev = _AnomalyMode.enabled

    def __enter__(self):
        _AnomalyMode.enabled = True

    def __exit__(self, *exc):
        _AnomalyMode.enabled = self.prev
        return False


def Variable(data, requires_grad=False, volatile=False):
    """Pre-0.4 PyTorch's wrapper, kept for old scripts: returns the tensor itself (requires_grad set)."""
    if requires_grad:
        data.requires_grad_(True)
    return data


from . import functional  # noqa: E402,F401
