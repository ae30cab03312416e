#!/usr/bin/env python3
"""The logits of a model described as Concord describes one (ModelDescription: a JSON or YAML list of layers),
computed outside Concord from the same safetensors weights, to check Concord's forward pass against.

    python3 Benchmarks/model_logits_reference.py --description model.json --weights weights.safetensors \
        --inputs inputs.safetensors --out logits.safetensors [--backend auto|numpy|torch|both]

--description: {"layers": [{"type": "dense", "units": 32}, {"type": "relu"}, ...]} (the JSON Concord encodes;
    every layer's sizes written out). --weights: the model's state dictionary as Concord saves it (names "0.weight",
    "0.bias", ... by position, as PyTorch's nn.Sequential names them). --inputs: one tensor "inputs", [N, features]
    or NHWC images [N, H, W, C]. --out: writes the tensor "logits" [N, outputs] (float32).

Layouts. Dense weights are [out, in] as PyTorch's nn.Linear. Convolution weights are [out, kh, kw, in] over NHWC
images (PyTorch's nn.Conv2d: [out, in, kh, kw] over NCHW), and flatten reads an NHWC activation row by row; the
PyTorch model below is built by hand with those permutations, so both backends compute the model Concord trains.
Padding "same" is TensorFlow's: ceil(size / stride) outputs, the odd pixel of padding at the bottom and right.
Dropout is the identity (evaluation).

The numpy backend (float64) needs only numpy and safetensors (scripts/bootstrap.sh --python); torch is used when it
imports (--backend auto), and --backend both checks the two agree to 1e-6.
"""
import argparse
import json
import sys

import numpy as np
from safetensors.numpy import load_file, save_file


def same_padding(size, kernel, stride):
    out = (size + stride - 1) // stride
    total = max(0, (out - 1) * stride + kernel - size)
    return out, total // 2, total - total // 2


def numpy_logits(layers, weights, x):
    x = x.astype(np.float64)
    for index, layer in enumerate(layers):
        kind = layer["type"]
        if kind == "dense":
            w, b = weights[f"{index}.weight"].astype(np.float64), weights[f"{index}.bias"].astype(np.float64)
            x = x @ w.T + b
        elif kind == "relu":
            x = np.maximum(x, 0)
        elif kind == "dropout":
            pass
        elif kind == "flatten":
            x = x.reshape(x.shape[0], -1)
        elif kind == "conv2d":
            w, b = weights[f"{index}.weight"].astype(np.float64), weights[f"{index}.bias"].astype(np.float64)
            k, s = w.shape[1], layer.get("stride") or 1
            n, h, wd, _ = x.shape
            if (layer.get("padding") or "valid") == "same":
                oh, top, bottom = same_padding(h, k, s)
                ow, left, right = same_padding(wd, k, s)
                x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
            else:
                oh, ow = (h - k) // s + 1, (wd - k) // s + 1
            out = np.zeros((n, oh, ow, w.shape[0]))
            for i in range(k):
                for j in range(k):
                    patch = x[:, i : i + s * (oh - 1) + 1 : s, j : j + s * (ow - 1) + 1 : s, :]
                    out += patch @ w[:, i, j, :].T
            x = out + b
        elif kind == "maxpool2d":
            p = layer.get("size") or 2
            s = layer.get("stride") or p
            n, h, wd, c = x.shape
            oh, ow = (h - p) // s + 1, (wd - p) // s + 1
            out = np.full((n, oh, ow, c), -np.inf)
            for i in range(p):
                for j in range(p):
                    out = np.maximum(out, x[:, i : i + s * (oh - 1) + 1 : s, j : j + s * (ow - 1) + 1 : s, :])
            x = out
        else:
            raise SystemExit(f"layer {index}: unknown type {kind!r}")
    return x


def torch_logits(layers, weights, x):
    import torch
    from torch import nn
    import torch.nn.functional as F

    class SamePad(nn.Module):
        def __init__(self, kernel, stride):
            super().__init__()
            self.kernel, self.stride = kernel, stride

        def forward(self, v):
            _, top, bottom = same_padding(v.shape[2], self.kernel, self.stride)
            _, left, right = same_padding(v.shape[3], self.kernel, self.stride)
            return F.pad(v, (left, right, top, bottom))

    class FlattenNHWC(nn.Module):
        def forward(self, v):
            return (v.permute(0, 2, 3, 1) if v.dim() == 4 else v).reshape(v.shape[0], -1)

    modules = []
    shape = list(x.shape[1:])
    for index, layer in enumerate(layers):
        kind = layer["type"]
        if kind == "dense":
            w = torch.from_numpy(weights[f"{index}.weight"].astype(np.float64))
            linear = nn.Linear(w.shape[1], w.shape[0]).double()
            linear.weight.data.copy_(w)
            linear.bias.data.copy_(torch.from_numpy(weights[f"{index}.bias"].astype(np.float64)))
            modules.append(linear)
        elif kind == "relu":
            modules.append(nn.ReLU())
        elif kind == "dropout":
            modules.append(nn.Dropout(layer.get("rate") or 0))
        elif kind == "flatten":
            modules.append(FlattenNHWC())
        elif kind == "conv2d":
            w = torch.from_numpy(weights[f"{index}.weight"].astype(np.float64)).permute(0, 3, 1, 2)
            k, s = w.shape[2], layer.get("stride") or 1
            if (layer.get("padding") or "valid") == "same":
                modules.append(SamePad(k, s))
            conv = nn.Conv2d(w.shape[1], w.shape[0], k, stride=s).double()
            conv.weight.data.copy_(w)
            conv.bias.data.copy_(torch.from_numpy(weights[f"{index}.bias"].astype(np.float64)))
            modules.append(conv)
        elif kind == "maxpool2d":
            p = layer.get("size") or 2
            modules.append(nn.MaxPool2d(p, stride=layer.get("stride") or p))
        else:
            raise SystemExit(f"layer {index}: unknown type {kind!r}")
    model = nn.Sequential(*modules).eval()
    v = torch.from_numpy(x.astype(np.float64))
    if v.dim() == 4:
        v = v.permute(0, 3, 1, 2)
    with torch.no_grad():
        return model(v).numpy()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--description", required=True)
    parser.add_argument("--weights", required=True)
    parser.add_argument("--inputs", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--backend", choices=["auto", "numpy", "torch", "both"], default="auto")
    args = parser.parse_args()
    with open(args.description, encoding="utf-8") as handle:
        text = handle.read()
    try:
        description = json.loads(text)
    except json.JSONDecodeError:
        import yaml  # a YAML description needs PyYAML; Concord's tests write JSON

        description = yaml.safe_load(text)
    layers = description["layers"]
    weights = load_file(args.weights)
    x = load_file(args.inputs)["inputs"]
    backend = args.backend
    if backend == "auto":
        try:
            import torch  # noqa: F401

            backend = "torch"
        except ImportError:
            backend = "numpy"
    if backend == "both":
        reference, other = numpy_logits(layers, weights, x), torch_logits(layers, weights, x)
        gap = float(np.max(np.abs(reference - other)))
        if gap > 1e-6:
            raise SystemExit(f"numpy and torch disagree by {gap}")
        logits = reference
    else:
        logits = torch_logits(layers, weights, x) if backend == "torch" else numpy_logits(layers, weights, x)
    save_file({"logits": np.ascontiguousarray(logits.astype(np.float32))}, args.out)
    print(f"backend {backend}: logits {list(logits.shape)}")


if __name__ == "__main__":
    sys.exit(main())
