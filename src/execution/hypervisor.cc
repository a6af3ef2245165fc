#include "execution/hypervisor.h"

#include "wasm/instance_state.h"

namespace chorus::execution {

struct Hypervisor::Live {
  std::shared_ptr<const CanisterModule> module;
  std::unique_ptr<wasm::Store> store;
  wasm::Instance* instance = nullptr;
  wasm::MemoryInst* memory = nullptr;  // null for a module without memory
  std::optional<wasm::LinearMemory> stable;
  SystemApi* current = nullptr;  // the execution in progress; host functions call into it
  std::vector<std::vector<uint64_t>> initial_tables;
  std::vector<ByteView> initial_data;
  std::vector<std::vector<uint64_t>> initial_elements;
  uint64_t last_used = 0;
};

Hypervisor::Hypervisor(HypervisorConfig config) : config_(config) {}
Hypervisor::~Hypervisor() = default;

wasm::Executor& Hypervisor::executor(wasm::ExecutorKind kind) {
  auto& e = executors_[kind];
  if (!e) e = wasm::make_executor(kind);
  return *e;
}

Result<std::shared_ptr<const CanisterModule>> Hypervisor::load_module(ByteView wasm,
                                                                      const ModuleLimits& limits) {
  // A module installed before is found by its hash, without decoding it again.
  CHORUS_ASSIGN_OR_RETURN(Bytes raw, decompress_module(wasm, limits));
  if (auto cached = modules_.find(sha256(raw))) return cached;
  CHORUS_ASSIGN_OR_RETURN(
      auto m, load_canister_module(raw, limits, [this](wasm::ExecutorKind k) -> wasm::Executor& {
        return executor(k);
      }));
  modules_.insert(m);
  return m;
}

Result<std::shared_ptr<const CanisterModule>> Hypervisor::module_of(const state::ExecutionState& exec) {
  if (auto cached = modules_.find(exec.binary_hash)) return cached;
  // A state loaded from a checkpoint: the module was valid when installed, so this only fails
  // if the limits changed since.
  return load_module(*exec.wasm_binary, ModuleLimits{});
}

Result<std::unique_ptr<Hypervisor::Live>> Hypervisor::make_live(
    std::shared_ptr<const CanisterModule> module, SystemApi* start_api, uint64_t instruction_limit,
    ExecutionOutcome* outcome, const wasm::Snapshot* keep_memory) {
  auto live = std::make_unique<Live>();
  Live* self = live.get();
  live->module = module;
  live->store = std::make_unique<wasm::Store>();
  live->store->set_memory_limits(module->wasm64 ? config_.max_wasm64_pages : config_.max_wasm32_pages,
                                 wasm::Reservation::kGuarded);
  auto stable = wasm::LinearMemory::create(0, config_.max_stable_pages, true,
                                           config_.max_stable_pages, wasm::Reservation::kCompact);
  if (!stable.ok()) return Error("cannot reserve stable memory: " + stable.error().message());
  live->stable.emplace(std::move(stable).value());

  std::map<std::string, wasm::FuncInst*, std::less<>> host;
  for (size_t index : module->ic0_imports) {
    std::string name(ic0_import(index).name);
    if (host.count(name)) continue;
    host[name] = live->store->add_host_function(
        ic0_type(index, module->wasm64),
        [self, index](wasm::Caller& caller, std::span<const uint64_t> args,
                      std::span<uint64_t> results) -> Status {
          if (self->current == nullptr) return Error("System API called outside an execution");
          return self->current->call(index, caller, args, results);
        });
  }
  wasm::ImportResolver resolver = [&](const wasm::Import& imp) -> Result<wasm::Extern> {
    auto it = host.find(imp.name);
    if (imp.module != "ic0" || it == host.end()) return Error("unknown import");
    wasm::Extern e;
    e.kind = wasm::ExternKind::kFunc;
    e.func = it->second;
    return e;
  };

  // The (start) function runs in context s; when an instance is only rebuilt for the cache, its
  // effects are overwritten by the state loaded right after, so a scratch API serves.
  std::optional<SystemApi> scratch;
  if (start_api == nullptr) {
    SystemApiInput in;
    in.type = ApiType::kStart;
    in.max_stable_memory_pages = config_.max_stable_pages;
    scratch.emplace(std::move(in), &*live->stable);
    start_api = &*scratch;
  }
  start_api->attach_stable_memory(&*live->stable);
  wasm::Executor& exec = executor(module->executor);
  wasm::ExecutionLimits limits;
  limits.instructions = instruction_limit;
  limits.call_depth = config_.max_call_depth;
  exec.set_limits(limits);
  live->current = start_api;
  std::function<Status(wasm::Instance&)> keep;
  if (keep_memory != nullptr) {
    keep = [keep_memory](wasm::Instance& inst) -> Status {
      if (inst.memories.empty()) return Error("the new module has no memory to keep the old Wasm memory in");
      Status s = inst.memories[0]->linear().restore(*keep_memory);
      if (!s.ok()) return Error("the kept Wasm memory does not fit the new module: " + s.error().message());
      return ok_status();
    };
  }
  auto inst = live->store->instantiate(module->module, module->code, resolver, exec, keep);
  live->current = nullptr;
  if (outcome) outcome->instructions = exec.instructions_used();
  if (!inst.ok()) {
    if (outcome) {
      outcome->failure = start_api->failure().value_or(
          inst.error().message() == wasm::kTrapInstructionLimit ? FailureKind::kInstructionLimit
                                                                : FailureKind::kTrapped);
    }
    return Error(inst.error().message());
  }
  live->instance = *inst;
  live->memory = live->instance->memories.empty() ? nullptr : live->instance->memories[0];
  for (const wasm::TableInst* t : live->instance->tables) live->initial_tables.push_back(t->elems);
  live->initial_data = live->instance->data;
  live->initial_elements = live->instance->elements;
  return live;
}

void Hypervisor::make_room() {
  while (live_.size() >= config_.max_live_instances && !live_.empty()) {
    auto oldest = live_.begin();
    for (auto it = live_.begin(); it != live_.end(); ++it) {
      if (it->second->last_used < oldest->second->last_used) oldest = it;
    }
    live_.erase(oldest);
  }
}

Result<Hypervisor::Live*> Hypervisor::live_for(const state::CanisterId& canister,
                                               const state::ExecutionState& exec) {
  auto it = live_.find(canister);
  if (it != live_.end() && it->second->module->binary_hash == exec.binary_hash) {
    it->second->last_used = ++clock_;
    return it->second.get();
  }
  CHORUS_ASSIGN_OR_RETURN(auto module, module_of(exec));
  CHORUS_ASSIGN_OR_RETURN(auto live, make_live(module, nullptr, ~uint64_t{0}, nullptr));
  live_.erase(canister);
  make_room();
  live->last_used = ++clock_;
  Live* raw = live.get();
  live_[canister] = std::move(live);
  return raw;
}

namespace {

std::vector<uint64_t> read_globals(const wasm::Instance& inst) {
  std::vector<uint64_t> g;
  g.reserve(inst.globals.size() * 2);
  for (const wasm::GlobalInst* gi : inst.globals) {
    g.push_back(gi->value);
    g.push_back(gi->value_hi);
  }
  return g;
}

ExecutionOutcome failed(std::string message, FailureKind kind = FailureKind::kTrapped) {
  ExecutionOutcome o;
  o.status = Error(std::move(message));
  o.failure = kind;
  return o;
}

}  // namespace

ExecutionOutcome Hypervisor::execute(const state::CanisterId& canister, state::ExecutionState& exec,
                                     const FuncRef& func, SystemApi& api,
                                     uint64_t instruction_limit, bool persist) {
  auto live_r = live_for(canister, exec);
  if (!live_r.ok()) return failed(live_r.error().message());
  Live& live = **live_r;
  wasm::Instance& inst = *live.instance;

  // Load the canister's state into the instance. Restoring the snapshot the instance already
  // holds costs only the pages written since (none after a committed execution).
  if (live.memory != nullptr) {
    Status s = live.memory->linear().restore(exec.wasm_memory);
    if (!s.ok()) return failed("cannot load the Wasm memory: " + s.error().message());
  }
  if (Status s = live.stable->restore(exec.stable_memory); !s.ok()) {
    return failed("cannot load the stable memory: " + s.error().message());
  }
  if (exec.globals.size() == inst.globals.size() * 2) {
    for (size_t i = 0; i < inst.globals.size(); ++i) {
      inst.globals[i]->value = exec.globals[2 * i];
      inst.globals[i]->value_hi = exec.globals[2 * i + 1];
    }
  }
  // Tables and segments are not persisted (as on the IC): every execution starts from the
  // module's own.
  for (size_t i = 0; i < inst.tables.size(); ++i) {
    if (inst.tables[i]->elems != live.initial_tables[i]) inst.tables[i]->elems = live.initial_tables[i];
  }
  // A segment changes only by being dropped (it becomes empty), so a size that differs names
  // every segment to put back, without copying the others each message.
  for (size_t i = 0; i < inst.data.size(); ++i) {
    if (inst.data[i].size() != live.initial_data[i].size()) inst.data[i] = live.initial_data[i];
  }
  for (size_t i = 0; i < inst.elements.size(); ++i) {
    if (inst.elements[i].size() != live.initial_elements[i].size()) inst.elements[i] = live.initial_elements[i];
  }

  wasm::FuncInst* target = nullptr;
  std::vector<wasm::Value> args;
  if (func.closure) {
    if (inst.tables.empty() || func.closure->func >= inst.tables[0]->elems.size()) {
      return failed("callback function " + std::to_string(func.closure->func) +
                    " is not in the canister's function table");
    }
    target = reinterpret_cast<wasm::FuncInst*>(inst.tables[0]->elems[func.closure->func]);
    const wasm::ValType addr = live.module->wasm64 ? wasm::ValType::kI64 : wasm::ValType::kI32;
    if (target == nullptr || target->type.params != std::vector<wasm::ValType>{addr} ||
        !target->type.results.empty()) {
      return failed("callback function " + std::to_string(func.closure->func) +
                    " has the wrong type (it must take the env word and return nothing)");
    }
    args.push_back(live.module->wasm64 ? wasm::Value::i64(func.closure->env)
                                       : wasm::Value::i32(static_cast<uint32_t>(func.closure->env)));
  } else {
    auto e = inst.find_export(func.export_name);
    if (!e || e->kind != wasm::ExternKind::kFunc) {
      return failed("the canister has no export '" + func.export_name + "'");
    }
    target = e->func;
  }

  auto tx = wasm::InstanceTransaction::begin(inst);
  if (!tx.ok()) return failed("cannot open a transaction: " + tx.error().message());
  if (Status s = live.stable->begin_transaction(); !s.ok()) {
    return failed("cannot open a stable-memory transaction: " + s.error().message());
  }

  wasm::Executor& exe = executor(live.module->executor);
  wasm::ExecutionLimits limits;
  limits.instructions = instruction_limit;
  limits.call_depth = config_.max_call_depth;
  exe.set_limits(limits);
  api.attach_stable_memory(&*live.stable);
  live.current = &api;
  auto r = exe.invoke(*target, args);
  live.current = nullptr;

  ExecutionOutcome out;
  out.instructions = exe.instructions_used();
  if (!r.ok()) {
    (void)tx->rollback();
    (void)live.stable->rollback();
    out.status = Error(r.error().message());
    out.failure = api.failure().value_or(r.error().message() == wasm::kTrapInstructionLimit
                                             ? FailureKind::kInstructionLimit
                                             : FailureKind::kTrapped);
    return out;
  }
  const uint64_t limit = api.input().wasm_memory_limit;
  if (persist && limit != 0 && live.memory != nullptr && live.memory->size() > limit) {
    (void)tx->rollback();
    (void)live.stable->rollback();
    out.status = Error("the Wasm memory grew to " + std::to_string(live.memory->size()) +
                       " bytes, past the canister's wasm_memory_limit of " + std::to_string(limit));
    out.failure = FailureKind::kOutOfMemory;
    return out;
  }
  if (!persist) {
    (void)tx->rollback();
    (void)live.stable->rollback();
    return out;
  }
  (void)tx->commit();
  (void)live.stable->commit();
  if (live.memory != nullptr) {
    auto snap = live.memory->linear().take_snapshot();
    if (!snap.ok()) return failed("cannot snapshot the Wasm memory: " + snap.error().message());
    exec.wasm_memory = std::move(snap).value();
    (void)live.memory->linear().clear_dirty();
  }
  auto stable_snap = live.stable->take_snapshot();
  if (!stable_snap.ok()) return failed("cannot snapshot stable memory: " + stable_snap.error().message());
  exec.stable_memory = std::move(stable_snap).value();
  (void)live.stable->clear_dirty();
  exec.globals = read_globals(inst);
  return out;
}

Result<state::ExecutionState> Hypervisor::instantiate(const state::CanisterId& canister,
                                                      std::shared_ptr<const CanisterModule> module,
                                                      const wasm::Snapshot& stable,
                                                      const wasm::Snapshot* keep_memory,
                                                      SystemApi& start_api,
                                                      uint64_t instruction_limit,
                                                      ExecutionOutcome* outcome) {
  ExecutionOutcome local;
  ExecutionOutcome* o = outcome ? outcome : &local;
  auto live_r = make_live(module, &start_api, instruction_limit, o, keep_memory);
  if (!live_r.ok()) {
    o->status = Error(live_r.error().message());
    return live_r.error();
  }
  std::unique_ptr<Live> live = std::move(live_r).value();
  if (Status s = live->stable->restore(stable); !s.ok()) {
    return Error("the stable memory does not fit: " + s.error().message());
  }
  state::ExecutionState exec;
  exec.wasm_binary = module->binary;
  exec.binary_hash = module->binary_hash;
  if (live->memory != nullptr) {
    CHORUS_ASSIGN_OR_RETURN(exec.wasm_memory, live->memory->linear().take_snapshot());
    (void)live->memory->linear().clear_dirty();
  }
  CHORUS_ASSIGN_OR_RETURN(exec.stable_memory, live->stable->take_snapshot());
  (void)live->stable->clear_dirty();
  exec.globals = read_globals(*live->instance);
  live_.erase(canister);
  make_room();
  live->last_used = ++clock_;
  live_[canister] = std::move(live);
  o->status = ok_status();
  return exec;
}

void Hypervisor::evict(const state::CanisterId& canister) { live_.erase(canister); }

}  // namespace chorus::execution
