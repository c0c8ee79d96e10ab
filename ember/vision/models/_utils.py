"""Helpers shared by the model builders."""
from __future__ import annotations

_BUILDERS: dict = {}


def register(fn):
    _BUILDERS[fn.__name__] = fn
    return fn


def no_weights(name: str, weights, kwargs: dict) -> None:
    """ember has no pretrained weights (no downloads): only weights=None / pretrained=False are accepted."""
    pretrained = kwargs.pop("pretrained", False)
    kwargs.pop("progress", None)
    if weights is not None or pretrained:
        raise RuntimeError(f"{name}: pretrained weights ({weights if weights is not None else 'pretrained=True'}) "
                           f"are not available in ember (it downloads nothing); "
                           f"build the model with weights=None and load a state_dict you have with "
                           f"model.load_state_dict(...)")


def get_model(name: str, **config):
    """Build a model by its builder name, e.g. get_model('resnet18', num_classes=10)."""
    try:
        fn = _BUILDERS[name.lower()]
    except KeyError:
        raise ValueError(f"Unknown model {name}") from None
    return fn(**config)


def list_models(module=None, include=None, exclude=None) -> list:
    import fnmatch
    names = sorted(n for n, fn in _BUILDERS.items() if module is None or fn.__module__ == module.__name__)
    if include:
        pats = [include] if isinstance(include, str) else include
        names = [n for n in names if any(fnmatch.fnmatch(n, p) for p in pats)]
    if exclude:
        pats = [exclude] if isinstance(exclude, str) else exclude
        names = [n for n in names if not any(fnmatch.fnmatch(n, p) for p in pats)]
    return names
