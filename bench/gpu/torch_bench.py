#!/usr/bin/env python3
"""The LibTorch/cuDNN side of the GPU benchmark, with the device's PyTorch:
the same ops and shapes as bench_gpu_kernels (qh-ref conv2 3x3x3 32->32,
window attention 8x8 with 4 heads of 8, channel LayerNorm, ConvLSTM cell),
timed with CUDA events (ms per call, median of 20); then qh-ref end to end
(training step at patch, forward at tile and province, with peak memory), the
counterpart of bench_gpu_model. Prints markdown tables.
Run by scripts/gpu-check; exits 0 with a note when torch or CUDA is missing."""
import sys

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    print("torch not installed: no LibTorch baseline")
    sys.exit(0)
if not torch.cuda.is_available():
    print("torch has no CUDA device: no LibTorch baseline")
    sys.exit(0)

dev = torch.device("cuda")


def time_ms(fn, reps=20):
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b))
    return sorted(times)[len(times) // 2]


def shapes(province):
    return (1, 856, 1392) if province else (8, 64, 64)


def conv(province, tf32):
    torch.backends.cudnn.allow_tf32 = tf32
    B, H, W = shapes(province)
    x = torch.randn(B, 32, 7, H, W, device=dev)
    w = torch.randn(32, 32, 3, 3, 3, device=dev)
    b = torch.randn(32, device=dev)
    return time_ms(lambda: F.relu(F.conv3d(x, w, b, padding=1)))


def attention(province):
    B, H, W = shapes(province)
    C, heads, T, win = 32, 4, 7, 8
    qkv = torch.randn(B, 3 * C, T, H, W, device=dev, requires_grad=True)

    def step():
        # [B, 3, heads, D, T, H/8, 8, W/8, 8] -> [B T nwin, heads, 64, D]
        v = qkv.view(B, 3, heads, C // heads, T, H // win, win, W // win, win)
        v = v.permute(1, 0, 4, 5, 7, 2, 6, 8, 3).reshape(3, -1, heads, win * win, C // heads)
        o = F.scaled_dot_product_attention(v[0], v[1], v[2])
        o.sum().backward()

    return time_ms(step)


def layernorm():
    x = torch.randn(1, 32, 7, 856, 1392, device=dev)
    g, b = torch.randn(32, device=dev), torch.randn(32, device=dev)
    return time_ms(lambda: F.layer_norm(x.movedim(1, -1), (32,), g, b).movedim(-1, 1).contiguous())


def convlstm_cell():
    gates = torch.randn(1, 128, 856, 1392, device=dev)
    cp = torch.randn(1, 32, 856, 1392, device=dev)

    def cell():
        i, f, g, o = gates.chunk(4, 1)
        c = torch.sigmoid(f) * cp + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c)

    return time_ms(cell)


# ---- qh-ref end to end (the LibTorch twin, tests/golden/twin, in PyTorch) ----
class WindowAttention(torch.nn.Module):
    def __init__(self, dim=32, heads=4, win=8):
        super().__init__()
        self.dim, self.heads, self.win = dim, heads, win
        self.norm = torch.nn.LayerNorm(dim)
        self.qkv = torch.nn.Linear(dim, 3 * dim)
        self.proj = torch.nn.Linear(dim, dim)

    def forward(self, x):  # [B, C, T, H, W]
        B, C, T, H, W = x.shape
        w, nh, nw, hd = self.win, H // self.win, W // self.win, C // self.heads
        tok = x.permute(0, 2, 3, 4, 1)
        win = self.norm(tok).reshape(B * T, nh, w, nw, w, C).permute(0, 1, 3, 2, 4, 5).reshape(-1, w * w, C)
        q, k, v = self.qkv(win).reshape(-1, w * w, 3, self.heads, hd).permute(2, 0, 3, 1, 4)
        o = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(-1, w * w, C)
        o = self.proj(o).reshape(B * T, nh, nw, w, w, C).permute(0, 1, 3, 2, 4, 5).reshape(B, T, H, W, C)
        return (tok + o).permute(0, 4, 1, 2, 3).contiguous()


class ConvLSTMCell(torch.nn.Module):
    def __init__(self, cin=32, hidden=32):
        super().__init__()
        self.conv = torch.nn.Conv2d(cin + hidden, 4 * hidden, 3, padding=1)

    def forward(self, x, h, c):
        i, f, g, o = self.conv(torch.cat([x, h], 1)).chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c


class QhRef(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv3d(8, 32, 3, padding=1)
        self.conv2 = torch.nn.Conv3d(32, 32, 3, padding=1)
        self.attn = WindowAttention()
        self.lstm_fwd, self.lstm_bwd = ConvLSTMCell(), ConvLSTMCell()
        self.fc1, self.fc2 = torch.nn.Linear(64, 32), torch.nn.Linear(32, 1)
        self.drop = torch.nn.Dropout(0.2)

    def forward(self, x):  # [B, 8, 7, H, W], H and W multiples of 8
        x = self.attn(F.relu(self.conv2(F.relu(self.conv1(x)))))
        z = torch.zeros_like(x[:, :, 0])
        hf, cf, hb, cb = z, z, z, z
        for t in range(4):
            hf, cf = self.lstm_fwd(x[:, :, t], hf, cf)
        for t in range(6, 2, -1):
            hb, cb = self.lstm_bwd(x[:, :, t], hb, cb)
        y = torch.cat([hf, hb], 1).permute(0, 2, 3, 1)
        return self.fc2(self.drop(F.relu(self.fc1(y)))).permute(0, 3, 1, 2)


def with_peak(fn):
    """(median ms, peak MiB above what was allocated before) of fn."""
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    ms = time_ms(fn, reps=5)
    return ms, (torch.cuda.max_memory_allocated() - base) / 2**20


def model_step(tf32):
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32
    model = QhRef().to(dev).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x, t = torch.randn(16, 8, 7, 32, 32, device=dev), torch.randn(16, 1, 32, 32, device=dev)

    def step():
        opt.zero_grad()
        F.mse_loss(model(x), t).backward()
        opt.step()

    return with_peak(step)


def model_forward(tf32, H, W):
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32
    model = QhRef().to(dev).eval()
    x = torch.randn(1, 8, 7, H, W, device=dev)

    def fwd():
        with torch.no_grad():
            model(x)

    try:
        return with_peak(fwd)
    except torch.cuda.OutOfMemoryError:
        return float("nan"), float("nan")


def model_rows():
    out = []
    for tf32 in (True, False):
        name = "tf32" if tf32 else "fp32"
        p, t, v = model_step(tf32), model_forward(tf32, 256, 256), model_forward(tf32, 856, 1392)
        out.append(f"| {name} | {p[0]:.2f} ms, {p[1]:.0f} MiB | {t[0]:.2f} ms, {t[1]:.0f} MiB "
                   f"| {v[0]:.2f} ms, {v[1]:.0f} MiB |")
    return out


rows = [
    ("conv3d fwd + bias + ReLU, patch, fp32", conv(False, False)),
    ("conv3d fwd + bias + ReLU, patch, tf32", conv(False, True)),
    ("conv3d fwd + bias + ReLU, province, fp32", conv(True, False)),
    ("conv3d fwd + bias + ReLU, province, tf32", conv(True, True)),
    ("window attention fwd+bwd (SDPA), patch", attention(False)),
    ("window attention fwd+bwd (SDPA), province", attention(True)),
    ("LayerNorm over channels fwd, province", layernorm()),
    ("ConvLSTM cell fwd (eager), province", convlstm_cell()),
]
print(f"PyTorch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}, {torch.cuda.get_device_name()}")
print()
print("| op | ms |")
print("|---|---|")
for name, ms in rows:
    print(f"| {name} | {ms:.3f} |")
print()
print("qh-ref end to end (PyTorch eager, cuDNN, SDPA; median of 5; peak = max_memory_allocated above the inputs)")
print()
print("| settings | patch step | tile forward | province forward |")
print("|---|---|---|---|")
for row in model_rows():
    print(row)
