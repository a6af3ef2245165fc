#include "wasm/fuzz_exec.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "wasm/validator.h"

namespace chorus::wasm {

namespace {

// JS cannot pass or receive a v128, so V8's side of the harness cannot call such an export.
bool uses_v128(const FuncType& t) {
  auto is_v128 = [](ValType v) { return v == ValType::kV128; };
  return std::any_of(t.params.begin(), t.params.end(), is_v128) ||
         std::any_of(t.results.begin(), t.results.end(), is_v128);
}

bool is_logger(const Import& im, const Module& m) {
  if (im.kind != ExternKind::kFunc || im.module != kFuzzLogModule) return false;
  return im.name.starts_with("log") && m.types[im.func_type].results.empty();
}

}  // namespace

std::string fuzz_value_text(const Value& v) {
  char buf[64];
  switch (v.type) {
    case ValType::kI32:
      std::snprintf(buf, sizeof buf, "i32:%" PRId32, static_cast<int32_t>(v.bits));
      break;
    case ValType::kI64:
      std::snprintf(buf, sizeof buf, "i64:%" PRId64, static_cast<int64_t>(v.bits));
      break;
    case ValType::kF32: {
      uint32_t b = static_cast<uint32_t>(v.bits);
      float f;
      std::memcpy(&f, &b, 4);
      if (std::isnan(f)) return "f32:nan";
      std::snprintf(buf, sizeof buf, "f32:0x%08" PRIx32, b);
      break;
    }
    case ValType::kF64: {
      double d;
      std::memcpy(&d, &v.bits, 8);
      if (std::isnan(d)) return "f64:nan";
      std::snprintf(buf, sizeof buf, "f64:0x%016" PRIx64, v.bits);
      break;
    }
    case ValType::kFuncRef:
      return v.bits == 0 ? "funcref:null" : "funcref:ref";
    case ValType::kExternRef:
      return v.bits == 0 ? "externref:null" : "externref:ref";
    default:
      // v128 values do not fit in a Value yet; the harness runs with SIMD off until they do.
      return "v128:?";
  }
  return buf;
}

std::string fuzz_trap_category(std::string_view message) {
  if (message == kTrapUnreachable) return "unreachable";
  if (message == kTrapDivideByZero) return "div-by-zero";
  // V8 says "float unrepresentable in integer range" both where the spec says "integer overflow"
  // (a truncation out of range) and "invalid conversion to integer" (of a NaN), so the two are one.
  if (message == kTrapIntegerOverflow || message == kTrapInvalidConversion) return "overflow";
  if (message == kTrapMemoryOutOfBounds) return "memory";
  if (message == kTrapTableOutOfBounds || message == kTrapUndefinedElement ||
      message == kTrapUninitializedElement || message == kTrapIndirectCallType) {
    return "table";
  }
  if (message == kTrapCallStackExhausted || message == kTrapInstructionLimit) return "";
  if (message == kFuzzV128ToJs) return "v128-to-js";
  return "other:" + std::string(message);
}

std::string fuzz_exec(ByteView bytes, const FuzzExecOptions& options) {
  auto decoded = decode_and_validate(bytes);
  if (!decoded.ok()) return "invalid\n";
  auto module = std::make_shared<const Module>(std::move(decoded).value());

  std::string out;
  Store store;
  ExecutionLimits limits;
  limits.instructions = options.instructions_per_call;
  std::unique_ptr<Executor> executor = make_executor(options.executor, limits);
  Executor& interpreter = *executor;
  bool link_error = false;
  auto imports = [&](const Import& im) -> Result<Extern> {
    if (!is_logger(im, *module)) {
      link_error = true;
      return Error("unknown import " + im.module + "." + im.name);
    }
    FuncType type = module->types[im.func_type];
    HostFunction log = [&out, params = type.params](Caller&, std::span<const uint64_t> args,
                                                    std::span<uint64_t>) -> Status {
      // V8 cannot hand a v128 to JS and throws instead: binaryen's log-v128 ends the export.
      if (std::find(params.begin(), params.end(), ValType::kV128) != params.end()) {
        return Error(kFuzzV128ToJs);
      }
      out += "log";
      for (size_t i = 0; i < params.size(); ++i) {
        out += ' ';
        out += fuzz_value_text(Value{params[i], args[i]});
      }
      out += '\n';
      return ok_status();
    };
    Extern x;
    x.func = store.add_host_function(std::move(type), std::move(log));
    return x;
  };
  auto inst = store.instantiate(module, imports, interpreter);
  if (!inst.ok()) {
    const std::string& message = inst.error().message();
    if (link_error || message.starts_with("incompatible import type")) {
      return out + "instantiate link-error\n";
    }
    std::string category = fuzz_trap_category(message);
    if (category.empty()) return out + "inconclusive " + message + "\n";
    return out + "instantiate trap " + category + "\n";
  }
  out += "instantiate ok\n";

  std::optional<Extern> reset = (*inst)->find_export(kHangLimitInitializer);
  if (reset && reset->kind != ExternKind::kFunc) reset.reset();
  for (const Export& e : module->exports) {
    if (e.kind != ExternKind::kFunc) continue;
    FuncInst& f = *(*inst)->funcs[e.index];
    if (uses_v128(f.type)) continue;
    if (reset && !reset->func->type.params.empty()) reset.reset();
    if (reset) {
      auto r = interpreter.invoke(*reset->func, {});
      if (!r.ok()) return out + "inconclusive " + kHangLimitInitializer + " failed\n";
    }
    out += "call " + e.name + "\n";
    std::vector<Value> args;
    for (ValType t : f.type.params) args.push_back(Value{t, 0});
    auto r = interpreter.invoke(f, args);
    if (!r.ok()) {
      std::string category = fuzz_trap_category(r.error().message());
      if (category.empty()) return out + "inconclusive " + r.error().message() + "\n";
      out += "trap " + category + "\n";
      continue;
    }
    out += "=>";
    for (const Value& v : *r) out += " " + fuzz_value_text(v);
    out += '\n';
  }
  return out;
}

}  // namespace chorus::wasm
