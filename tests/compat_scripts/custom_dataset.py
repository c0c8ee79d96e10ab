# A custom Dataset with torchvision transforms, a shuffling multi-worker DataLoader and a training loop.
# Shuffling draws from the framework's own RNG, so only the deterministic parts are printed; the
# script itself checks that the loss goes down.

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, random_split
from torchvision import transforms


class SyntheticImages(Dataset):
    """HWC uint8 images in memory (like a folder of PNGs), label = brightest channel."""

    def __init__(self, n, transform=None, target_transform=None):
        rng = np.random.default_rng(0)
        self.images = rng.integers(0, 256, size=(n, 16, 16, 3), dtype=np.uint8)
        boost = rng.integers(0, 3, size=n)
        self.images[np.arange(n), :, :, boost] //= 4
        self.images[np.arange(n), :, :, boost] += 190
        self.labels = boost
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        image = self.images[idx]
        label = int(self.labels[idx])
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


transform = transforms.Compose([
    transforms.ToTensor(),
    transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
])
dataset = SyntheticImages(240, transform=transform)
img, label = dataset[0]
raw = dataset.images[0].astype(np.float32) / 255.0
expected = ((raw - 0.5) / 0.5).transpose(2, 0, 1)
assert img.shape == (3, 16, 16) and img.dtype == torch.float32, (img.shape, img.dtype)
assert np.allclose(img.numpy(), expected, atol=1e-6)
print("sample", tuple(img.shape), label, round(float(img.sum()), 3), round(float(expected.sum()), 3))

train_set, val_set = random_split(dataset, [200, 40], generator=torch.Generator().manual_seed(42))
print("split", len(train_set), len(val_set))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        x = F.relu(self.conv(x))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


if __name__ == "__main__":
    torch.manual_seed(0)
    train_loader = DataLoader(train_set, batch_size=20, shuffle=True, num_workers=2,
                              persistent_workers=False, pin_memory=torch.cuda.is_available())
    val_loader = DataLoader(val_set, batch_size=40, shuffle=False, num_workers=0)
    net = Net()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    criterion = nn.CrossEntropyLoss()
    epoch_losses = []
    seen = []
    for epoch in range(4):
        running = 0.0
        for i, (inputs, labels) in enumerate(train_loader):
            if epoch == 0:
                seen.extend(labels.tolist())
                assert inputs.shape == (20, 3, 16, 16) and labels.dtype == torch.int64
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running += loss.item() * inputs.size(0)
        epoch_losses.append(running / len(train_set))
    assert sorted(seen) == sorted(int(dataset.labels[i]) for i in train_set.indices)
    print("# epoch losses", epoch_losses)
    assert epoch_losses[-1] < 0.7 * epoch_losses[0], epoch_losses
    correct = 0
    net.eval()
    with torch.no_grad():
        for inputs, labels in val_loader:
            correct += (net(inputs).argmax(dim=1) == labels).sum().item()
    print("# val accuracy", correct / len(val_set))
    assert correct / len(val_set) > 0.6
    print("ok")
