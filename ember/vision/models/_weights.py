"""torchvision's `*_Weights` enums, so `from torchvision.models import resnet18, ResNet18_Weights` and
`weights=ResNet18_Weights.DEFAULT if pretrained else None` work. ember ships and downloads no weights:
passing any of these to a builder raises a RuntimeError saying so."""
from __future__ import annotations

from enum import Enum

__all__ = ["WeightsEnum", "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights", "ResNet101_Weights",
           "ResNet152_Weights", "ResNeXt50_32X4D_Weights", "ResNeXt101_32X8D_Weights", "Wide_ResNet50_2_Weights",
           "Wide_ResNet101_2_Weights", "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights", "VGG13_BN_Weights",
           "VGG16_Weights", "VGG16_BN_Weights", "VGG19_Weights", "VGG19_BN_Weights", "AlexNet_Weights",
           "MobileNet_V2_Weights"]


class WeightsEnum(Enum):
    """A named set of pretrained weights (not available in ember)."""

    def get_state_dict(self, *args, **kwargs):
        raise RuntimeError(f"{self}: pretrained weights are not available in ember (it downloads nothing)")

    def transforms(self, *args, **kwargs):
        """The ImageNet evaluation preprocessing these weights expect (resize 256, crop 224, normalise)."""
        from .. import transforms as T
        return T.Compose([T.Resize(256), T.CenterCrop(224), T.ConvertImageDtype(_float32()),
                          T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])

    @property
    def url(self):
        return self.value

    def __str__(self):
        return f"{type(self).__name__}.{self.name}"


def _float32():
    from ..._dtype import float32
    return float32


def _enum(name, members):
    values = dict(members)
    values["DEFAULT"] = values[members[-1][0]]   # an alias of the newest entry, as in torchvision
    return WeightsEnum(name, values, module=__name__)


_V1 = [("IMAGENET1K_V1", "imagenet1k_v1")]
_V2 = _V1 + [("IMAGENET1K_V2", "imagenet1k_v2")]

ResNet18_Weights = _enum("ResNet18_Weights", _V1)
ResNet34_Weights = _enum("ResNet34_Weights", _V1)
ResNet50_Weights = _enum("ResNet50_Weights", _V2)
ResNet101_Weights = _enum("ResNet101_Weights", _V2)
ResNet152_Weights = _enum("ResNet152_Weights", _V2)
ResNeXt50_32X4D_Weights = _enum("ResNeXt50_32X4D_Weights", _V2)
ResNeXt101_32X8D_Weights = _enum("ResNeXt101_32X8D_Weights", _V2)
Wide_ResNet50_2_Weights = _enum("Wide_ResNet50_2_Weights", _V2)
Wide_ResNet101_2_Weights = _enum("Wide_ResNet101_2_Weights", _V2)
VGG11_Weights = _enum("VGG11_Weights", _V1)
VGG11_BN_Weights = _enum("VGG11_BN_Weights", _V1)
VGG13_Weights = _enum("VGG13_Weights", _V1)
VGG13_BN_Weights = _enum("VGG13_BN_Weights", _V1)
VGG16_Weights = _enum("VGG16_Weights", _V1)
VGG16_BN_Weights = _enum("VGG16_BN_Weights", _V1)
VGG19_Weights = _enum("VGG19_Weights", _V1)
VGG19_BN_Weights = _enum("VGG19_BN_Weights", _V1)
AlexNet_Weights = _enum("AlexNet_Weights", _V1)
MobileNet_V2_Weights = _enum("MobileNet_V2_Weights", _V2)
