// The simulator's scheduler: runs each block's threads as fibers (Boost.Context)
// with real barrier semantics. See sim.h for the model and docs/simulator.md.
//
// One block on one OS thread:
//   ready set  -> pick a fiber (seeded random pick), resume it until it blocks
//                 (block barrier or warp collective) or ends;
//   no fiber ready:
//     all live fibers at the block barrier, none ended, same call site -> release
//     otherwise -> divergence / deadlock: SimError naming the threads.
// On an error every suspended fiber is resumed once in "abort" mode: its pending
// barrier call throws Abort, which unwinds its stack back to the fiber entry.
#include <sys/mman.h>
#include <unistd.h>

#include <boost/context/fiber.hpp>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <exception>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "kernels/sim/sim.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define RF_SIM_ASAN 1
#endif

__thread uint3 threadIdx;
__thread uint3 blockIdx;
__thread uint3 blockDim;
__thread uint3 gridDim;

namespace rf::sim {
namespace ctx = boost::context;

namespace {

std::atomic<uint64_t> g_seed{0};
std::atomic<int> g_os_threads{0};

#if defined(RF_SIM_ASAN)
constexpr size_t kStackBytes = 512 * 1024;
#else
constexpr size_t kStackBytes = 128 * 1024;
#endif
constexpr int kMaxThreads = 1024;
constexpr size_t kMaxDynamicShared = 48 * 1024;  // without cudaFuncSetAttribute opt-in

struct Abort {};  // unwinds a fiber's stack when its block is abandoned

// Fiber stacks of one OS thread, mapped once (untouched pages cost nothing),
// with a guard page below each stack.
class StackPool {
 public:
  ~StackPool() {
    for (void* p : maps_) munmap(p, kStackBytes + page());
  }
  ctx::stack_context get(int i) {
    while (int(maps_.size()) <= i) {
      void* p = mmap(nullptr, kStackBytes + page(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                     -1, 0);
      if (p == MAP_FAILED) throw SimError("sim: cannot map a fiber stack");
      mprotect(p, page(), PROT_NONE);
      maps_.push_back(p);
    }
    ctx::stack_context sc;
    sc.size = kStackBytes;
    sc.sp = static_cast<char*>(maps_[i]) + page() + kStackBytes;
    return sc;
  }

 private:
  static size_t page() { return size_t(sysconf(_SC_PAGESIZE)); }
  std::vector<void*> maps_;
};

struct PoolStack {  // Boost.Context StackAllocator over one pooled stack
  ctx::stack_context sc;
  ctx::stack_context allocate() { return sc; }
  void deallocate(ctx::stack_context&) noexcept {}
};

enum class St : uint8_t { Ready, Barrier, Warp, Done };

struct Fiber {
  ctx::fiber self;   // the suspended thread (held by the scheduler)
  ctx::fiber sched;  // the scheduler (held by the running thread)
  uint3 tid{};
  int lin = 0;
  St st = St::Ready;
  const void* site = nullptr;  // call site of the pending __syncthreads
  BlockOp bop = BlockOp::Sync;
  int pred = 0, block_result = 0;
  uint64_t barriers = 0;
  // warp collective in flight
  WarpOp wop = WarpOp::Sync;
  unsigned wmask = 0;
  uint64_t wvalue = 0, wresult = 0;
  int wsrc = -1;
#if defined(RF_SIM_ASAN)
  void* fake_stack = nullptr;
#endif
};

std::string where(const uint3& t) {
  std::ostringstream os;
  os << "(" << t.x << "," << t.y << "," << t.z << ")";
  return os.str();
}

class Block {
 public:
  Block(StackPool& pool, dim3 block, size_t smem, uint64_t seed, ThreadBody body)
      : pool_(pool), n_(int(block.x * block.y * block.z)), body_(body), rng_(seed), fibers_(n_) {
    if (smem) {
      dyn_.reset(new std::byte[smem]);
      std::memset(dyn_.get(), 0xff, smem);  // uninitialised reads show up as NaN / -1
    }
    int i = 0;
    for (unsigned z = 0; z < block.z; ++z)
      for (unsigned y = 0; y < block.y; ++y)
        for (unsigned x = 0; x < block.x; ++x, ++i) {
          fibers_[i].tid = uint3{x, y, z};
          fibers_[i].lin = i;
        }
  }

  void run();
  static Block*& current() {
    static thread_local Block* b = nullptr;
    return b;
  }
  Fiber& me() { return fibers_[cur_]; }
  void* dyn() { return dyn_.get(); }
  int block_barrier(BlockOp op, int pred, const void* site);
  uint64_t warp_collective(WarpOp op, unsigned mask, uint64_t value, int src);

 private:
  ctx::fiber entry(int i, ctx::fiber&& sched);
  void resume(int i);
  void yield();
  [[noreturn]] void fail(const std::string& msg) { throw SimError(msg); }
  void release_barrier();
  void abort_all();

  StackPool& pool_;
  int n_;
  ThreadBody body_;
  std::mt19937_64 rng_;
  std::vector<Fiber> fibers_;
  std::vector<int> ready_;
  std::unique_ptr<std::byte[]> dyn_;
  int cur_ = -1;
  int done_ = 0;
  bool aborting_ = false;
  std::exception_ptr error_;
#if defined(RF_SIM_ASAN)
  const void* sched_bottom_ = nullptr;
  size_t sched_size_ = 0;
  void* sched_fake_ = nullptr;
#endif
};

ctx::fiber Block::entry(int i, ctx::fiber&& sched) {
  Fiber& f = fibers_[i];
  f.sched = std::move(sched);
#if defined(RF_SIM_ASAN)
  __sanitizer_finish_switch_fiber(nullptr, &sched_bottom_, &sched_size_);
#endif
  try {
    if (!aborting_) body_.fn(body_.ctx);
  } catch (const Abort&) {
  } catch (...) {
    if (!error_) error_ = std::current_exception();
  }
  f.st = St::Done;
  ++done_;
#if defined(RF_SIM_ASAN)
  __sanitizer_start_switch_fiber(nullptr, sched_bottom_, sched_size_);
#endif
  return std::move(f.sched);
}

void Block::resume(int i) {
  Fiber& f = fibers_[i];
  cur_ = i;
  threadIdx = f.tid;
  f.st = St::Ready;
#if defined(RF_SIM_ASAN)
  ctx::stack_context sc = pool_.get(i);
  __sanitizer_start_switch_fiber(&sched_fake_, static_cast<char*>(sc.sp) - sc.size, sc.size);
#endif
  f.self = std::move(f.self).resume();
#if defined(RF_SIM_ASAN)
  __sanitizer_finish_switch_fiber(sched_fake_, nullptr, nullptr);
#endif
  cur_ = -1;
}

// Called on a fiber: hand control back to the scheduler until released.
void Block::yield() {
  Fiber& f = me();
#if defined(RF_SIM_ASAN)
  __sanitizer_start_switch_fiber(&f.fake_stack, sched_bottom_, sched_size_);
#endif
  f.sched = std::move(f.sched).resume();
#if defined(RF_SIM_ASAN)
  __sanitizer_finish_switch_fiber(f.fake_stack, &sched_bottom_, &sched_size_);
#endif
  if (aborting_) throw Abort{};
}

void Block::run() {
  current() = this;
  for (int i = 0; i < n_; ++i) {
    fibers_[i].self = ctx::fiber(std::allocator_arg, PoolStack{pool_.get(i)},
                                 [this, i](ctx::fiber&& s) { return entry(i, std::move(s)); });
    ready_.push_back(i);
  }
  try {
    while (!error_) {
      while (!ready_.empty() && !error_) {
        const size_t k = seed() ? size_t(rng_() % ready_.size()) : 0;
        const int i = ready_[k];
        ready_.erase(ready_.begin() + std::ptrdiff_t(k));
        resume(i);
      }
      if (error_ || done_ == n_) break;
      release_barrier();
    }
  } catch (...) {  // thrown by the scheduler itself (divergence, deadlock)
    error_ = std::current_exception();
  }
  // Outside any catch handler: the fibers throw and catch Abort while unwinding.
  if (error_) abort_all();
  current() = nullptr;
  if (error_) std::rethrow_exception(error_);
}

// No fiber is ready: either every live thread waits at the same __syncthreads
// (release it) or the block can never finish (report why).
void Block::release_barrier() {
  std::vector<int> at_barrier, at_warp, ended;
  for (const Fiber& f : fibers_) {
    if (f.st == St::Barrier) at_barrier.push_back(f.lin);
    else if (f.st == St::Warp) at_warp.push_back(f.lin);
    else if (f.st == St::Done) ended.push_back(f.lin);
  }
  if (!at_warp.empty()) {
    const Fiber& f = fibers_[at_warp.front()];
    std::ostringstream os;
    os << "sim: deadlock: thread " << where(f.tid) << " waits in a warp collective (mask 0x" << std::hex << f.wmask
       << std::dec << ") for lanes that " << (ended.empty() ? "wait at __syncthreads" : "have exited or wait at __syncthreads");
    fail(os.str());
  }
  if (!ended.empty()) {
    std::ostringstream os;
    os << "sim: barrier divergence: " << ended.size() << " thread(s) exited (first " << where(fibers_[ended[0]].tid)
       << ") while " << at_barrier.size() << " wait at __syncthreads (first " << where(fibers_[at_barrier[0]].tid)
       << ", barrier #" << fibers_[at_barrier[0]].barriers + 1 << ")";
    fail(os.str());
  }
  const Fiber& f0 = fibers_[at_barrier.front()];
  int count = 0;
  for (int i : at_barrier) {
    const Fiber& f = fibers_[i];
    if (f.site != f0.site || f.bop != f0.bop) {
      fail("sim: barrier divergence: threads " + where(f0.tid) + " and " + where(f.tid) +
           " wait at different __syncthreads calls");
    }
    count += f.pred;
  }
  const int result = f0.bop == BlockOp::Count ? count
                     : f0.bop == BlockOp::And ? int(count == n_)
                     : f0.bop == BlockOp::Or  ? int(count > 0)
                                              : 0;
  for (Fiber& f : fibers_) {
    f.block_result = result;
    ++f.barriers;
    f.st = St::Ready;
    ready_.push_back(f.lin);
  }
}

void Block::abort_all() {
  aborting_ = true;
  for (int i = 0; i < n_; ++i) {
    if (fibers_[i].st != St::Done && fibers_[i].self) resume(i);
  }
}

int Block::block_barrier(BlockOp op, int pred, const void* site) {
  Fiber& f = me();
  f.st = St::Barrier;
  f.site = site;
  f.bop = op;
  f.pred = pred;
  yield();
  return me().block_result;
}

uint64_t Block::warp_collective(WarpOp op, unsigned mask, uint64_t value, int src) {
  Fiber& f = me();
  const int lane = f.lin % 32, base = f.lin - lane;
  const int lanes = std::min(32, n_ - base);  // lanes that exist in this warp
  const unsigned existing = lanes == 32 ? 0xffffffffu : ((1u << lanes) - 1u);
  auto who = [&] { return "sim: thread " + where(f.tid) + " (lane " + std::to_string(lane) + "): "; };
  if (!(mask >> lane & 1u)) fail(who() + "warp collective with a mask that does not name the calling lane");
  if (mask & ~existing) fail(who() + "warp mask names lanes beyond the end of the block (partial warp)");
  f.st = St::Warp;
  f.wop = op;
  f.wmask = mask;
  f.wvalue = value;
  f.wsrc = src;
  for (int l = 0; l < 32; ++l) {
    if (!(mask >> l & 1u)) continue;
    const Fiber& g = fibers_[base + l];
    if (g.st == St::Done) fail(who() + "warp mask names lane " + std::to_string(l) + ", which has exited");
    if (g.st != St::Warp) {  // not arrived yet: wait for it
      yield();
      return me().wresult;
    }
    if (g.wmask != mask || g.wop != op) {
      fail(who() + "lanes of one warp collective disagree on the mask or the operation (lane " +
           std::to_string(l) + ")");
    }
  }
  // Every named lane has arrived: complete the collective for all of them.
  uint64_t ballot = 0;
  for (int l = 0; l < 32; ++l) {
    if ((mask >> l & 1u) && fibers_[base + l].wvalue) ballot |= 1ull << l;
  }
  for (int l = 0; l < 32; ++l) {
    if (!(mask >> l & 1u)) continue;
    Fiber& g = fibers_[base + l];
    if (op == WarpOp::Shfl) {
      const int s = g.wsrc < 0 ? l : g.wsrc;
      if (!(mask >> s & 1u)) {
        std::ostringstream os;
        os << "sim: lane " << l << " shuffles from lane " << s << ", which the mask 0x" << std::hex << mask
           << " does not name";
        fail(os.str());
      }
      g.wresult = fibers_[base + s].wvalue;
    } else {
      g.wresult = ballot;
    }
    if (&g != &f) {
      g.st = St::Ready;
      ready_.push_back(g.lin);
    }
  }
  f.st = St::Ready;
  return f.wresult;
}

Block& block_or_die() {
  Block* b = Block::current();
  if (!b) throw SimError("sim: a device function was called outside a simulated launch");
  return *b;
}

int os_threads() {
  int n = g_os_threads.load();
  if (n <= 0) {
    const char* e = std::getenv("RAINFUSE_SIM_THREADS");
    n = e ? std::atoi(e) : 2;
  }
  return std::max(1, n);
}

uint64_t mix(uint64_t x) {  // splitmix64 finaliser
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

void check_launch(dim3 grid, dim3 block, size_t smem) {
  const uint64_t threads = uint64_t(block.x) * block.y * block.z;
  std::string bad;
  if (threads == 0 || threads > kMaxThreads) bad = "block of " + std::to_string(threads) + " threads (1..1024)";
  else if (block.z > 64) bad = "blockDim.z > 64";
  else if (grid.x == 0 || grid.y == 0 || grid.z == 0) bad = "empty grid";
  else if (grid.y > 65535 || grid.z > 65535) bad = "gridDim.y or gridDim.z > 65535";
  else if (smem > kMaxDynamicShared) bad = std::to_string(smem) + " bytes of dynamic shared memory (> 48 KiB)";
  if (!bad.empty()) throw SimError("sim: invalid launch: " + bad);
}

// Helper OS threads that live across launches: each keeps its fiber stacks
// mapped and faulted in. (A thread per launch re-mapped and re-faulted up to
// 1024 stacks at every launch, which dominated whole-model runs of thousands
// of small launches.) run(n, fn) runs fn on the caller and n-1 helpers and
// returns when all are done; launches are serialised.
class Helpers {
 public:
  void run(int n, const std::function<void()>& fn) {
    std::lock_guard<std::mutex> one_launch(launch_);
    std::unique_lock<std::mutex> lk(m_);
    while (int(count_) < n - 1) {
      std::thread(&Helpers::loop, this).detach();
      ++count_;
    }
    job_ = &fn;
    want_ = n - 1;
    started_ = done_ = 0;
    ++generation_;
    wake_.notify_all();
    lk.unlock();
    fn();
    lk.lock();
    finished_.wait(lk, [&] { return done_ == want_; });
    job_ = nullptr;
  }

 private:
  void loop() {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lk(m_);
    for (;;) {
      wake_.wait(lk, [&] { return job_ && generation_ != seen && started_ < want_; });
      seen = generation_;
      ++started_;
      const std::function<void()>* job = job_;
      lk.unlock();
      (*job)();  // the worker catches every exception itself
      lk.lock();
      if (++done_ == want_) finished_.notify_all();
    }
  }
  std::mutex launch_, m_;
  std::condition_variable wake_, finished_;
  const std::function<void()>* job_ = nullptr;
  uint64_t generation_ = 0;
  int count_ = 0, want_ = 0, started_ = 0, done_ = 0;
};
// Never destroyed: the detached helpers wait on it until the process ends.
Helpers& helpers() {
  static Helpers* h = new Helpers;
  return *h;
}

}  // namespace

void set_seed(uint64_t s) { g_seed = s; }
uint64_t seed() { return g_seed.load(); }
void set_os_threads(int n) { g_os_threads = n; }

int block_barrier(BlockOp op, int pred) {
  return block_or_die().block_barrier(op, pred, __builtin_return_address(0));
}
uint64_t warp_collective(WarpOp op, unsigned mask, uint64_t value, int src) {
  return block_or_die().warp_collective(op, mask, value, src);
}
int lane_id() { return block_or_die().me().lin % 32; }
void* dynamic_shared() { return block_or_die().dyn(); }

void run_grid(dim3 grid, dim3 block, size_t smem, ThreadBody body) {
  check_launch(grid, block, smem);
  const int64_t nblocks = int64_t(grid.x) * grid.y * grid.z;
  const uint64_t s = seed();
  const int nthreads = int(std::min<int64_t>(os_threads(), nblocks));
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex mu;
  auto worker = [&] {
    static thread_local StackPool pool;
    gridDim = uint3{grid.x, grid.y, grid.z};
    blockDim = uint3{block.x, block.y, block.z};
    for (int64_t b; !failed && (b = next.fetch_add(1)) < nblocks;) {
      blockIdx = uint3{unsigned(b % grid.x), unsigned(b / grid.x % grid.y), unsigned(b / (int64_t(grid.x) * grid.y))};
      try {
        Block blk(pool, block, smem, s ? mix(s ^ mix(uint64_t(b))) : 0, body);
        blk.run();
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mu);
        if (!failed) {
          first_error = std::make_exception_ptr(
              SimError(std::string(e.what()) + " [block " + where(blockIdx) + "]"));
          failed = true;
        }
      }
    }
  };
  if (nthreads <= 1)
    worker();
  else
    helpers().run(nthreads, worker);
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace rf::sim
