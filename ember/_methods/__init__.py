"""Tensor methods grouped by family. Each method is a short call into a `_tensor` hook."""
