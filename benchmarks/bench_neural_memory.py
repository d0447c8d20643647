"""Training memory and step time: full fine-tuning, linear probe, Ladder Side-Tuning.

For a small transformer encoder and an MLP at several widths, one training
step (forward, backward, optimizer step) at equal batch size is measured for

* full fine-tuning (``FineTuningClassifier``: every backbone weight trains),
* the linear probe (``FineTuningClassifier(linear_probe=True)``: head only),
* Ladder Side-Tuning (``LadderSideTuningClassifier``, reduction r = 8: the
  backbone runs without autograd, a side network of width d/r trains).

Memory, exact and device-independent:

* ``act. MB``: the activations autograd saves for backward
  (``saved_activation_bytes``: saved-tensor hooks, each storage once, the
  network's weights left out since they cost nothing beyond the model);
* ``train MB``: what training adds to the model: those activations plus a
  gradient and Adam's two moments for every trainable weight;

and, when a CUDA device is present, ``peak MB``: the peak memory allocated
during a step (``torch.cuda.max_memory_allocated``, the model included).
Step time is the median over repeated steps; ratios are against full
fine-tuning measured in the same run. Sung, Cho & Bansal (NeurIPS 2022)
report LST saving ~69% of full fine-tuning's training memory on T5-base.

Run: ``python benchmarks/bench_neural_memory.py`` (``make bench`` runs it).
"""

import argparse
import statistics
import time

import numpy as np
import torch
from _common import load_string, machine_string

from sktransfer.neural import (
    MLP,
    FineTuningClassifier,
    LadderSideTuningClassifier,
    TransformerBackbone,
    count_trainable_parameters,
)

N_CLASSES = 10


def _cases(quick):
    widths = (256, 1024) if quick else (256, 1024, 2048)
    for width in widths:
        yield (f"MLP 3×{width}", MLP(128, (width,) * 3), (128,))
    for width in ((128,) if quick else (128, 256)):
        yield (f"Transformer 4×{width}, seq 32",
               TransformerBackbone(32, width, n_layers=4, n_heads=4), (32, 32))


def _methods():
    common = {"max_epochs": 1, "random_state": 0, "lr": 1e-3}
    return {
        "full fine-tuning": lambda m: FineTuningClassifier(m, **common),
        "linear probe": lambda m: FineTuningClassifier(m, linear_probe=True, **common),
        "LST (r=8)": lambda m: LadderSideTuningClassifier(m, reduction=8, **common),
    }


def _measure(estimator, X, y, batch_size, repeats, device):
    """Memory and median step time of one training step (forward, backward,
    Adam step) of the estimator's network at ``batch_size``."""
    estimator.set_params(batch_size=batch_size, device=device)
    estimator.fit(X[: 2 * batch_size], y[: 2 * batch_size])
    network = estimator.network_
    trainable = [p for p in network.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(trainable, lr=1e-3)
    xb = torch.as_tensor(X[:batch_size], device=device)
    yb = torch.as_tensor(np.searchsorted(estimator.classes_, y[:batch_size]),
                         device=device)

    def step():
        optimizer.zero_grad(set_to_none=True)
        outputs, _ = network(xb)
        torch.nn.functional.cross_entropy(outputs, yb).backward()
        optimizer.step()

    activations = estimator.saved_activation_bytes(X[:batch_size])
    n_trainable = count_trainable_parameters(network)
    network.train()
    for _ in range(3):
        step()
    peak = None
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        step()
        torch.cuda.synchronize()
        peak = torch.cuda.max_memory_allocated()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        if device == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return {
        "activations": activations,
        # what training adds to the model: saved activations, one gradient
        # and Adam's two moments per trainable float32 weight
        "state": activations + 3 * 4 * n_trainable,
        "peak": peak,
        "time": statistics.median(times),
        "trainable": n_trainable,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--quick", action="store_true",
                        help="fewer widths (a smoke run)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (default 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    print(f"machine: {machine_string()}; device {device}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); batch "
          f"{args.batch_size}; step time = median of {args.repeats} steps")
    print(f"load average at start: {load_string()}")
    rng = np.random.default_rng(0)
    header = (f"{'backbone':<28} {'method':<17} {'trainable':>10} {'act. MB':>8} "
              f"{'×FT':>6} {'train MB':>9} {'×FT':>6} {'step ms':>8} {'×FT':>6}")
    if device == "cuda":
        header += f" {'peak MB':>8} {'×FT':>6}"
    print(header)
    print("-" * len(header))
    ratios = []
    for name, backbone, shape in _cases(args.quick):
        n = 2 * args.batch_size
        X = rng.standard_normal((n, *shape)).astype(np.float32)
        y = np.arange(n) % N_CLASSES
        results = {}
        for method, make in _methods().items():
            results[method] = _measure(make(backbone), X, y, args.batch_size,
                                       args.repeats, device)
        full = results["full fine-tuning"]
        for method, r in results.items():
            line = (f"{name:<28} {method:<17} {r['trainable']:>10,d} "
                    f"{r['activations'] / 2**20:>8.2f} "
                    f"{r['activations'] / full['activations']:>6.2f} "
                    f"{r['state'] / 2**20:>9.2f} {r['state'] / full['state']:>6.2f} "
                    f"{1e3 * r['time']:>8.2f} {r['time'] / full['time']:>6.2f}")
            if device == "cuda":
                line += (f" {r['peak'] / 2**20:>8.1f} "
                         f"{r['peak'] / full['peak']:>6.2f}")
            print(line)
        lst = results["LST (r=8)"]
        ratios.append((name, lst["activations"] / full["activations"],
                       lst["state"] / full["state"]))
    print(f"\nload average at end: {load_string()}")
    for column, label in ((1, "saved activations"),
                          (2, "training memory (activations + grads + Adam)")):
        for name, *values in ratios:
            verdict = "PASS" if values[column - 1] < 0.5 else "FAIL"
            print(f"LST / full fine-tuning, {label}, {name}: "
                  f"{values[column - 1]:.2f} (target < 0.5: {verdict})")


if __name__ == "__main__":
    main()
