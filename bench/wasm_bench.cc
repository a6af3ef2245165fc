// The Wasm engine on compute kernels (bench/wasm/*.c): each kernel's run(n) through src/wasm with
// metering on (a finite budget) and off (the unlimited default), the same C compiled natively,
// and the time to bring a 3 MB module from bytes to an instance. wasm_peer.mjs runs the same
// .wasm files in node (V8) and in wabt's wasm-interp; wasm_report.mjs prints the table.
//
// Cases: KERNEL/native, KERNEL/chorus_metered, KERNEL/chorus_unmetered (one run(n) each, n from
// the kernel's bench_n()), big/decode_validate, big/instantiate (from bytes to a ready instance:
// decode, validate, translate, instantiate) and big/instantiate_compiled (a new instance of the
// module compiled once, which is what a replica does per message: it compiles a canister's
// module when it is installed and keeps the result). Every result is checked against the native
// checksum; a mismatch ends the benchmark with an error, as its times would mean nothing.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "base/file.h"
#include "wasm/executors.h"
#include "wasm/runtime.h"
#include "wasm/validator.h"

// The native builds of the kernels (bench/CMakeLists.txt renames their exports).
#define CHORUS_NATIVE_KERNEL(k)          \
  extern "C" uint32_t k##_run(uint32_t); \
  extern "C" uint32_t k##_bench_n();     \
  extern "C" uint32_t k##_interp_n();    \
  extern "C" uint32_t k##_run_interp();
CHORUS_NATIVE_KERNEL(fib)
CHORUS_NATIVE_KERNEL(sha256)
CHORUS_NATIVE_KERNEL(matmul)
CHORUS_NATIVE_KERNEL(quicksort)
CHORUS_NATIVE_KERNEL(interp)
CHORUS_NATIVE_KERNEL(coremark)

namespace chorus::wasm {
namespace {

struct Kernel {
  const char* name;
  uint32_t (*native_run)(uint32_t);
  uint32_t (*bench_n)();
  uint32_t (*interp_n)();
  uint32_t (*native_run_interp)();
};

#define CHORUS_KERNEL(k) Kernel{#k, k##_run, k##_bench_n, k##_interp_n, k##_run_interp}
constexpr Kernel kKernels[] = {CHORUS_KERNEL(fib),       CHORUS_KERNEL(sha256),
                               CHORUS_KERNEL(matmul),    CHORUS_KERNEL(quicksort),
                               CHORUS_KERNEL(interp),    CHORUS_KERNEL(coremark)};

// "Metering on": a finite budget, far above what any kernel uses at its bench_n (the cost units
// per call are reported as a counter). "Off": code translated without any charge
// (ExecutionLimits::metering = false), so the difference is what metering costs.
constexpr uint64_t kMeteredBudget = 1'000'000'000'000;

std::string kernel_path(const std::string& file) {
  return std::string(CHORUS_WASM_KERNEL_DIR) + "/" + file;
}


[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "wasm_bench: %s\n", message.c_str());
  std::exit(1);
}

Result<Extern> no_imports(const Import& im) {
  return Error("unknown import " + im.module + "." + im.name);
}

// One module brought from bytes to an instance in its own store, with the interpreter that runs
// it.
struct Loaded {
  Store store;
  std::unique_ptr<Executor> executor;
  Instance* instance = nullptr;

  // The exported function |name|, or an error.
  Result<FuncInst*> function(const std::string& name) const {
    auto x = instance->find_export(name);
    if (!x || x->kind != ExternKind::kFunc) return Error("no exported function " + name);
    return x->func;
  }
  // Calls an exported function of type [i32] -> [i32] or [] -> [i32].
  Result<uint32_t> call(FuncInst* f, std::vector<Value> args) {
    CHORUS_ASSIGN_OR_RETURN(std::vector<Value> r, executor->invoke(*f, args));
    if (r.size() != 1) return Error("expected one result");
    return r[0].as_u32();
  }
};

Result<std::unique_ptr<Loaded>> load(ByteView bytes, ExecutorKind engine = ExecutorKind::kStack,
                                     bool metered = true) {
  CHORUS_ASSIGN_OR_RETURN(Module m, decode_and_validate(bytes));
  auto module = std::make_shared<const Module>(std::move(m));
  auto loaded = std::make_unique<Loaded>();
  ExecutionLimits limits;
  limits.metering = metered;
  if (metered) limits.instructions = kMeteredBudget;
  loaded->executor = make_executor(engine, limits);
  CHORUS_ASSIGN_OR_RETURN(loaded->instance,
                          loaded->store.instantiate(module, no_imports, *loaded->executor));
  return loaded;
}

Bytes must_read(const std::string& file) {
  auto bytes = read_file(kernel_path(file));
  if (!bytes.ok()) {
    die(bytes.error().message() + " (built by the wasm_kernels and wasm_big_module targets)");
  }
  return std::move(bytes).value();
}

void native(benchmark::State& state, const Kernel& k) {
  uint32_t n = k.bench_n();
  uint32_t expected = k.native_run(n);
  for (auto _ : state) {
    uint32_t r = k.native_run(n);
    benchmark::DoNotOptimize(r);
    if (r != expected) die(std::string(k.name) + ": native run is not deterministic");
  }
  state.counters["n"] = n;
}

void chorus(benchmark::State& state, const Kernel& k, ExecutorKind which, bool metered) {
  uint32_t n = k.bench_n();
  uint32_t expected = k.native_run(n);
  Bytes bytes = must_read(std::string(k.name) + ".wasm");
  auto loaded = load(bytes, which, metered);
  if (!loaded.ok()) die(std::string(k.name) + ".wasm: " + loaded.error().message());
  Loaded& engine = **loaded;
  auto run = engine.function("run");
  if (!run.ok()) die(std::string(k.name) + ".wasm: " + run.error().message());
  for (auto _ : state) {
    auto r = engine.call(*run, {Value::i32(n)});
    if (!r.ok()) die(std::string(k.name) + ": run(n) trapped: " + r.error().message());
    if (*r != expected) {
      die(std::string(k.name) + ": chorus computed " + std::to_string(*r) + ", native " +
          std::to_string(expected));
    }
  }
  state.counters["n"] = n;
  state.counters["cost_units"] = static_cast<double>(engine.executor->instructions_used());
}

// The 3 MB module: decoding and validation alone, or the whole way from bytes to an instance
// (segments applied) ready to run. Translation is not timed alone: repeated on its own it ran three
// times slower than the whole way (perf: page faults under malloc), a figure of the allocator
// rather than of the translator; the difference of the two cases is translation + instantiation.
enum class Stage { kDecodeValidate, kInstantiate, kInstantiateCompiled };

void big(benchmark::State& state, Stage stage, ExecutorKind which) {
  Bytes bytes = must_read("big.wasm");
  if (stage == Stage::kInstantiateCompiled) {
    auto m = decode_and_validate(bytes);
    if (!m.ok()) die("big.wasm: " + m.error().message());
    auto module = std::make_shared<const Module>(std::move(m).value());
    std::unique_ptr<Executor> executor = make_executor(which);
    auto code = compile(*module, *executor);
    if (!code.ok()) die("big.wasm: " + code.error().message());
    for (auto _ : state) {
      auto store = std::make_unique<Store>();
      auto inst = store->instantiate(module, *code, no_imports, *executor);
      if (!inst.ok()) die("big.wasm: " + inst.error().message());
      benchmark::DoNotOptimize(inst);
      state.PauseTiming();
      store.reset();
      state.ResumeTiming();
    }
    state.counters["bytes"] = static_cast<double>(bytes.size());
    return;
  }
  for (auto _ : state) {
    // Freeing the result is not part of the case; it happens with the timer paused.
    if (stage == Stage::kDecodeValidate) {
      auto m = decode_and_validate(bytes);
      if (!m.ok()) die("big.wasm: " + m.error().message());
      benchmark::DoNotOptimize(m);
      state.PauseTiming();
    } else {
      auto loaded = load(bytes, which);
      if (!loaded.ok()) die("big.wasm: " + loaded.error().message());
      benchmark::DoNotOptimize(loaded);
      state.PauseTiming();
    }
    state.ResumeTiming();
  }
  state.counters["bytes"] = static_cast<double>(bytes.size());
}

// Before any timing: every kernel gives the native checksum in our engine at a small n, where a
// wrong result is cheap to find (the timed runs check the full n).
void check_small_n() {
  for (const Kernel& k : kKernels) {
    Bytes bytes = must_read(std::string(k.name) + ".wasm");
    for (ExecutorKind which : {ExecutorKind::kStack, ExecutorKind::kRegister, ExecutorKind::kJit}) {
      auto loaded = load(bytes, which);
      if (!loaded.ok()) die(std::string(k.name) + ".wasm: " + loaded.error().message());
      auto run = (*loaded)->function("run");
      if (!run.ok()) die(std::string(k.name) + ".wasm: " + run.error().message());
      for (uint32_t n : {0u, 1u, 3u}) {
        auto r = (*loaded)->call(*run, {Value::i32(n)});
        if (!r.ok() || *r != k.native_run(n)) {
          die(std::string(k.name) + ": run(" + std::to_string(n) + ") differs from native");
        }
      }
    }
  }
}

// The JS peer runs the same modules: when CHORUS_BENCH_INPUTS names a folder, copy them there
// with kernels.json, which gives each kernel's n, the n baked into run_interp(), and the native
// checksums of both.
void write_inputs() {
  const char* dir = std::getenv("CHORUS_BENCH_INPUTS");
  if (dir == nullptr) return;
  auto write = [&](const std::string& name, ByteView b) {
    std::ofstream(std::string(dir) + "/" + name, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  };
  std::string json = "{\"kernels\": [";
  for (const Kernel& k : kKernels) {
    write(std::string(k.name) + ".wasm", must_read(std::string(k.name) + ".wasm"));
    uint32_t n = k.bench_n();
    if (&k != kKernels) json += ", ";
    json += "{\"name\": \"" + std::string(k.name) + "\", \"file\": \"" + k.name +
            ".wasm\", \"n\": " + std::to_string(n) +
            ", \"interp_n\": " + std::to_string(k.interp_n()) +
            ", \"checksum\": " + std::to_string(k.native_run(n)) +
            ", \"interp_checksum\": " + std::to_string(k.native_run_interp()) + "}";
  }
  Bytes big_bytes = must_read("big.wasm");
  write("big.wasm", big_bytes);
  json += "], \"big\": {\"file\": \"big.wasm\", \"bytes\": " + std::to_string(big_bytes.size()) +
          "}}\n";
  write("kernels.json", as_bytes(json));
}

void register_all() {
  for (const Kernel& k : kKernels) {
    std::string name = k.name;
    benchmark::RegisterBenchmark((name + "/native").c_str(), native, k)
        ->Unit(benchmark::kMillisecond);
    // KERNEL/chorus_[register_|jit_](un)metered; the stack interpreter's names carry no executor.
    for (ExecutorKind which : {ExecutorKind::kStack, ExecutorKind::kRegister, ExecutorKind::kJit}) {
      for (bool metered : {true, false}) {
        std::string case_name = name + "/chorus_" +
                                (which == ExecutorKind::kRegister ? "register_"
                                 : which == ExecutorKind::kJit    ? "jit_"
                                                                  : "") +
                                (metered ? "metered" : "unmetered");
        benchmark::RegisterBenchmark(case_name.c_str(), chorus, k, which, metered)
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
  benchmark::RegisterBenchmark("big/decode_validate", big, Stage::kDecodeValidate,
                               ExecutorKind::kStack)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("big/instantiate", big, Stage::kInstantiate,
                               ExecutorKind::kStack)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("big/instantiate_compiled", big, Stage::kInstantiateCompiled,
                               ExecutorKind::kStack)
      ->Unit(benchmark::kMillisecond);
  // The same from bytes with the JIT: register translation plus machine code for every function.
  benchmark::RegisterBenchmark("big/instantiate_jit", big, Stage::kInstantiate,
                               ExecutorKind::kJit)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("big/instantiate_compiled_jit", big, Stage::kInstantiateCompiled,
                               ExecutorKind::kJit)
      ->Unit(benchmark::kMillisecond);
}

}  // namespace
}  // namespace chorus::wasm

int main(int argc, char** argv) {
  chorus::wasm::check_small_n();
  chorus::wasm::write_inputs();
  chorus::wasm::register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
