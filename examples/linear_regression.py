"""Fit y = 2x + 1 with PyTorch and watch it in TensorBoard: loss, weight histograms and text notes.

Run with ``make demo`` or ``python examples/linear_regression.py --logdir runs/demo``, then
``tensorboard --logdir runs/demo``.
"""

from __future__ import annotations

import argparse
import time

import torch

from lightboard import SummaryWriter


def main() -> None:
    """Train a one-neuron linear model for a few hundred steps, logging as tensorboardX users do."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logdir", default="runs/demo", help="run directory (default: %(default)s)")
    parser.add_argument("--steps", type=int, default=500, help="training steps (default: %(default)s)")
    args = parser.parse_args()

    torch.manual_seed(0)
    x = torch.rand(256, 1) * 10
    y = 2 * x + 1 + torch.randn_like(x) * 0.5
    model = torch.nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

    started = time.perf_counter()
    with SummaryWriter(args.logdir) as writer:
        writer.add_text("notes", "Linear regression **y = 2x + 1**, SGD with `lr=0.01`.", 0)
        for step in range(args.steps):
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            optimizer.step()
            writer.add_scalar("loss/train", loss, step)
            writer.add_scalars("params", {"weight": model.weight.item(), "bias": model.bias.item()}, step)
            if step % 50 == 0:
                for name, parameter in model.named_parameters():
                    writer.add_histogram(f"weights/{name}", parameter, step)
                    writer.add_histogram(f"grads/{name}", parameter.grad, step)
        weight, bias = model.weight.item(), model.bias.item()
        writer.add_text("notes", f"Final model: **y = {weight:.3f}x + {bias:.3f}**", args.steps)
    elapsed = time.perf_counter() - started
    print(f"trained {args.steps} steps in {elapsed:.2f} s: y = {weight:.3f}x + {bias:.3f}, loss {loss.item():.4f}")
    print(f"logged to {args.logdir}")


if __name__ == "__main__":
    main()
