"""Anomaly detection switches (`detect_anomaly`, `set_detect_anomaly`)."""
from __future__ import annotations


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
