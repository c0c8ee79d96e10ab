"""`ember.distributions`: the probability distributions everyday scripts use (policy gradients, VAEs,
Gaussian likelihoods), with torch.distributions' API: `sample` / `rsample` (reparameterised, so
gradients flow), `log_prob`, `entropy`, `mean` / `variance` / `stddev`, `kl_divergence`.

Samples come from ember's random streams, so they differ from torch's for the same seed; every
deterministic quantity (log_prob, entropy, kl, cdf, ...) matches torch.
"""
from .distribution import Distribution  # noqa: F401
from .normal import Normal  # noqa: F401
from .uniform import Uniform  # noqa: F401
from .categorical import Categorical, OneHotCategorical  # noqa: F401
from .bernoulli import Bernoulli  # noqa: F401
from .independent import Independent  # noqa: F401
from .multivariate_normal import MultivariateNormal  # noqa: F401
from .kl import kl_divergence, register_kl  # noqa: F401
from . import constraints  # noqa: F401

__all__ = ["Distribution", "Normal", "Uniform", "Categorical", "OneHotCategorical", "Bernoulli", "Independent",
           "MultivariateNormal", "kl_divergence", "register_kl", "constraints"]
