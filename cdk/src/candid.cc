// The non-template half of chorus/candid.h: LEB128, the type table (built and parsed), skipping
// values, and the checks on untrusted bytes.
#include "chorus/candid.h"

namespace ic {

namespace {

uint32_t crc32(const uint8_t* p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
  }
  return ~c;
}

// Strict UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool valid_utf8(const uint8_t* p, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t b = p[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp;
    if ((b & 0xe0) == 0xc0) {
      len = 2;
      cp = b & 0x1f;
    } else if ((b & 0xf0) == 0xe0) {
      len = 3;
      cp = b & 0x0f;
    } else if ((b & 0xf8) == 0xf0) {
      len = 4;
      cp = b & 0x07;
    } else {
      return false;
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

}  // namespace

std::string Principal::to_text() const {
  Bytes data(4);
  uint32_t c = crc32(bytes.data(), bytes.size());
  for (int i = 0; i < 4; ++i) data[static_cast<size_t>(i)] = static_cast<uint8_t>(c >> (24 - 8 * i));
  data.insert(data.end(), bytes.begin(), bytes.end());
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::string b32;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : data) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      b32 += kAlphabet[(acc >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) b32 += kAlphabet[(acc << (5 - bits)) & 31];
  std::string out;
  for (size_t i = 0; i < b32.size(); ++i) {
    if (i > 0 && i % 5 == 0) out += '-';
    out += b32[i];
  }
  return out;
}

namespace candid {

void put_leb(Bytes& out, u128 v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out.push_back(v ? (b | 0x80) : b);
  } while (v);
}

void put_sleb(Bytes& out, i128 v) {
  for (;;) {
    uint8_t b = v & 0x7f;
    v >>= 7;  // arithmetic shift
    bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
    out.push_back(done ? b : (b | 0x80));
    if (done) return;
  }
}

int32_t TypeTable::find_or_reserve(const void* key, bool& is_new) {
  for (const auto& [k, i] : index_)
    if (k == key) {
      is_new = false;
      return i;
    }
  int32_t i = static_cast<int32_t>(entries_.size());
  entries_.emplace_back();
  index_.emplace_back(key, i);
  is_new = true;
  return i;
}

void TypeTable::write(Bytes& out) const {
  put_leb(out, entries_.size());
  for (const Bytes& e : entries_) out.insert(out.end(), e.begin(), e.end());
}

Bytes Encoder::finish() const {
  Bytes out = {'D', 'I', 'D', 'L'};
  table_.write(out);
  put_leb(out, args_.size());
  for (int32_t a : args_) put_sleb(out, a);
  out.insert(out.end(), values_.begin(), values_.end());
  return out;
}

Decoder::Decoder(const uint8_t* data, size_t size)
    : data_(data), size_(size), budget_(kBaseBudget + kBudgetPerByte * uint64_t{size}) {}

bool Decoder::fail(std::string message) {
  if (error_.empty()) error_ = std::move(message) + " (at byte " + std::to_string(pos_) + ")";
  return false;
}

bool Decoder::mismatch(int32_t wire, const char* expected) {
  return mismatch(std::string("expected ") + expected + ", got " + type_name(wire));
}

bool Decoder::mismatch(std::string message) {
  if (error_.empty()) type_error_ = true;
  return fail(std::move(message));
}

void Decoder::restore(Mark m) {
  pos_ = m.pos;
  depth_ = m.depth;
  error_.clear();
  type_error_ = false;
}

bool Decoder::charge(uint64_t n) {
  if (n > budget_) {
    budget_ = 0;
    return fail("message too costly to decode (too many values for its size)");
  }
  budget_ -= n;
  return true;
}

bool Decoder::enter() {
  if (++depth_ > kMaxDepth) return fail("values nested too deeply");
  return true;
}

bool Decoder::read_byte(uint8_t& b) {
  if (pos_ >= size_) return fail("unexpected end of message");
  b = data_[pos_++];
  return true;
}

bool Decoder::read_bytes(size_t n, const uint8_t*& p) {
  if (n > size_ - pos_) return fail("unexpected end of message");
  p = data_ + pos_;
  pos_ += n;
  return true;
}

// Redundant continuation bytes are valid LEB128; only bits beyond 128 that are not zero (or, for
// SLEB128, copies of the sign) make a number too large.
bool Decoder::read_leb(u128& v) {
  v = 0;
  uint8_t b = 0;
  for (int shift = 0;; shift += 7) {
    if (!read_byte(b)) return false;
    uint8_t bits = b & 0x7f;
    if (shift < 126) {
      v |= static_cast<u128>(bits) << shift;
    } else {
      uint8_t kept = shift == 126 ? (bits & 3) : 0;
      if ((bits >> (shift == 126 ? 2 : 0)) != 0) return fail("number too large (more than 128 bits)");
      v |= static_cast<u128>(kept) << 126;
    }
    if (!(b & 0x80)) return true;
    if (shift > 7 * 1024) return fail("LEB128 number too long");
  }
}

bool Decoder::read_sleb(i128& v) {
  u128 u = 0;
  uint8_t b = 0;
  int shift = 0;
  do {
    if (!read_byte(b)) return false;
    uint8_t bits = b & 0x7f;
    if (shift < 126) {
      u |= static_cast<u128>(bits) << shift;
    } else if (shift == 126) {
      u |= static_cast<u128>(bits & 3) << 126;
      uint8_t high = bits >> 1;  // bit 127 and the bits past it: all the sign
      if (high != 0 && high != 0x3f) return fail("number too large (more than 128 bits)");
    } else if (bits != ((u >> 127) ? 0x7f : 0)) {
      return fail("number too large (more than 128 bits)");
    }
    shift += 7;
    if (shift > 7 * 1024) return fail("LEB128 number too long");
  } while (b & 0x80);
  if (shift < 128 && (b & 0x40)) u |= ~static_cast<u128>(0) << shift;
  v = static_cast<i128>(u);
  return true;
}

bool Decoder::read_leb64(uint64_t& v) {
  u128 w = 0;
  if (!read_leb(w)) return false;
  if (w > UINT64_MAX) return fail("number too large (more than 64 bits)");
  v = static_cast<uint64_t>(w);
  return true;
}

bool Decoder::read_length(size_t& n) {
  uint64_t v = 0;
  if (!read_leb64(v)) return false;
  if (v > SIZE_MAX) return fail("length too large");
  n = static_cast<size_t>(v);
  return true;
}

bool Decoder::read_text(std::string& s) {
  size_t n = 0;
  const uint8_t* p;
  if (!read_length(n) || !charge(n / 16) || !read_bytes(n, p)) return false;
  if (!valid_utf8(p, n)) return fail("text is not valid UTF-8");
  s.assign(reinterpret_cast<const char*>(p), n);
  return true;
}

bool Decoder::read_principal(Principal& pr) {
  uint8_t flag = 0;
  if (!read_byte(flag)) return false;
  if (flag != 1) return fail(flag == 0 ? "opaque principal references are not supported"
                                       : "principal flag is not 1");
  size_t n = 0;
  const uint8_t* p;
  if (!read_length(n)) return false;
  if (n > 29) return fail("principal longer than 29 bytes");
  if (!read_bytes(n, p)) return false;
  pr.bytes.assign(p, p + n);
  return true;
}

bool Decoder::valid_ref(int64_t ref) const {
  if (ref >= 0) return static_cast<uint64_t>(ref) < table_.size();
  return (ref >= kEmpty && ref <= kNull) || ref == kPrincipal;
}

bool Decoder::read_header() {
  const uint8_t* magic;
  if (!read_bytes(4, magic) || std::memcmp(magic, "DIDL", 4) != 0)
    return fail("not a Candid message (no DIDL magic)");
  size_t n = 0;
  if (!read_length(n)) return false;
  if (n > size_ - pos_) return fail("type table longer than the message");
  table_.resize(n);
  auto read_ref = [&](int32_t& out) {
    i128 r = 0;
    if (!read_sleb(r)) return false;
    if (r < INT32_MIN || r > INT32_MAX) return fail("type reference out of range");
    out = static_cast<int32_t>(r);
    return true;
  };
  for (WireEntry& e : table_) {
    if (!charge() || !read_ref(e.op)) return false;
    switch (e.op) {
      case kOpt:
      case kVec:
        if (!read_ref(e.inner)) return false;
        break;
      case kRecord:
      case kVariant: {
        size_t count = 0;
        if (!read_length(count)) return false;
        if (count > size_ - pos_) return fail("more fields than bytes");
        for (size_t i = 0; i < count; ++i) {
          uint64_t id = 0;
          WireField f{};
          if (!charge() || !read_leb64(id) || !read_ref(f.type)) return false;
          if (id > UINT32_MAX) return fail("field id larger than 32 bits");
          f.id = static_cast<uint32_t>(id);
          if (!e.fields.empty() && f.id <= e.fields.back().id)
            return fail("field ids not strictly increasing");
          e.fields.push_back(f);
        }
        break;
      }
      case kFunc: {
        for (int part = 0; part < 2; ++part) {
          size_t count = 0;
          if (!read_length(count)) return false;
          if (count > size_ - pos_) return fail("more types than bytes");
          for (size_t i = 0; i < count; ++i) {
            WireField f{0, 0};
            if (!charge() || !read_ref(f.type)) return false;
            e.fields.push_back(f);
          }
        }
        size_t annotations = 0;
        if (!read_length(annotations)) return false;
        for (size_t i = 0; i < annotations; ++i) {
          uint8_t a = 0;
          if (!read_byte(a)) return false;
          if (a < 1 || a > 3) return fail("unknown func annotation");
        }
        break;
      }
      case kService: {
        size_t count = 0;
        if (!read_length(count)) return false;
        if (count > size_ - pos_) return fail("more methods than bytes");
        std::string previous;
        for (size_t i = 0; i < count; ++i) {
          std::string name;
          WireField f{1, 0};  // id 1 marks a method reference (must be a func)
          if (!charge() || !read_text(name) || !read_ref(f.type)) return false;
          if (i > 0 && name <= previous) return fail("service methods not in strictly increasing order");
          previous = std::move(name);
          e.fields.push_back(f);
        }
        break;
      }
      default:
        return fail("type table entry " + std::to_string(e.op) + " is not a constructed type");
    }
  }
  for (const WireEntry& e : table_) {
    if ((e.op == kOpt || e.op == kVec) && !valid_ref(e.inner)) return fail("type reference out of range");
    for (const WireField& f : e.fields) {
      if (!valid_ref(f.type)) return fail("type reference out of range");
      if (e.op == kService && op(f.type) != kFunc) return fail("service method is not a func");
    }
  }
  size_t args = 0;
  if (!read_length(args)) return false;
  if (args > size_ - pos_) return fail("more arguments than bytes");
  for (size_t i = 0; i < args; ++i) {
    int32_t r = 0;
    if (!read_ref(r)) return false;
    if (!valid_ref(r)) return fail("argument type out of range");
    args_.push_back(r);
  }
  return true;
}

std::string Decoder::type_name(int32_t type) const {
  static constexpr const char* kNames[] = {
      "null", "bool", "nat", "int", "nat8", "nat16", "nat32", "nat64", "int8", "int16", "int32",
      "int64", "float32", "float64", "text", "reserved", "empty", "opt", "vec", "record",
      "variant", "func", "service", "principal"};
  int32_t o = op(type);
  if (o >= kPrincipal && o <= kNull) return kNames[-o - 1];
  return "type " + std::to_string(o);
}

bool Decoder::skip(int32_t type) {
  if (!charge()) return false;
  const uint8_t* p;
  switch (op(type)) {
    case kNull:
    case kReserved:
      return true;
    case kEmpty:
      return fail("a value of type empty");
    case kBool: {
      uint8_t b = 0;
      if (!read_byte(b)) return false;
      return b <= 1 || fail("bool byte is not 0 or 1");
    }
    case kNat: {
      u128 v = 0;
      return read_leb(v);
    }
    case kInt: {
      i128 v = 0;
      return read_sleb(v);
    }
    case kNat8:
    case kInt8:
      return read_bytes(1, p);
    case kNat16:
    case kInt16:
      return read_bytes(2, p);
    case kNat32:
    case kInt32:
    case kFloat32:
      return read_bytes(4, p);
    case kNat64:
    case kInt64:
    case kFloat64:
      return read_bytes(8, p);
    case kText: {
      std::string s;
      return read_text(s);
    }
    case kPrincipal: {
      Principal pr;
      return read_principal(pr);
    }
    default:
      break;
  }
  const WireEntry& e = entry(type);
  if (!enter()) return false;
  bool ok = true;
  switch (e.op) {
    case kOpt: {
      uint8_t flag = 0;
      ok = read_byte(flag) && (flag <= 1 || fail("opt flag is not 0 or 1")) && (flag == 0 || skip(e.inner));
      break;
    }
    case kVec: {
      size_t n = 0;
      if (!read_length(n)) return false;
      int32_t o = op(e.inner);
      if (o == kNat8 || o == kInt8) {
        ok = charge(n / 16) && read_bytes(n, p);
      } else {
        for (size_t i = 0; ok && i < n; ++i) ok = skip(e.inner);
      }
      break;
    }
    case kRecord:
      for (const WireField& f : e.fields) {
        if (!(ok = skip(f.type))) break;
      }
      break;
    case kVariant: {
      uint64_t tag = 0;
      if (!read_leb64(tag)) return false;
      if (tag >= e.fields.size()) return fail("variant index out of range");
      ok = skip(e.fields[tag].type);
      break;
    }
    case kFunc: {
      uint8_t flag = 0;
      std::string method;
      Principal pr;
      ok = read_byte(flag) && (flag == 1 || fail("opaque func references are not supported")) &&
           read_principal(pr) && read_text(method);
      break;
    }
    case kService: {  // the same bytes as a principal
      Principal pr;
      ok = read_principal(pr);
      break;
    }
  }
  leave();
  return ok;
}

}  // namespace candid
}  // namespace ic
