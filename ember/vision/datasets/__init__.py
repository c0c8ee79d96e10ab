"""torchvision-style datasets: MNIST family, CIFAR, folders of images, fake data."""
from . import utils  # noqa: F401
from .cifar import CIFAR10, CIFAR100  # noqa: F401
from .fakedata import FakeData  # noqa: F401
from .folder import DatasetFolder, ImageFolder  # noqa: F401
from .mnist import EMNIST, KMNIST, MNIST, FashionMNIST  # noqa: F401
from .vision import VisionDataset  # noqa: F401

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "EMNIST", "CIFAR10", "CIFAR100", "DatasetFolder", "ImageFolder",
           "FakeData", "VisionDataset"]
