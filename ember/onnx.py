"""`torch.onnx`: the namespace programs import; ONNX export itself is not available in ember.

Programs import `torch.onnx` at the top and export behind a flag; model code asks
`torch.onnx.is_in_onnx_export()`. Both work; `export` raises NotImplementedError saying what to do instead.
"""
from __future__ import annotations

__all__ = ["export", "is_in_onnx_export", "OnnxExporterError"]


class OnnxExporterError(RuntimeError):
    """Raised by an ONNX export that fails. Matches `torch.onnx.OnnxExporterError`."""


def is_in_onnx_export() -> bool:
    """Always False: ember never traces a model for ONNX. Matches `torch.onnx.is_in_onnx_export`."""
    return False


def export(model, args=(), f=None, *, kwargs=None, **options):
    """Not available: ember has no ONNX exporter (torch's signature is accepted, then this raises)."""
    raise NotImplementedError(
        "torch.onnx.export: ONNX export is not available in ember (it runs models eagerly on NumPy and has "
        "no graph exporter). Save the weights instead, `torch.save(model.state_dict(), 'weights.pt')`: "
        "PyTorch loads that file into the same model class, and torch.onnx.export runs there.")
