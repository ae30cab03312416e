#!/usr/bin/env python3
"""Flower's simulation engine on the setting `scripts/bench-simulate.sh` runs in Concord.

FedAvg (McMahan et al. 2017), the 2NN `mlp` (784-200-200-10, PyTorch's default init), MNIST split IID
among 10 participants (6,000 examples each), every participant every round (C = 1), E = 1, B = 10,
lr 0.1 plain SGD, 10 rounds, central evaluation on the 10,000 test images after every round, as
`concord simulate` does by default. Each virtual client uses one torch thread; the simulation runs on
Ray with one CPU per client, as many at once as the machine has cores.

    pip install "flwr[simulation]" torch      # Flower 1.42 measured
    python3 Benchmarks/flower_reference.py [--rounds 10] [--clients 10]

Prints the wall time from the start of the simulation to its end (data loading excluded), the training
examples per second and the final test accuracy. Reads the MNIST files bundled with Concord.
"""
import argparse
import gzip
import os
import pathlib
import time

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
import torch  # noqa: E402
import flwr as fl  # noqa: E402
from flwr.common import ndarrays_to_parameters  # noqa: E402

MNIST = pathlib.Path(__file__).resolve().parent.parent / "Sources/ConcordData/Resources/mnist"


def idx(name):
    data = gzip.open(MNIST / name).read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def model():
    return torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(784, 200), torch.nn.ReLU(), torch.nn.Linear(200, 200),
        torch.nn.ReLU(), torch.nn.Linear(200, 10))


def get(net):
    return [p.detach().numpy().copy() for p in net.state_dict().values()]


def put(net, arrays):
    net.load_state_dict({k: torch.tensor(v) for k, v in zip(net.state_dict().keys(), arrays)})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=10)
    args = parser.parse_args()
    x = torch.tensor(idx("train-images-idx3-ubyte.gz"), dtype=torch.float32) / 255
    y = torch.tensor(idx("train-labels-idx1-ubyte.gz"), dtype=torch.int64)
    tx = torch.tensor(idx("t10k-images-idx3-ubyte.gz"), dtype=torch.float32) / 255
    ty = torch.tensor(idx("t10k-labels-idx1-ubyte.gz"), dtype=torch.int64)
    shares = np.array_split(np.random.default_rng(1).permutation(len(y)), args.clients)

    class Client(fl.client.NumPyClient):
        def __init__(self, cid):
            torch.set_num_threads(1)
            self.rows = torch.tensor(shares[cid])
            self.net = model()

        def fit(self, parameters, config):
            put(self.net, parameters)
            opt = torch.optim.SGD(self.net.parameters(), lr=0.1)
            order = self.rows[torch.randperm(len(self.rows))]
            for start in range(0, len(order), 10):
                batch = order[start:start + 10]
                opt.zero_grad(set_to_none=True)
                torch.nn.functional.cross_entropy(self.net(x[batch]), y[batch]).backward()
                opt.step()
            return get(self.net), len(self.rows), {}

    def client_fn(context):
        return Client(int(context.node_config["partition-id"])).to_client()

    evaluator = model()
    accuracy = {}

    def evaluate(server_round, parameters, config):
        put(evaluator, parameters)
        with torch.no_grad():
            logits = evaluator(tx)
        accuracy[server_round] = (logits.argmax(1) == ty).float().mean().item()
        return torch.nn.functional.cross_entropy(logits, ty).item(), {"accuracy": accuracy[server_round]}

    strategy = fl.server.strategy.FedAvg(
        fraction_fit=1.0, fraction_evaluate=0.0, min_fit_clients=args.clients,
        min_available_clients=args.clients, evaluate_fn=evaluate,
        initial_parameters=ndarrays_to_parameters(get(model())))
    start = time.time()
    fl.simulation.start_simulation(
        client_fn=client_fn, num_clients=args.clients, strategy=strategy,
        config=fl.server.ServerConfig(num_rounds=args.rounds), client_resources={"num_cpus": 1})
    seconds = time.time() - start
    examples = len(y) // args.clients * args.clients * args.rounds
    print(f"flower {fl.__version__}: mlp, {args.clients} participants x {args.rounds} rounds, E=1, B=10: "
          f"{seconds:.2f} s wall, {examples / seconds:,.0f} examples/s, "
          f"final test accuracy {accuracy.get(args.rounds, float('nan')):.4f}")


if __name__ == "__main__":
    main()
