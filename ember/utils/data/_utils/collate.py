"""default_collate / default_convert: turn a list of samples into one batch (or samples into Tensors)."""
from __future__ import annotations

import collections.abc
import copy
import dataclasses

import numpy as np

from ember._creation import tensor
from ember._ops.join import stack
from ember._tensor import Tensor

from ember._tensor_base import _wrap
from ember._dtype import from_numpy_dtype

from ..dataset import _StackedBatch
from . import shm

__all__ = ["default_collate", "default_convert", "collate", "default_collate_fn_map"]

_ERR_TYPES = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}")
_BAD_NP_KINDS = frozenset("OSUV")  # object, bytes, str, void: no Tensor dtype for these


# Samples whose shapes differ raise a plain RuntimeError (torch's type) carrying `_ember_collate` = (batch
# position, the two shapes, the field path); each container level on the way up adds its key to the message.
def _stack_error(first, other, entry):
    e = RuntimeError(f"default_collate: stack expects each tensor to be equal size, but got {first} at "
                     f"entry 0 and {other} at entry {entry}")
    e._ember_collate = (entry, first, other, [])
    return e


def _push(e, key):
    info = getattr(e, "_ember_collate", None)
    if info is None:
        return
    entry, first, other, path = info
    path.insert(0, key)
    where = "".join(f"[{k!r}]" for k in path)
    e.args = (f"default_collate: stack expects each tensor to be equal size, but got {first} at entry 0 and "
              f"{other} at entry {entry} (field sample{where} of the batch)",)


def _shape_error(arrays):
    s0 = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.shape != s0:
            return _stack_error(list(s0), list(a.shape), i)
    return None


def _stack(arrays):
    # One np.stack per batch field, then one Tensor: never a Tensor per sample.
    # in a DataLoader worker, large batch fields are stacked straight into /dev/shm (see _utils/shm.py)
    if shm.enabled() and arrays[0].nbytes * len(arrays) >= shm.MIN_BYTES:
        out = _stack_shm(arrays)
        if out is not None:
            return out
    try:
        out = np.stack(arrays)
    except ValueError:
        err = _shape_error(arrays)
        if err is not None:
            raise err from None
        raise
    from_numpy_dtype(out.dtype)  # TypeError for dtypes Tensors cannot hold
    return _wrap(out)


def _stack_shm(arrays):
    a0 = arrays[0]
    dtype = np.result_type(*arrays)
    if dtype.kind in _BAD_NP_KINDS:
        return None
    try:
        from_numpy_dtype(dtype)
    except TypeError:
        return None
    out = shm.empty((len(arrays),) + a0.shape, dtype)
    if out is None:
        return None
    try:
        np.stack(arrays, out=out)
    except Exception:  # shapes differ, ...: release and let the ordinary path raise its clear error
        shm.release(out)
        return None
    return _wrap(out)


def _collate_tensor(batch):
    if any(t._rg for t in batch):  # keep autograd: stack through the differentiable op
        arrays = [t._data for t in batch]
        err = _shape_error(arrays)
        if err is not None:
            raise err
        return stack(batch)
    return _stack([t._data for t in batch])


def _collate_ndarray(batch):
    elem = batch[0]
    if elem.dtype.kind in _BAD_NP_KINDS:
        raise TypeError(_ERR_TYPES.format(elem.dtype))
    return _stack(batch)


def _collate_np_scalar(batch):
    a = np.array(batch)
    from_numpy_dtype(a.dtype)
    return _wrap(a)


def _collate_int(batch):
    a = np.array(batch)
    if a.dtype.kind not in "ib":  # mixed ints/floats, huge ints: infer like torch.tensor
        return tensor(batch)
    if a.dtype.kind == "i" and a.dtype != np.int64:
        a = a.astype(np.int64)
    return _wrap(a)


def _collate_float(batch):
    return _wrap(np.array(batch, dtype=np.float64))


def _identity(batch):
    return batch


_EXACT = {Tensor: _collate_tensor, np.ndarray: _collate_ndarray, float: _collate_float, int: _collate_int,
          bool: _collate_int, str: _identity, bytes: _identity}


def default_collate(batch):
    """Stack a list of samples into a batch: Tensors/arrays -> one Tensor with a new leading dim, Python ints
    -> int64, floats -> float64, strings/bytes kept as a list, and dicts/tuples/lists/namedtuples/dataclasses
    collated field by field. Matches `torch.utils.data.default_collate` (plus dataclasses).

    Samples of different shapes raise a RuntimeError naming both shapes, the batch position and the field.
    """
    if type(batch) is _StackedBatch and batch.columns is not None:  # a TensorDataset batch, gathered
        return [_wrap(c) for c in batch.columns]
    elem = batch[0]
    fn = _EXACT.get(type(elem))
    if fn is not None:
        return fn(batch)
    if isinstance(elem, Tensor):
        return _collate_tensor(batch)
    if isinstance(elem, np.ndarray):
        return _collate_ndarray(batch)
    if isinstance(elem, np.generic):
        if elem.dtype.kind in _BAD_NP_KINDS:
            raise TypeError(_ERR_TYPES.format(elem.dtype))
        return _collate_np_scalar(batch)
    if isinstance(elem, float):
        return _collate_float(batch)
    if isinstance(elem, int):
        return _collate_int(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    return _collate_nested(batch, elem, default_collate)


def _collate_nested(batch, elem, recurse):
    # containers: collate field by field with `recurse`
    if isinstance(elem, collections.abc.Mapping):
        out = {}
        for key in elem:
            try:
                out[key] = recurse([d[key] for d in batch])
            except RuntimeError as e:
                _push(e, key)
                raise
        return _rebuild_mapping(elem, out)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*_collate_columns(batch, elem, recurse))
    if dataclasses.is_dataclass(elem) and not isinstance(elem, type):
        names = [f.name for f in dataclasses.fields(elem) if f.init]
        values = {}
        for name in names:
            try:
                values[name] = recurse([getattr(d, name) for d in batch])
            except RuntimeError as e:
                _push(e, name)
                raise
        return type(elem)(**values)
    if isinstance(elem, collections.abc.Sequence):
        columns = _collate_columns(batch, elem, recurse)
        if isinstance(elem, tuple):
            return columns  # a list, as torch returns for tuples
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, c in enumerate(columns):
                    clone[i] = c
                return clone
            return type(elem)(columns)
        except TypeError:
            return columns
    raise TypeError(_ERR_TYPES.format(type(elem)))


def _collate_columns(batch, elem, recurse):
    size = len(elem)
    for i, d in enumerate(batch):
        if len(d) != size:
            raise RuntimeError(f"each element in list of batch should be of equal size (entry 0 has {size} "
                               f"elements, entry {i} has {len(d)})")
    out = []
    for j, column in enumerate(zip(*batch)):
        try:
            out.append(recurse(column))  # a tuple, as torch passes it (str columns stay tuples)
        except RuntimeError as e:
            _push(e, j)
            raise
    return out


# torch's extensible form: `collate(batch, collate_fn_map={type: fn})`, where each fn takes
# `(batch, *, collate_fn_map=None)`; the map is searched by exact type, then by isinstance in order.
def _leaf(fn, name):
    def leaf(batch, *, collate_fn_map=None):
        return fn(batch)
    leaf.__name__ = leaf.__qualname__ = name
    return leaf


collate_tensor_fn = _leaf(_collate_tensor, "collate_tensor_fn")
collate_numpy_array_fn = _leaf(_collate_ndarray, "collate_numpy_array_fn")
collate_numpy_scalar_fn = _leaf(_collate_np_scalar, "collate_numpy_scalar_fn")
collate_float_fn = _leaf(_collate_float, "collate_float_fn")
collate_int_fn = _leaf(_collate_int, "collate_int_fn")
collate_str_fn = _leaf(_identity, "collate_str_fn")

default_collate_fn_map = {Tensor: collate_tensor_fn, np.ndarray: collate_numpy_array_fn,
                          (np.bool_, np.number): collate_numpy_scalar_fn, float: collate_float_fn,
                          int: collate_int_fn, str: collate_str_fn, bytes: collate_str_fn}


def collate(batch, *, collate_fn_map: dict | None = None):
    """The general form of default_collate, with a `{type: fn}` table for the leaves.

    Matches `torch.utils.data._utils.collate.collate`: extend `default_collate_fn_map` for custom types.
    """
    elem = batch[0]
    if collate_fn_map is not None:
        fn = collate_fn_map.get(type(elem))
        if fn is not None:
            return fn(batch, collate_fn_map=collate_fn_map)
        for types, fn in collate_fn_map.items():
            if isinstance(elem, types):
                return fn(batch, collate_fn_map=collate_fn_map)
    return _collate_nested(batch, elem, lambda b: collate(b, collate_fn_map=collate_fn_map))


def _rebuild_mapping(elem, out: dict):
    if type(elem) is dict:
        return out
    try:
        if isinstance(elem, collections.abc.MutableMapping):
            clone = copy.copy(elem)
            clone.update(out)
            return clone
        return type(elem)(out)
    except TypeError:
        return out


def default_convert(data):
    """Turn NumPy arrays and scalars inside `data` (recursively) into Tensors, leaving the rest alone.

    Matches `torch.utils.data.default_convert`: the collate_fn used when automatic batching is off.
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)):
        if data.dtype.kind in _BAD_NP_KINDS:
            return data
        a = np.asarray(data)
        from_numpy_dtype(a.dtype)
        return _wrap(a)
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {k: default_convert(v) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence):
        items = [default_convert(d) for d in data]
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(items):
                    clone[i] = d
                return clone
            return type(data)(items)
        except TypeError:
            return items
    return data
