#include "wasm/module.h"

namespace chorus::wasm {

const char* to_string(ValType t) {
  switch (t) {
    case ValType::kI32: return "i32";
    case ValType::kI64: return "i64";
    case ValType::kF32: return "f32";
    case ValType::kF64: return "f64";
    case ValType::kV128: return "v128";
    case ValType::kFuncRef: return "funcref";
    case ValType::kExternRef: return "externref";
  }
  return "?";
}

const char* to_string(ExternKind k) {
  switch (k) {
    case ExternKind::kFunc: return "function";
    case ExternKind::kTable: return "table";
    case ExternKind::kMemory: return "memory";
    case ExternKind::kGlobal: return "global";
  }
  return "?";
}

bool uses_simd(const Module& m) {
  auto v128 = [](const std::vector<ValType>& ts) {
    for (ValType t : ts) {
      if (t == ValType::kV128) return true;
    }
    return false;
  };
  for (const FuncType& t : m.types) {
    if (v128(t.params) || v128(t.results)) return true;
  }
  for (const Import& im : m.imports) {
    if (im.kind == ExternKind::kGlobal && im.global.type == ValType::kV128) return true;
  }
  for (const Global& g : m.globals) {
    if (g.type.type == ValType::kV128) return true;
  }
  for (const Function& f : m.functions) {
    if (f.info.uses_simd) return true;
    for (const LocalRun& r : f.locals) {
      if (r.type == ValType::kV128) return true;
    }
  }
  return false;
}

}  // namespace chorus::wasm
