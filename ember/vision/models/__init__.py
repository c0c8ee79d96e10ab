"""`ember.vision.models`: torchvision's classic architectures (ResNet, VGG, AlexNet), built from ember.nn.

Same module names and state_dict keys as torchvision, so `torchvision.models.resnet18(num_classes=10)`
code runs unchanged. ember cannot download anything: `weights=` / `pretrained=True` raise; load weights
you have yourself with `model.load_state_dict(...)`.
"""
from .resnet import *  # noqa: F401,F403
from .vgg import *  # noqa: F401,F403
from .alexnet import *  # noqa: F401,F403
from . import resnet, vgg, alexnet  # noqa: F401
from ._utils import get_model, list_models  # noqa: F401
