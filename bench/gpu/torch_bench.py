#!/usr/bin/env python3
"""The LibTorch/cuDNN side of the GPU benchmark, with the device's PyTorch:
the same ops and shapes as bench_gpu_kernels (qh-ref conv2 3x3x3 32->32,
window attention 8x8 with 4 heads of 8, channel LayerNorm, ConvLSTM cell),
timed with CUDA events. Prints a markdown table (ms per call, median of 20).
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
