"""Fetchers: turn one entry of the index sampler into one (collated) batch."""
from __future__ import annotations


def _note(e: BaseException, text: str) -> None:
    add = getattr(e, "add_note", None)  # Python >= 3.11; notes show in tracebacks and worker messages
    if add is not None:
        try:
            add(text)
        except Exception:  # pragma: no cover - exotic exception types
            pass


class _MapDatasetFetcher:
    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        getitems = getattr(dataset, "__getitems__", None)
        self._getitems = getitems if callable(getitems) else None

    def fetch(self, index):
        if not self.auto_collation:
            try:
                data = self.dataset[index]
            except Exception as e:
                _note(e, f"(raised while loading dataset index {index!r})")
                raise
            return self.collate_fn(data)
        if self._getitems is not None:
            try:
                data = self._getitems(index)
            except Exception as e:
                name = type(self.dataset).__name__
                _note(e, f"(raised by {name}.__getitems__ for dataset indices {index})")
                raise
        else:
            # an explicit loop, not a comprehension, so the failing index is at hand in the except clause
            dataset = self.dataset
            data = []
            append = data.append
            idx = None
            try:
                for idx in index:
                    append(dataset[idx])
            except Exception as e:
                _note(e, f"(raised while loading dataset index {idx!r}, batch position {len(data)} of the "
                         f"batch with dataset indices {index})")
                raise
        return _collate(self.collate_fn, data, index)


def _collate(collate_fn, data, index):
    try:
        return collate_fn(data)
    except Exception as e:
        entry = getattr(e, "entry", None)
        if (isinstance(entry, int) and index is not None and 0 <= entry < len(index)
                and index[entry] is not None):
            _note(e, f"(batch entry {entry} is dataset index {index[entry]!r}; entry 0 is dataset index "
                     f"{index[0]!r})")
        else:
            _note(e, f"(raised while collating the samples at dataset indices {index})")
        raise


class _IterableDatasetFetcher:
    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        data = []
        it = self.dataset_iter
        for _ in index:
            try:
                data.append(next(it))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        try:
            return self.collate_fn(data)
        except Exception as e:
            _note(e, "(raised while collating a batch from an IterableDataset)")
            raise


def _create_fetcher(is_iterable: bool, dataset, auto_collation, collate_fn, drop_last):
    cls = _IterableDatasetFetcher if is_iterable else _MapDatasetFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)
