#!/usr/bin/env python3
"""Reference per-example clipping for Concord's DP-SGD, Opacus-style.

For a multilayer perceptron of dense layers (ReLU between them, none after the
last; PyTorch `Linear` layout: weight [out, in], bias [out]) with softmax
cross-entropy, given its weights and one batch, this script computes

    g_i    = the gradient of example i's own loss (not the batch mean's),
    n_i    = ||g_i|| over all parameters,
    c_i    = min(1, C / n_i),
    sum    = sum_i c_i * g_i,

which is what Concord's `Sequential.clippedGradientSum(inputs:labels:clipNorm:)`
leaves in its gradient buffers (DP-SGD with the noise off; Abadi et al. 2016).

Two back ends compute the same thing in float64:

* torch (when `import torch` works): per-sample gradients with
  `torch.func.vmap(torch.func.grad(loss))`, as Opacus's functorch grad
  sampler does, then Opacus's per-sample clipping factor.  Opacus divides by
  `n_i + 1e-6`; Concord divides by `n_i`; `--opacus-stabiliser` switches to
  Opacus's form (off by default: the comparison is with Concord's rule).
* numpy (always available): the same model's per-example backward pass, one
  example at a time, written out by hand.

`--backend auto` (the default) uses torch when it imports and numpy
otherwise; `--backend both` runs both and fails unless they agree to 1e-9.

Files
-----
* `--weights`: safetensors with `<layer>.weight` and `<layer>.bias` for each
  layer; the layers are taken in the order given by `--layers`.
* `--batch`: safetensors with `inputs` (any shape whose first dimension is
  the batch; flattened per example, row-major, as Concord's `Flatten` does)
  and `labels` (class indices stored as floats).
* `--out`: safetensors written by this script: every parameter's clipped sum
  under its own name, `norms` [batch] and `loss` [] (the batch's mean loss),
  all F64.

Only numpy is needed for the file format (parsed here, not with the
safetensors package).

    python3 Benchmarks/dpsgd_reference.py --weights w.safetensors \\
        --batch b.safetensors --layers fc1,fc2,fc3 --clip 1.0 --out sum.safetensors

Prints one JSON line: {"backend": ..., "batch": ..., "clipped": ..., "max_norm": ...}.
"""

import argparse
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F64": np.float64}


def read_safetensors(path):
    """Tensors of a safetensors file (F32 or F64) as float64 numpy arrays."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise SystemExit(f"{path}: shorter than the 8-byte header length")
    (length,) = struct.unpack("<Q", data[:8])
    if 8 + length > len(data):
        raise SystemExit(f"{path}: header length {length} runs past the end of the file")
    header = json.loads(data[8 : 8 + length].decode("utf-8"))
    body = data[8 + length :]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = DTYPES.get(entry["dtype"])
        if dtype is None:
            raise SystemExit(f"{path}: tensor {name!r} has dtype {entry['dtype']}; only F32 and F64 are read")
        begin, end = entry["data_offsets"]
        array = np.frombuffer(body[begin:end], dtype=np.dtype(dtype).newbyteorder("<"))
        tensors[name] = array.reshape(entry["shape"]).astype(np.float64)
    return tensors


def write_safetensors(path, tensors):
    """Writes float64 arrays as an F64 safetensors file, names in sorted order."""
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name], dtype="<f8")
        raw = array.tobytes()
        header[name] = {"dtype": "F64", "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for raw in chunks:
            f.write(raw)


def clip_factors(norms, clip, stabiliser):
    """Opacus's per-sample clip factor min(1, C / (n + s)); s = 0 is Concord's rule."""
    return np.minimum(1.0, clip / (norms + stabiliser))


def numpy_reference(weights, layers, x, labels, clip, stabiliser):
    """Per-example gradients by hand: forward, softmax cross-entropy of each example, backward."""
    batch = x.shape[0]
    per_example = {f"{name}.{part}": [] for name in layers for part in ("weight", "bias")}
    losses, norms = [], []
    for i in range(batch):
        activations = [x[i]]
        for position, name in enumerate(layers):
            z = weights[f"{name}.weight"] @ activations[-1] + weights[f"{name}.bias"]
            activations.append(np.maximum(z, 0.0) if position < len(layers) - 1 else z)
        logits = activations[-1]
        shifted = logits - logits.max()
        log_probabilities = shifted - np.log(np.exp(shifted).sum())
        label = int(labels[i])
        losses.append(-log_probabilities[label])
        delta = np.exp(log_probabilities)
        delta[label] -= 1.0
        squared = 0.0
        for position in reversed(range(len(layers))):
            name = layers[position]
            a = activations[position]
            weight_gradient = np.outer(delta, a)
            per_example[f"{name}.weight"].append(weight_gradient)
            per_example[f"{name}.bias"].append(delta.copy())
            squared += (weight_gradient**2).sum() + (delta**2).sum()
            if position > 0:
                delta = (weights[f"{name}.weight"].T @ delta) * (a > 0)
        norms.append(np.sqrt(squared))
    norms = np.array(norms)
    factors = clip_factors(norms, clip, stabiliser)
    sums = {key: np.tensordot(factors, np.stack(values), axes=1) for key, values in per_example.items()}
    return sums, norms, float(np.mean(losses))


def torch_reference(weights, layers, x, labels, clip, stabiliser):
    """Per-sample gradients with torch.func.vmap(grad(...)), as Opacus's functorch grad sampler does."""
    import torch
    from torch.func import functional_call, grad, vmap

    torch.set_num_threads(1)

    class MLP(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.names = list(layers)
            for name in layers:
                w = weights[f"{name}.weight"]
                self.add_module(name, torch.nn.Linear(w.shape[1], w.shape[0], dtype=torch.float64))

        def forward(self, inputs):
            for position, name in enumerate(self.names):
                inputs = getattr(self, name)(inputs)
                if position < len(self.names) - 1:
                    inputs = torch.relu(inputs)
            return inputs

    model = MLP()
    parameters = {key: torch.tensor(value, dtype=torch.float64) for key, value in weights.items()}
    parameters = {key: parameters[key] for key, _ in model.named_parameters()}
    inputs = torch.tensor(x, dtype=torch.float64)
    targets = torch.tensor(labels, dtype=torch.int64)

    def example_loss(params, example, target):
        logits = functional_call(model, params, (example.unsqueeze(0),))
        return torch.nn.functional.cross_entropy(logits, target.unsqueeze(0))

    grad_sample = vmap(grad(example_loss), in_dims=(None, 0, 0))(parameters, inputs, targets)
    # Opacus: per_sample_norms over every parameter's flattened per-sample gradient.
    per_parameter = torch.stack([g.reshape(len(inputs), -1).norm(2, dim=-1) for g in grad_sample.values()], dim=1)
    norms = per_parameter.norm(2, dim=1)
    factors = torch.clamp(clip / (norms + stabiliser), max=1.0)
    sums = {key: torch.einsum("i,i...", factors, g).numpy() for key, g in grad_sample.items()}
    with torch.no_grad():
        loss = torch.nn.functional.cross_entropy(functional_call(model, parameters, (inputs,)), targets).item()
    return sums, norms.numpy(), loss


def torch_available():
    try:
        import torch  # noqa: F401

        return True
    except ImportError:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", required=True, help="safetensors with <layer>.weight and <layer>.bias")
    parser.add_argument("--batch", required=True, help="safetensors with inputs and labels")
    parser.add_argument("--layers", required=True, help="comma-separated dense layer names, input to output")
    parser.add_argument("--clip", type=float, required=True, help="the per-example clip norm C")
    parser.add_argument("--out", required=True, help="where to write the clipped sum (F64 safetensors)")
    parser.add_argument("--backend", choices=["auto", "torch", "numpy", "both"], default="auto")
    parser.add_argument(
        "--opacus-stabiliser", action="store_true", help="clip with C/(n + 1e-6) as Opacus does, not C/n")
    args = parser.parse_args()

    if not args.clip > 0:
        raise SystemExit(f"--clip must be positive, got {args.clip}")
    weights = read_safetensors(args.weights)
    layers = [name for name in args.layers.split(",") if name]
    for name in layers:
        for part in ("weight", "bias"):
            if f"{name}.{part}" not in weights:
                raise SystemExit(f"{args.weights}: no tensor {name}.{part}")
    weights = {f"{name}.{part}": weights[f"{name}.{part}"] for name in layers for part in ("weight", "bias")}
    batch = read_safetensors(args.batch)
    for key in ("inputs", "labels"):
        if key not in batch:
            raise SystemExit(f"{args.batch}: no tensor {key}")
    x = batch["inputs"].reshape(batch["inputs"].shape[0], -1)
    labels = batch["labels"].reshape(-1)
    if len(labels) != x.shape[0]:
        raise SystemExit(f"{args.batch}: {x.shape[0]} inputs but {len(labels)} labels")
    stabiliser = 1e-6 if args.opacus_stabiliser else 0.0

    backend = args.backend
    if backend == "auto":
        backend = "torch" if torch_available() else "numpy"
    if backend in ("torch", "both") and not torch_available():
        raise SystemExit("--backend torch: torch does not import")
    if backend == "both":
        sums, norms, loss = torch_reference(weights, layers, x, labels, args.clip, stabiliser)
        check, check_norms, _ = numpy_reference(weights, layers, x, labels, args.clip, stabiliser)
        for key in sums:
            scale = max(np.abs(check[key]).max(), 1e-300)
            if np.abs(sums[key] - check[key]).max() > 1e-9 * scale:
                raise SystemExit(f"torch and numpy disagree on {key}")
        if np.abs(norms - check_norms).max() > 1e-9 * norms.max():
            raise SystemExit("torch and numpy disagree on the norms")
    elif backend == "torch":
        sums, norms, loss = torch_reference(weights, layers, x, labels, args.clip, stabiliser)
    else:
        sums, norms, loss = numpy_reference(weights, layers, x, labels, args.clip, stabiliser)

    out = dict(sums)
    out["norms"] = np.asarray(norms)
    out["loss"] = np.asarray(loss)
    write_safetensors(args.out, out)
    print(
        json.dumps(
            {
                "backend": backend,
                "batch": int(x.shape[0]),
                "clipped": int((np.asarray(norms) > args.clip).sum()),
                "max_norm": float(np.max(norms)) if len(norms) else 0.0,
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
