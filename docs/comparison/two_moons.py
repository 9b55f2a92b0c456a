# The two-moons MLP in PyTorch, as LineCountExamples.TwoMoons does it with layers: 2 → 16 → 16 → 2 with ReLU, a
# held-out fifth, Adam, minibatches of 32, held-out accuracy. Written for counting lines only (not run in CI).
import pandas as pd
import torch

df = pd.read_csv("moons.csv")
X = torch.tensor(df[["x1", "x2"]].values, dtype=torch.float64)
y = torch.tensor(df["label"].values, dtype=torch.long)
perm = torch.randperm(len(X), generator=torch.Generator().manual_seed(0))
test, train = perm[: len(X) // 5], perm[len(X) // 5 :]
model = torch.nn.Sequential(
    torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2)
).double()
optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[train], y[train]), batch_size=32, shuffle=True)
for epoch in range(100):
    for xb, yb in loader:
        optimiser.zero_grad()
        torch.nn.functional.cross_entropy(model(xb), yb).backward()
        optimiser.step()
with torch.no_grad():
    accuracy = (model(X[test]).argmax(1) == y[test]).double().mean().item()
print(f"held-out accuracy {accuracy:.3f}")
