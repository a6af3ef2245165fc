#include "wasm/decoder.h"

#include <string_view>

#include "wasm/reader.h"

namespace chorus::wasm {

namespace {

// Whether |op| starts an instruction of Wasm 2.0 or of a proposal we recognize (to refuse it).
bool is_known_opcode(uint8_t op) {
  return op <= 0x1C || op == 0x1F || (op >= 0x20 && op <= 0x26) || (op >= 0x28 && op <= 0xC4) ||
         (op >= 0xD0 && op <= 0xD6) || (op >= 0xFB && op <= 0xFE);
}

class Decoder {
 public:
  Decoder(Module& m, const DecodeOptions& options) : m_(m), options_(options) {}

  Status run();

 private:
  Status section(uint8_t id, Reader& in);
  Status type_section(Reader& in);
  Status import_section(Reader& in);
  Status function_section(Reader& in);
  Status table_section(Reader& in);
  Status memory_section(Reader& in);
  Status global_section(Reader& in);
  Status export_section(Reader& in);
  Status start_section(Reader& in);
  Status element_section(Reader& in);
  Status code_section(Reader& in);
  Status data_section(Reader& in);
  Status data_count_section(Reader& in);

  Result<Limits> limits(Reader& in, bool memory);
  Result<TableType> table_type(Reader& in);
  Result<MemoryType> memory_type(Reader& in);
  Result<GlobalType> global_type(Reader& in);
  Result<ConstExpr> const_expr(Reader& in);
  Result<ExternKind> extern_kind(Reader& in);

  Status import_desc(Reader& in, Import& im);  // the kind and type of an import
  void add_import(Import im);

  Module& m_;
  const DecodeOptions& options_;
  bool saw_code_ = false;
  bool saw_function_ = false;
  uint32_t function_count_ = 0;
};

// Section ids in the order the binary format requires them; 12 (data count) sits before 10 (code).
int section_rank(uint8_t id) {
  switch (id) {
    case 1: return 1;
    case 2: return 2;
    case 3: return 3;
    case 4: return 4;
    case 5: return 5;
    case 6: return 6;
    case 7: return 7;
    case 8: return 8;
    case 9: return 9;
    case 12: return 10;
    case 10: return 11;
    case 11: return 12;
    default: return -1;
  }
}

Status Decoder::run() {
  Reader in(ByteView(m_.bytes), 0);
  auto magic = in.bytes(4);
  if (!magic.ok() || !bytes_equal(*magic, as_bytes(std::string_view("\0asm", 4)))) {
    return malformed_error("magic header not detected", 0);
  }
  auto version = in.bytes(4);
  if (!version.ok()) return malformed_error("unexpected end (unknown binary version)", 4);
  if (!bytes_equal(*version, as_bytes(std::string_view("\1\0\0\0", 4)))) {
    return malformed_error("unknown binary version", 4);
  }
  int last_rank = 0;
  while (!in.at_end()) {
    size_t at = in.offset();
    CHORUS_ASSIGN_OR_RETURN(uint8_t id, in.u8());
    CHORUS_ASSIGN_OR_RETURN(uint32_t size, in.u32());
    if (size > in.remaining()) {
      return malformed_error("unexpected end: section size " + std::to_string(size) +
                                 " exceeds the bytes left (length out of bounds)",
                             at);
    }
    size_t body_at = in.offset();
    CHORUS_ASSIGN_OR_RETURN(ByteView body, in.bytes(size));
    Reader sec(body, body_at);
    if (id == 0) {
      if (m_.customs.size() >= kMaxCustomSections) {
        return malformed_error("too many custom sections", at);
      }
      CHORUS_ASSIGN_OR_RETURN(std::string name, sec.name());
      m_.customs.push_back(CustomSection{
          std::move(name),
          ByteRange{static_cast<uint32_t>(sec.offset()), static_cast<uint32_t>(sec.remaining())}});
      continue;
    }
    if (id == 13) return unsupported_error("exception handling", "a tag section");
    int rank = section_rank(id);
    if (rank < 0) return malformed_error("malformed section id " + std::to_string(id), at);
    if (rank <= last_rank) {
      return malformed_error("unexpected content after last section (section " +
                                 std::to_string(id) + " out of order or repeated)",
                             at);
    }
    last_rank = rank;
    CHORUS_RETURN_IF_ERROR(section(id, sec));
    if (!sec.at_end()) return malformed_error("section size mismatch", sec.offset());
  }
  if (saw_function_ && function_count_ > 0 && !saw_code_) {
    return malformed_error("function and code section have inconsistent lengths", in.offset());
  }
  if (m_.data_count && *m_.data_count != m_.data.size()) {
    return malformed_error("data count and data section have inconsistent lengths", in.offset());
  }
  return ok_status();
}

Status Decoder::section(uint8_t id, Reader& in) {
  switch (id) {
    case 1: return type_section(in);
    case 2: return import_section(in);
    case 3: return function_section(in);
    case 4: return table_section(in);
    case 5: return memory_section(in);
    case 6: return global_section(in);
    case 7: return export_section(in);
    case 8: return start_section(in);
    case 9: return element_section(in);
    case 10: return code_section(in);
    case 11: return data_section(in);
    case 12: return data_count_section(in);
    default: return malformed_error("malformed section id", in.offset());
  }
}

Status Decoder::type_section(Reader& in) {
  CHORUS_ASSIGN_OR_RETURN(uint32_t n, in.count(kMaxTypes, "types", 2));
  m_.types.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    size_t at = in.offset();
    CHORUS_ASSIGN_OR_RETURN(uint8_t form, in.u8());
    if (form == 0x4E || form == 0x4F || form == 0x50 || form == 0x5E || form == 0x5F) {
      return unsupported_error("GC", "a recursive, struct, array or subtype definition");
    }
    if (form != 0x60) return malformed_error("malformed function type form", at);
    FuncType t;
    CHORUS_ASSIGN_OR_RETURN(uint32_t np, in.count(kMaxParams, "parameters"));
    t.params.reserve(np);
    for (uint32_t j = 0; j < np; ++j) {
      CHORUS_ASSIGN_OR_RETURN(ValType v, read_val_type(in));
      t.params.push_back(v);
    }
    CHORUS_ASSIGN_OR_RETURN(uint32_t nr, in.count(kMaxResults, "results"));
    t.results.reserve(nr);
    for (uint32_t j = 0; j < nr; ++j) {
      CHORUS_ASSIGN_OR_RETURN(ValType v, read_val_type(in));
      t.results.push_back(v);
    }
    m_.types.push_back(std::move(t));
  }
  return ok_status();
}

Result<Limits> Decoder::limits(Reader& in, bool memory) {
  size_t at = in.offset();
  CHORUS_ASSIGN_OR_RETURN(uint8_t flags, in.u8());
  if (memory && (flags & 0x02) && flags <= 0x07) {
    return unsupported_error("threads", "a shared memory");
  }
  if (flags != 0x00 && flags != 0x01 && flags != 0x04 && flags != 0x05) {
    return malformed_error("malformed limits flags", at);
  }
  Limits l;
  l.is64 = flags & 0x04;
  if (l.is64) {
    CHORUS_ASSIGN_OR_RETURN(l.min, in.u64());
  } else {
    CHORUS_ASSIGN_OR_RETURN(l.min, in.u32());
  }
  if (flags & 0x01) {
    if (l.is64) {
      CHORUS_ASSIGN_OR_RETURN(uint64_t max, in.u64());
      l.max = max;
    } else {
      CHORUS_ASSIGN_OR_RETURN(uint64_t max, in.u32());
      l.max = max;
    }
  }
  return l;
}

Result<TableType> Decoder::table_type(Reader& in) {
  TableType t;
  CHORUS_ASSIGN_OR_RETURN(t.elem, read_ref_type(in));
  CHORUS_ASSIGN_OR_RETURN(t.limits, limits(in, false));
  return t;
}

Result<MemoryType> Decoder::memory_type(Reader& in) {
  MemoryType t;
  CHORUS_ASSIGN_OR_RETURN(t.limits, limits(in, true));
  return t;
}

Result<GlobalType> Decoder::global_type(Reader& in) {
  GlobalType t;
  CHORUS_ASSIGN_OR_RETURN(t.type, read_val_type(in));
  size_t at = in.offset();
  CHORUS_ASSIGN_OR_RETURN(uint8_t mut, in.u8());
  if (mut > 1) return malformed_error("malformed mutability", at);
  t.is_mutable = mut == 1;
  return t;
}

Result<ExternKind> Decoder::extern_kind(Reader& in) {
  size_t at = in.offset();
  CHORUS_ASSIGN_OR_RETURN(uint8_t k, in.u8());
  if (k <= 3) return static_cast<ExternKind>(k);
  if (k == 4) return unsupported_error("exception handling", "a tag import or export");
  return malformed_error("malformed import kind", at);
}

// Finds the extent of a constant expression. Only the instructions a constant expression may hold
// are decoded here; the validator types them. Any other instruction means the expression is not
// constant, which the spec counts as invalid rather than malformed.
Result<ConstExpr> Decoder::const_expr(Reader& in) {
  size_t start = in.offset();
  // Hostile input cannot make this loop long: every instruction consumes at least one byte.
  while (true) {
    size_t at = in.offset();
    CHORUS_ASSIGN_OR_RETURN(uint8_t op, in.u8());
    switch (op) {
      case 0x0B:
        return ConstExpr{
            ByteRange{static_cast<uint32_t>(start), static_cast<uint32_t>(in.offset() - start)}};
      case 0x41: CHORUS_RETURN_IF_ERROR(in.s32()); break;
      case 0x42: CHORUS_RETURN_IF_ERROR(in.s64()); break;
      case 0x43: CHORUS_RETURN_IF_ERROR(in.bytes(4)); break;
      case 0x44: CHORUS_RETURN_IF_ERROR(in.bytes(8)); break;
      case 0x23:
      case 0xD2: CHORUS_RETURN_IF_ERROR(in.u32()); break;
      case 0xD0: CHORUS_RETURN_IF_ERROR(read_heap_type(in)); break;
      case 0xFD: {
        CHORUS_ASSIGN_OR_RETURN(uint32_t sub, in.u32());
        if (sub != 0x0C) return invalid_error("constant expression required");
        CHORUS_RETURN_IF_ERROR(in.bytes(16));
        break;
      }
      case 0x6A:
      case 0x6B:
      case 0x6C:
      case 0x7C:
      case 0x7D:
      case 0x7E:
        return unsupported_error("extended constant expressions",
                                 "an arithmetic instruction in a constant expression");
      default:
        if (!is_known_opcode(op)) return malformed_error("illegal opcode", at);
        return invalid_error("constant expression required (opcode " + std::to_string(op) +
                             " is not constant)");
    }
  }
}

Status Decoder::import_desc(Reader& in, Import& im) {
  CHORUS_ASSIGN_OR_RETURN(im.kind, extern_kind(in));
  switch (im.kind) {
    case ExternKind::kFunc: {
      CHORUS_ASSIGN_OR_RETURN(im.func_type, in.u32());
      break;
    }
    case ExternKind::kTable: {
      CHORUS_ASSIGN_OR_RETURN(im.table, table_type(in));
      break;
    }
    case ExternKind::kMemory: {
      CHORUS_ASSIGN_OR_RETURN(im.memory, memory_type(in));
      break;
    }
    case ExternKind::kGlobal: {
      CHORUS_ASSIGN_OR_RETURN(im.global, global_type(in));
      break;
    }
  }
  return ok_status();
}

void Decoder::add_import(Import im) {
  switch (im.kind) {
    case ExternKind::kFunc: ++m_.imported_functions; break;
    case ExternKind::kTable: ++m_.imported_tables; break;
    case ExternKind::kMemory: ++m_.imported_memories; break;
    case ExternKind::kGlobal: ++m_.imported_globals; break;
  }
  m_.imports.push_back(std::move(im));
}

Status Decoder::import_section(Reader& in) {
  // The count is of imports, however they are grouped (as the suite's converter writes it).
  CHORUS_ASSIGN_OR_RETURN(uint32_t n, in.count(kMaxImports, "imports", 3));
  m_.imports.reserve(n);
  while (m_.imports.size() < n) {
    Import im;
    CHORUS_ASSIGN_OR_RETURN(im.module, in.name());
    CHORUS_ASSIGN_OR_RETURN(im.name, in.name());
    Reader probe = in;
    CHORUS_ASSIGN_OR_RETURN(uint8_t marker, probe.u8());
    if (im.name.empty() && (marker == 0x7F || marker == 0x7E)) {
      if (!options_.compact_imports) {
        return unsupported_error("compact import section", "a grouped import encoding");
      }
      in = probe;
      if (marker == 0x7E) {  // one type, then the names that share it
        CHORUS_RETURN_IF_ERROR(import_desc(in, im));
      }
      size_t at = in.offset();
      CHORUS_ASSIGN_OR_RETURN(uint32_t items, in.count(kMaxImports, "grouped imports"));
      if (items > n - m_.imports.size()) return malformed_error("too many grouped imports", at);
      for (uint32_t i = 0; i < items; ++i) {
        Import item = im;
        CHORUS_ASSIGN_OR_RETURN(item.name, in.name());
        if (marker == 0x7F) CHORUS_RETURN_IF_ERROR(import_desc(in, item));  // each its own type
        add_import(std::move(item));
      }
      continue;
    }
    CHORUS_RETURN_IF_ERROR(import_desc(in, im));
    add_import(std::move(im));
  }
  return ok_status();
}

Status Decoder::function_section(Reader& in) {
  saw_function_ = true;
  CHORUS_ASSIGN_OR_RETURN(uint32_t n, in.count(kMaxFunctions, "functions"));
  m_.functions.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    CHORUS_ASSIGN_OR_RETURN(m_.functions[i].type_index, in.u32());
  }
  function_count_ = n;
  return ok_status();
}

Status Decoder::table_section(Reader& in) {
  CHORUS_ASSIGN_OR_RETURN(uint32_t n, in.count(kMaxTables, "tables", 3));
  m_.tables.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    Reader probe = in;
    CHORUS_ASSIGN_OR_RETURN(uint8_t first, probe.u8());
    if (first == 0x40) {
      return unsupported_error("function references", "a table with an initializer expression");
    }
    CHORUS_ASSIGN_OR_RETURN(TableType t, table_type(in));
    m_.tables.push_back(Table{t});
  }
  return ok_status();
}

Status Decoder::memory_section(Reader& in) {
  CHORUS_ASSIGN_OR_RETURN(uint32_t n, in.count(kMaxMemories, "memories", 2));
  m_.memories.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    CHORUS_ASSIGN_OR_RETURN(MemoryType t, memory_type(in));
    m_.memories.push_back(Memory{t});
  }
  return ok_status();
}

Status Decoder::global_section(Reader& in) {
  CHORUS_ASSIGN_OR_RETURN(uint32_t n, in.count(kMaxGlobals, "globals", 3));
  m_.globals.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    Global g;
    CHORUS_ASSIGN_OR_RETURN(g.type, global_type(in));
    CHORUS_ASSIGN_OR_RETURN(g.init, const_expr(in));
    m_.globals.push_back(g);
  }
  return ok_status();
}

Status Decoder::export_section(Reader& in) {
  CHORUS_ASSIGN_OR_RETURN(uint32_t n, in.count(kMaxExports, "exports", 3));
  m_.exports.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    Export e;
    CHORUS_ASSIGN_OR_RETURN(e.name, in.name());
    CHORUS_ASSIGN_OR_RETURN(e.kind, extern_kind(in));
    CHORUS_ASSIGN_OR_RETURN(e.index, in.u32());
    m_.exports.push_back(std::move(e));
  }
  return ok_status();
}

Status Decoder::start_section(Reader& in) {
  CHORUS_ASSIGN_OR_RETURN(uint32_t f, in.u32());
  m_.start = f;
  return ok_status();
}

Status Decoder::element_section(Reader& in) {
  CHORUS_ASSIGN_OR_RETURN(uint32_t n, in.count(kMaxElemSegments, "element segments"));
  m_.elements.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    size_t at = in.offset();
    CHORUS_ASSIGN_OR_RETURN(uint32_t flags, in.u32());
    if (flags > 7) return malformed_error("malformed elements segment kind", at);
    ElemSegment s;
    bool passive_or_declarative = flags & 1;
    bool explicit_table = flags & 2;
    s.uses_exprs = flags & 4;
    if (passive_or_declarative) {
      s.mode = explicit_table ? SegmentMode::kDeclarative : SegmentMode::kPassive;
    } else {
      s.mode = SegmentMode::kActive;
      if (explicit_table) {
        CHORUS_ASSIGN_OR_RETURN(s.table, in.u32());
      }
      CHORUS_ASSIGN_OR_RETURN(s.offset, const_expr(in));
    }
    // Flags 0 and 4 imply funcref; the others name the element kind or type.
    if (flags != 0 && flags != 4) {
      if (s.uses_exprs) {
        CHORUS_ASSIGN_OR_RETURN(s.type, read_ref_type(in));
      } else {
        size_t kat = in.offset();
        CHORUS_ASSIGN_OR_RETURN(uint8_t kind, in.u8());
        if (kind != 0x00) return malformed_error("malformed element kind", kat);
        s.type = ValType::kFuncRef;
      }
    }
    CHORUS_ASSIGN_OR_RETURN(uint32_t count, in.count(kMaxElemSegmentSize, "elements"));
    if (s.uses_exprs) {
      s.exprs.reserve(count);
      for (uint32_t j = 0; j < count; ++j) {
        CHORUS_ASSIGN_OR_RETURN(ConstExpr e, const_expr(in));
        s.exprs.push_back(e);
      }
    } else {
      s.functions.reserve(count);
      for (uint32_t j = 0; j < count; ++j) {
        CHORUS_ASSIGN_OR_RETURN(uint32_t f, in.u32());
        s.functions.push_back(f);
      }
    }
    m_.elements.push_back(std::move(s));
  }
  return ok_status();
}

Status Decoder::code_section(Reader& in) {
  saw_code_ = true;
  size_t at = in.offset();
  CHORUS_ASSIGN_OR_RETURN(uint32_t n, in.count(kMaxFunctions, "function bodies", 2));
  if (n != function_count_) {
    return malformed_error("function and code section have inconsistent lengths", at);
  }
  for (uint32_t i = 0; i < n; ++i) {
    size_t size_at = in.offset();
    CHORUS_ASSIGN_OR_RETURN(uint32_t size, in.u32());
    if (size > kMaxBodySize) {
      return malformed_error("function body of " + std::to_string(size) +
                                 " bytes exceeds the limit of " + std::to_string(kMaxBodySize),
                             size_at);
    }
    size_t body_at = in.offset();
    auto body_bytes = in.bytes(size);
    if (!body_bytes.ok())
      return malformed_error("unexpected end (section or function body size mismatch)", size_at);
    Reader body(*body_bytes, body_at);
    Function& f = m_.functions[i];
    CHORUS_ASSIGN_OR_RETURN(uint32_t runs, body.count(kMaxLocals, "local declarations", 2));
    f.locals.reserve(runs);
    uint64_t total = 0;
    for (uint32_t j = 0; j < runs; ++j) {
      size_t run_at = body.offset();
      CHORUS_ASSIGN_OR_RETURN(uint32_t count, body.u32());
      total += count;
      if (total > kMaxLocals) {
        return malformed_error("too many locals (more than " + std::to_string(kMaxLocals) + ")",
                               run_at);
      }
      CHORUS_ASSIGN_OR_RETURN(ValType t, read_val_type(body));
      if (count > 0) f.locals.push_back(LocalRun{count, t});
    }
    f.body =
        ByteRange{static_cast<uint32_t>(body.offset()), static_cast<uint32_t>(body.remaining())};
  }
  return ok_status();
}

Status Decoder::data_section(Reader& in) {
  size_t at = in.offset();
  CHORUS_ASSIGN_OR_RETURN(uint32_t n, in.count(kMaxDataSegments, "data segments"));
  if (m_.data_count && *m_.data_count != n) {
    return malformed_error("data count and data section have inconsistent lengths", at);
  }
  m_.data.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    size_t fat = in.offset();
    CHORUS_ASSIGN_OR_RETURN(uint32_t flags, in.u32());
    DataSegment d;
    if (flags == 1) {
      d.mode = SegmentMode::kPassive;
    } else if (flags == 0 || flags == 2) {
      if (flags == 2) {
        CHORUS_ASSIGN_OR_RETURN(d.memory, in.u32());
      }
      CHORUS_ASSIGN_OR_RETURN(d.offset, const_expr(in));
    } else {
      return malformed_error("malformed data segment kind", fat);
    }
    size_t len_at = in.offset();
    CHORUS_ASSIGN_OR_RETURN(uint32_t len, in.u32());
    if (len > in.remaining())
      return malformed_error("unexpected end of section or function (data length out of bounds)",
                             len_at);
    d.init = ByteRange{static_cast<uint32_t>(in.offset()), len};
    CHORUS_RETURN_IF_ERROR(in.bytes(len));
    m_.data.push_back(d);
  }
  return ok_status();
}

Status Decoder::data_count_section(Reader& in) {
  CHORUS_ASSIGN_OR_RETURN(uint32_t n, in.u32());
  m_.data_count = n;
  return ok_status();
}

}  // namespace

Result<Module> decode(ByteView bytes, const DecodeOptions& options) {
  if (bytes.size() > kMaxModuleSize) {
    return malformed_error("module of " + std::to_string(bytes.size()) +
                               " bytes exceeds the limit of " + std::to_string(kMaxModuleSize),
                           0);
  }
  Module m;
  m.bytes.assign(bytes.begin(), bytes.end());
  Decoder d(m, options);
  CHORUS_RETURN_IF_ERROR(d.run());
  return m;
}

}  // namespace chorus::wasm
