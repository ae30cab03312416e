#!/usr/bin/env python3
"""Writes torch_cnn_step.safetensors: a small CNN of the FedAvg paper's shape, one SGD step in PyTorch.

The fixture holds the initial weights (converted to Concord's NHWC layout), eight MNIST-like inputs
(NHWC), their labels, PyTorch's logits and loss, and the weights after one SGD step at lr 0.1.
ConcordNNTests/TorchReferenceTests.swift checks Concord against it. Regenerate with
    python3 Tests/ConcordNNTests/Fixtures/make_torch_cnn_step.py
(PyTorch 2.x and safetensors; the committed file was made with torch 2.13.0+cpu).
"""
import os
import numpy as np
import torch
from safetensors.numpy import save_file

torch.manual_seed(7)
model = torch.nn.Sequential(
    torch.nn.Conv2d(1, 4, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(4, 8, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Flatten(), torch.nn.Linear(8 * 7 * 7, 16), torch.nn.ReLU(), torch.nn.Linear(16, 10))
x = torch.rand(8, 1, 28, 28)
y = torch.tensor([3, 1, 4, 1, 5, 9, 2, 6])


def concord_layout(m):
    """PyTorch NCHW weights → Concord's NHWC ones: conv OIHW → OHWI; fc1's inputs CHW → HWC."""
    conv1, conv2, fc1, fc2 = m[0], m[3], m[7], m[9]
    fc1_w = fc1.weight.detach().reshape(16, 8, 7, 7).permute(0, 2, 3, 1).reshape(16, 392)
    tensors = {
        "conv1.weight": conv1.weight.detach().permute(0, 2, 3, 1), "conv1.bias": conv1.bias.detach(),
        "conv2.weight": conv2.weight.detach().permute(0, 2, 3, 1), "conv2.bias": conv2.bias.detach(),
        "fc1.weight": fc1_w, "fc1.bias": fc1.bias.detach(),
        "fc2.weight": fc2.weight.detach(), "fc2.bias": fc2.bias.detach(),
    }
    # Copies: .numpy() shares memory with the parameters, which the SGD step then updates in place.
    return {k: np.array(v.numpy(), dtype=np.float32, copy=True, order="C") for k, v in tensors.items()}


before = concord_layout(model)
logits = model(x)
loss = torch.nn.functional.cross_entropy(logits, y)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
opt.zero_grad()
loss.backward()
opt.step()
after = concord_layout(model)

out = dict(before)
out.update({f"after.{k}": v for k, v in after.items()})
out["input"] = np.ascontiguousarray(x.permute(0, 2, 3, 1).numpy(), dtype=np.float32)
out["labels"] = y.numpy().astype(np.float32)
out["logits"] = logits.detach().numpy().astype(np.float32)
out["loss"] = np.array(loss.item(), dtype=np.float32)
save_file(out, os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_cnn_step.safetensors"),
          metadata={"source": "PyTorch " + torch.__version__, "script": "make_torch_cnn_step.py"})
print("loss", loss.item())
