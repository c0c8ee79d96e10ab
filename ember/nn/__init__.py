"""ember.nn: Module, Parameter, layers, losses, functional, init."""
from .parameter import Buffer, Parameter  # noqa: F401
from .modules import *  # noqa: F401,F403
from . import functional, init, utils  # noqa: F401,E402
from .parallel import DataParallel  # noqa: F401,E402 (binds ember.nn.parallel too, as torch.nn has both)
