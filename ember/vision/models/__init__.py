"""`ember.vision.models`: torchvision's classic architectures (ResNet, VGG, AlexNet), built from ember.nn.

Same module names and state_dict keys as torchvision, so `torchvision.models.resnet18(num_classes=10)`
code runs unchanged. ember cannot download anything: `weights=` / `pretrained=True` raise; load weights
you have yourself with `model.load_state_dict(...)`.
"""
from .resnet import *  # noqa: F401,F403
from .vgg import *  # noqa: F401,F403
from .alexnet import *  # noqa: F401,F403
from .mobilenetv2 import MobileNetV2, mobilenet_v2  # noqa: F401
from . import resnet, vgg, alexnet, mobilenetv2  # noqa: F401
from ._utils import get_model, list_models  # noqa: F401
from ._weights import *  # noqa: F401,F403
from ._weights import WeightsEnum  # noqa: F401
