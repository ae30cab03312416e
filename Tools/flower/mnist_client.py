#!/usr/bin/env python3
"""A Flower client that joins a Concord federation unmodified: NumPy only, the FedAvg paper's MNIST 2NN.

This is an ordinary Flower `NumPyClient` (784-200-200-10 ReLU MLP, plain SGD) started with Flower's own
`flwr.client.start_client(..., transport="grpc-bidi")`. The only Concord-specific lines are in
`get_properties`: they answer the coordinator's admission challenge with the participant's name and an HMAC
of the challenge under its token (written by `concord certs issue --node NAME --flower-token`).

Parameters arrive and leave in Concord's layout order, one ndarray per tensor: fc1.weight [200, 784],
fc1.bias [200], fc2.weight [200, 200], fc2.bias [200], fc3.weight [10, 200], fc3.bias [10]; a dense weight is
[out, in], so a layer computes x @ W.T + b. `fit` reads `local_epochs`, `batch_size`, `learning_rate` and
`seed` from the config Concord sends.

    python3 Tools/flower/mnist_client.py --server 127.0.0.1:9092 --name alpha \
        --token pki/nodes/alpha.flower-token --ca pki/ca.pem --data data/alpha

--misbehave (for Concord's tests) makes the client break the protocol in its fit answers, round by round:
'count' sends one tensor too few, 'shape' sends fc1.weight transposed, 'bytes' sends bytes that are not .npy.
"""
import argparse
import gzip
import hashlib
import hmac
import os
import struct
import sys

import numpy as np

import flwr as fl
from flwr.common import Code, FitRes, Parameters, Status, ndarrays_to_parameters, parameters_to_ndarrays


def read_idx(folder, name):
    """Reads an IDX file (optionally .gz) as a uint8 ndarray of its dimensions."""
    path = os.path.join(folder, name)
    opener = open
    if not os.path.exists(path):
        path, opener = path + ".gz", gzip.open
    with opener(path, "rb") as file:
        data = file.read()
    zero, kind, dimensions = struct.unpack(">HBB", data[:4])
    if zero != 0 or kind != 0x08:
        raise SystemExit(f"{path}: not an IDX file of unsigned bytes")
    shape = struct.unpack(">" + "I" * dimensions, data[4 : 4 + 4 * dimensions])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dimensions).reshape(shape)


def load(folder, limit):
    images = read_idx(folder, "train-images-idx3-ubyte")
    labels = read_idx(folder, "train-labels-idx1-ubyte")
    if limit:
        images, labels = images[:limit], labels[:limit]
    return images.reshape(len(images), -1).astype(np.float32) / 255.0, labels.astype(np.int64)


def forward(parameters, x):
    """The 2NN's logits and the activations backpropagation needs."""
    w1, b1, w2, b2, w3, b3 = parameters
    h1 = np.maximum(x @ w1.T + b1, 0)
    h2 = np.maximum(h1 @ w2.T + b2, 0)
    return h2 @ w3.T + b3, (h1, h2)


def softmax_cross_entropy(logits, labels):
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    probabilities = exp / exp.sum(axis=1, keepdims=True)
    loss = -np.log(probabilities[np.arange(len(labels)), labels] + 1e-12).mean()
    return loss, probabilities


class MNISTClient(fl.client.NumPyClient):
    def __init__(self, name, token, x, y):
        self.name, self.token, self.x, self.y = name, token, x, y

    def get_properties(self, config):
        # Concord's admission: prove the participant's name with its token, which never travels.
        challenge = str(config.get("concord_challenge", ""))
        answer = hmac.new(self.token.encode(), challenge.encode(), hashlib.sha256).hexdigest()
        return {"concord_participant": self.name, "concord_answer": answer}

    def fit(self, parameters, config):
        w1, b1, w2, b2, w3, b3 = [np.array(p, dtype=np.float32) for p in parameters]
        epochs, batch = int(config["local_epochs"]), int(config["batch_size"])
        rate = np.float32(config["learning_rate"])
        rng = np.random.default_rng(int(config["seed"]) % (1 << 63))
        n = len(self.y)
        batch = batch if batch > 0 else n
        for _ in range(epochs):
            order = rng.permutation(n)
            for start in range(0, n, batch):
                index = order[start : start + batch]
                x, y = self.x[index], self.y[index]
                logits, (h1, h2) = forward((w1, b1, w2, b2, w3, b3), x)
                _, probabilities = softmax_cross_entropy(logits, y)
                g3 = probabilities
                g3[np.arange(len(y)), y] -= 1
                g3 /= len(y)
                g2 = (g3 @ w3) * (h2 > 0)
                g1 = (g2 @ w2) * (h1 > 0)
                w3 -= rate * (g3.T @ h2)
                b3 -= rate * g3.sum(axis=0)
                w2 -= rate * (g2.T @ h1)
                b2 -= rate * g2.sum(axis=0)
                w1 -= rate * (g1.T @ x)
                b1 -= rate * g1.sum(axis=0)
        return [w1, b1, w2, b2, w3, b3], n, {}

    def evaluate(self, parameters, config):
        logits, _ = forward([np.asarray(p, dtype=np.float32) for p in parameters], self.x)
        loss, _ = softmax_cross_entropy(logits, self.y)
        accuracy = float((logits.argmax(axis=1) == self.y).mean())
        return float(loss), len(self.y), {"accuracy": accuracy}


class MisbehavingClient(fl.client.Client):
    """Answers the challenge honestly, then breaks the protocol in every fit answer: round 1 one tensor too few,
    round 2 fc1.weight transposed, round 3 and later bytes that are not .npy."""

    def __init__(self, honest):
        self.honest = honest
        self.fits = 0

    def get_properties(self, ins):
        from flwr.common import GetPropertiesRes

        properties = self.honest.get_properties(ins.config)
        return GetPropertiesRes(status=Status(code=Code.OK, message=""), properties=properties)

    def fit(self, ins):
        self.fits += 1
        arrays = parameters_to_ndarrays(ins.parameters)
        if self.fits == 1:
            parameters = ndarrays_to_parameters(arrays[:-1])
        elif self.fits == 2:
            arrays[0] = np.ascontiguousarray(arrays[0].T)
            parameters = ndarrays_to_parameters(arrays)
        else:
            parameters = Parameters(tensors=[b"not a tensor"] * len(arrays), tensor_type="numpy.ndarray")
        return FitRes(status=Status(code=Code.OK, message=""), parameters=parameters, num_examples=len(self.honest.y),
                      metrics={})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", required=True, help="the coordinator's flower_listen, HOST:PORT")
    parser.add_argument("--name", required=True, help="this participant's name, as the federation lists it")
    parser.add_argument("--token", required=True, help="the file `concord certs issue --flower-token` wrote")
    parser.add_argument("--ca", help="the federation CA (pki/ca.pem); without it the connection is plaintext")
    parser.add_argument("--data", required=True, help="a folder with train-images-idx3-ubyte and train-labels-idx1-ubyte")
    parser.add_argument("--limit", type=int, default=0, help="train on the first N examples only")
    parser.add_argument("--misbehave", action="store_true", help="break the protocol in fit answers (tests)")
    arguments = parser.parse_args()
    with open(arguments.token) as file:
        token = file.read().strip()
    x, y = load(arguments.data, arguments.limit)
    client = MNISTClient(arguments.name, token, x, y).to_client()
    if arguments.misbehave:
        client = MisbehavingClient(MNISTClient(arguments.name, token, x, y))
    root = open(arguments.ca, "rb").read() if arguments.ca else None
    fl.client.start_client(
        server_address=arguments.server, client=client, transport="grpc-bidi", root_certificates=root)
    print(f"{arguments.name}: the coordinator ended the session", flush=True)


if __name__ == "__main__":
    sys.exit(main())
