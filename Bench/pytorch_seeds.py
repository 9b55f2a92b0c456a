"""The seed workloads of Bench/Seeds.cs in PyTorch (float64; float32 for the names ending -f32), one per process, for Bench/pytorch.sh.

python3 Bench/pytorch_seeds.py NAME [CALLS] prints "NAME first_ms second_ms median_ms", like
`dotnet Bench.dll --seed NAME`: every call timed from the first, the median over the second half of the calls.
The project never needs this file: it only runs when python3-torch is installed.
"""
import math
import sys
import time

import torch

torch.set_default_dtype(torch.float64)
torch.set_num_threads(int(__import__("os").environ.get("TORCH_THREADS", "2")))  # ours: OpenBLAS and fused passes on the 2 cores


def regression(m):
    g = torch.Generator().manual_seed(m)
    X, y = torch.randn(m, 2, generator=g), torch.randn(m, generator=g)
    w0 = torch.tensor([0.5, -0.3, 0.8, 0.2, 0.4])

    def call():
        w = w0.clone().requires_grad_()
        x1, x2 = X[:, 0], X[:, 1]
        f = torch.cos(w[0] * x1 + w[1]) + torch.exp(-w[4] * x2) * torch.sin(w[2] * x2 + w[3])
        loss = ((y - f) ** 2).mean()
        loss.backward()
        return loss.item(), w.grad
    return call


def softmax():
    n, features, classes = 100_000, 100, 10
    g = torch.Generator().manual_seed(n)
    labels = torch.randint(0, classes, (n,), generator=g)
    X = torch.randn(n, features, generator=g)
    W0, b0 = 0.1 * torch.randn(features, classes, generator=g), 0.1 * torch.randn(classes, generator=g)

    def call():
        W, b = W0.clone().requires_grad_(), b0.clone().requires_grad_()
        loss = torch.nn.functional.cross_entropy(X @ W + b, labels)
        loss.backward()
        return loss.item(), W.grad, b.grad
    return call


def net(d):
    g = torch.Generator().manual_seed(d)
    A = torch.randn(d, d, generator=g) / math.sqrt(d)
    B = torch.randn(d, d, generator=g) / math.sqrt(d)
    x = 2 * torch.rand(d, generator=g) - 1
    return A, B, x


def sigmoid_f(A, B):
    return lambda x: torch.sigmoid(B @ torch.sigmoid(A @ x)).sum()


def jacfwd_sigmoid_1000():
    from functorch import jacfwd
    A, B, x = net(1000)
    jac = jacfwd(sigmoid_f(A, B))
    return lambda: jac(x)


def sigmoid_reverse_4000():
    A, B, x0 = net(4000)
    f = sigmoid_f(A, B)

    def call():
        x = x0.clone().requires_grad_()
        value = f(x)
        value.backward()
        return value.item(), x.grad
    return call


def gemv4_4000():
    A, B, x = net(4000)

    def call():
        y1 = torch.mv(A, x)
        y3 = torch.mv(B, y1)
        u2 = torch.mv(B.t(), y3)
        return torch.mv(A.t(), u2)
    return call


def factorisation(m, n, k):
    def make():
        g = torch.Generator().manual_seed(m + n + k)
        X, U0, V0 = torch.randn(m, n, generator=g), torch.randn(m, k, generator=g), torch.randn(k, n, generator=g)

        def call():
            U, V = U0.clone().requires_grad_(), V0.clone().requires_grad_()
            loss = ((X - U @ V) ** 2).sum() + 0.5 * (U ** 2).sum() + 0.5 * (V ** 2).sum()
            loss.backward()
            return loss.item(), U.grad, V.grad
        return call
    return make


def heron_10000():
    def call():
        x = torch.tensor(2.0, requires_grad=True)
        y = torch.tensor(1.0)
        for _ in range(10_000):
            y = (y + x / y) * 0.5
        y.backward()
        return y.item(), x.grad
    return call


def mlp():
    batch, widths = 256, [784, 512, 512, 10]
    g = torch.Generator().manual_seed(784)
    X = torch.randn(batch, widths[0], generator=g)
    labels = torch.randint(0, widths[-1], (batch,), generator=g)
    params0 = []
    for l in range(len(widths) - 1):
        params0 += [torch.randn(widths[l], widths[l + 1], generator=g) / math.sqrt(widths[l]), torch.zeros(widths[l + 1])]

    def call():
        params = [p.clone().requires_grad_() for p in params0]
        h = X
        for l in range(0, len(params), 2):
            h = h @ params[l] + params[l + 1]
            if l + 2 < len(params):
                h = torch.relu(h)
        loss = torch.nn.functional.cross_entropy(h, labels)
        loss.backward()
        return loss.item(), [p.grad for p in params]
    return call


WORKLOADS = {
    "regression": lambda: regression(1_000_000),
    "regression-10000": lambda: regression(10_000),
    "softmax": softmax,
    "jacfwd-sigmoid-1000": jacfwd_sigmoid_1000,
    "sigmoid-reverse-4000": sigmoid_reverse_4000,
    "gemv4-4000": gemv4_4000,
    "factorisation-1000-100-10": factorisation(1000, 100, 10),
    "factorisation-5000-1000-50": factorisation(5000, 1000, 50),
    "heron-10000": heron_10000,
    # The memory-bound seeds in float32 (PyTorch's default type): the same workloads under float32 as the default dtype.
    "regression-f32": lambda: regression(1_000_000),
    "softmax-f32": softmax,
    "factorisation-5000-1000-50-f32": factorisation(5000, 1000, 50),
    "mlp-784-512-512-10": mlp,
    "mlp-784-512-512-10-f32": mlp,
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in WORKLOADS:
        print("\n".join(WORKLOADS))
        return 0 if len(sys.argv) >= 2 and sys.argv[1] == "list" else 2
    name = sys.argv[1]
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 80
    if name.endswith("-f32"):
        torch.set_default_dtype(torch.float32)
    call = WORKLOADS[name]()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        call()
        times.append(1000 * (time.perf_counter() - start))
    rest = sorted(times[max(2, calls // 2):])
    median = rest[len(rest) // 2] if rest else float("nan")
    second = times[1] if calls > 1 else float("nan")
    print(f"{name} {times[0]:.3f} {second:.3f} {median:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
