#include "encoding/cbor.h"

#include <cbor.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <optional>

#include "base/hex.h"
#include "base/utf8.h"

namespace chorus::cbor {

std::string_view type_name(Type type) {
  switch (type) {
    case Type::kUnsigned: return "unsigned integer";
    case Type::kNegative: return "negative integer";
    case Type::kBytes: return "bytes";
    case Type::kText: return "text";
    case Type::kArray: return "array";
    case Type::kMap: return "map";
    case Type::kTag: return "tag";
    case Type::kBool: return "bool";
    case Type::kNull: return "null";
    case Type::kUndefined: return "undefined";
    case Type::kFloat: return "float";
  }
  return "unknown";
}

Value Value::tag(uint64_t tag, Value inner) {
  Array content;
  content.push_back(std::move(inner));
  Value v(Type::kTag, std::move(content));
  v.tag_ = tag;
  return v;
}

namespace {
Error type_error(std::string_view what, std::string_view expected, Type found) {
  return Error("expected " + std::string(expected) + " for '" + std::string(what) + "', found " +
               std::string(type_name(found)));
}
}  // namespace

Result<uint64_t> Value::as_uint(std::string_view what) const {
  if (type_ != Type::kUnsigned) return type_error(what, "unsigned integer", type_);
  return uint_value();
}

Result<BigInt> Value::as_nat(std::string_view what) const {
  if (type_ == Type::kUnsigned) return BigInt::from_u64(uint_value());
  if (type_ == Type::kTag && tag_ == 2 && tagged_value().is(Type::kBytes)) {
    const Bytes& be = tagged_value().bytes_value();
    std::vector<uint32_t> limbs((be.size() + 3) / 4, 0);
    for (size_t i = 0; i < be.size(); ++i) {
      size_t bit = 8 * (be.size() - 1 - i);
      limbs[bit / 32] |= static_cast<uint32_t>(be[i]) << (bit % 32);
    }
    return BigInt::from_limbs(std::move(limbs), false);
  }
  return type_error(what, "natural number", type_);
}

Result<ByteView> Value::as_bytes(std::string_view what) const {
  if (type_ != Type::kBytes) return type_error(what, "bytes", type_);
  return ByteView(bytes_value());
}

Result<std::string_view> Value::as_text(std::string_view what) const {
  if (type_ != Type::kText) return type_error(what, "text", type_);
  return std::string_view(text_value());
}

Result<const Array*> Value::as_array(std::string_view what) const {
  if (type_ != Type::kArray) return type_error(what, "array", type_);
  return &array_value();
}

Result<const Map*> Value::as_map(std::string_view what) const {
  if (type_ != Type::kMap) return type_error(what, "map", type_);
  return &map_value();
}

const Value* Value::find(std::string_view key) const {
  if (type_ != Type::kMap) return nullptr;
  for (const auto& [k, v] : map_value()) {
    if (k.type_ == Type::kText && k.text_value() == key) return &v;
  }
  return nullptr;
}

const Value& Value::without_self_describe() const {
  const Value* v = this;
  while (v->type_ == Type::kTag && v->tag_ == kSelfDescribeTag) v = &v->tagged_value();
  return *v;
}

// ---------------------------------------------------------------------------------------------
// Decoding: libcbor reports one data item per cbor_stream_decode() call; the Builder assembles
// them on an explicit stack, so nesting costs heap bounded by max_depth, never native stack.
namespace {

struct Frame {
  Type type;  // kArray, kMap, kTag, or kBytes/kText for an indefinite-length string
  bool indefinite = false;
  uint64_t remaining = 0;  // items still expected, for definite lengths (2 per map entry)
  uint64_t tag = 0;
  Array items;
  std::string chunks;  // the pieces of an indefinite-length string
};

Bytes encode_key(const Value& v);

class Builder {
 public:
  Builder(const DecodeLimits& limits, size_t input_size)
      : limits_(limits), input_size_(input_size) {}

  bool failed() const { return error_.has_value(); }
  bool done() const { return root_.has_value(); }
  const std::string& error() const { return *error_; }
  Value take_root() { return std::move(*root_); }
  void set_position(size_t pos) { pos_ = pos; }

  void fail(std::string message) {
    if (!error_) error_ = std::move(message) + " at offset " + std::to_string(pos_);
  }

  void item(Value v) {
    if (!count_item()) return;
    if (!stack_.empty() && (stack_.back().type == Type::kBytes || stack_.back().type == Type::kText)) {
      return fail("indefinite-length string contains a " + std::string(type_name(v.type())));
    }
    deliver(std::move(v));
  }

  void string_item(Type type, cbor_data data, size_t len) {
    std::string_view s(reinterpret_cast<const char*>(data), len);
    if (type == Type::kText) {
      if (auto bad = find_invalid_utf8(s)) {
        return fail("text is not valid UTF-8 (byte " + std::to_string(*bad) + " of the string)");
      }
    }
    if (!stack_.empty() && stack_.back().indefinite &&
        (stack_.back().type == Type::kBytes || stack_.back().type == Type::kText)) {
      if (stack_.back().type != type) {
        return fail("indefinite-length string has a chunk of another type");
      }
      stack_.back().chunks.append(s);
      return;
    }
    if (type == Type::kText) {
      item(Value::text(std::string(s)));
    } else {
      item(Value::bytes(Bytes(data, data + len)));
    }
  }

  void open(Type type, bool indefinite, uint64_t items, uint64_t tag = 0) {
    if (!count_item()) return;
    if (!stack_.empty() && (stack_.back().type == Type::kBytes || stack_.back().type == Type::kText)) {
      return fail("indefinite-length string contains a " + std::string(type_name(type)));
    }
    if (stack_.size() + 1 > limits_.max_depth) {
      return fail("nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
    }
    if (!indefinite && items > input_size_ - pos_) {
      // Every item takes at least one byte: the declared count cannot be honest.
      return fail(std::string(type_name(type)) + " declares " + std::to_string(items) +
                  " items but only " + std::to_string(input_size_ - pos_) + " bytes remain");
    }
    Frame f;
    f.type = type;
    f.indefinite = indefinite;
    f.remaining = items;
    f.tag = tag;
    stack_.push_back(std::move(f));
    if (!indefinite && items == 0) close();
  }

  void brk() {
    if (stack_.empty() || !stack_.back().indefinite) return fail("unexpected break");
    if (stack_.back().type == Type::kMap && stack_.back().items.size() % 2 != 0) {
      return fail("indefinite-length map has a key without a value");
    }
    close();
  }

 private:
  bool count_item() {
    if (++items_ > limits_.max_items) {
      fail("more than " + std::to_string(limits_.max_items) + " data items");
      return false;
    }
    return true;
  }

  void deliver(Value v) {
    if (failed()) return;
    if (stack_.empty()) {
      root_ = std::move(v);
      return;
    }
    Frame& top = stack_.back();
    top.items.push_back(std::move(v));
    if (!top.indefinite && --top.remaining == 0) close();
  }

  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    switch (f.type) {
      case Type::kArray:
        return deliver(Value::array(std::move(f.items)));
      case Type::kTag:
        return deliver(Value::tag(f.tag, std::move(f.items[0])));
      case Type::kBytes:
        return deliver(Value::bytes(Bytes(f.chunks.begin(), f.chunks.end())));
      case Type::kText:
        return deliver(Value::text(std::move(f.chunks)));
      case Type::kMap: {
        Map m;
        m.reserve(f.items.size() / 2);
        std::vector<Bytes> keys;
        keys.reserve(f.items.size() / 2);
        for (size_t i = 0; i + 1 < f.items.size(); i += 2) {
          keys.push_back(encode_key(f.items[i]));
          m.emplace_back(std::move(f.items[i]), std::move(f.items[i + 1]));
        }
        std::sort(keys.begin(), keys.end());
        if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) {
          return fail("map has a duplicate key");
        }
        return deliver(Value::map(std::move(m)));
      }
      default:
        return fail("internal: bad frame");
    }
  }

  const DecodeLimits& limits_;
  size_t input_size_;
  size_t pos_ = 0;
  size_t items_ = 0;
  std::vector<Frame> stack_;
  std::optional<Value> root_;
  std::optional<std::string> error_;
};

Builder& B(void* ctx) { return *static_cast<Builder*>(ctx); }

const cbor_callbacks kCallbacks = [] {
  cbor_callbacks cb{};
  cb.uint8 = [](void* c, uint8_t v) { B(c).item(Value::uint(v)); };
  cb.uint16 = [](void* c, uint16_t v) { B(c).item(Value::uint(v)); };
  cb.uint32 = [](void* c, uint32_t v) { B(c).item(Value::uint(v)); };
  cb.uint64 = [](void* c, uint64_t v) { B(c).item(Value::uint(v)); };
  cb.negint8 = [](void* c, uint8_t v) { B(c).item(Value::negative(v)); };
  cb.negint16 = [](void* c, uint16_t v) { B(c).item(Value::negative(v)); };
  cb.negint32 = [](void* c, uint32_t v) { B(c).item(Value::negative(v)); };
  cb.negint64 = [](void* c, uint64_t v) { B(c).item(Value::negative(v)); };
  cb.byte_string = [](void* c, cbor_data d, size_t n) {
    B(c).string_item(Type::kBytes, d, n);
  };
  cb.byte_string_start = [](void* c) { B(c).open(Type::kBytes, true, 0); };
  cb.string = [](void* c, cbor_data d, size_t n) { B(c).string_item(Type::kText, d, n); };
  cb.string_start = [](void* c) { B(c).open(Type::kText, true, 0); };
  cb.array_start = [](void* c, size_t n) { B(c).open(Type::kArray, false, n); };
  cb.indef_array_start = [](void* c) { B(c).open(Type::kArray, true, 0); };
  cb.map_start = [](void* c, size_t n) {
    if (n > UINT64_MAX / 2) return B(c).fail("map size overflows");
    B(c).open(Type::kMap, false, 2 * n);
  };
  cb.indef_map_start = [](void* c) { B(c).open(Type::kMap, true, 0); };
  cb.tag = [](void* c, uint64_t t) { B(c).open(Type::kTag, false, 1, t); };
  cb.float2 = [](void* c, float f) { B(c).item(Value::floating(f)); };
  cb.float4 = [](void* c, float f) { B(c).item(Value::floating(f)); };
  cb.float8 = [](void* c, double d) { B(c).item(Value::floating(d)); };
  cb.undefined = [](void* c) { B(c).item(Value::undefined()); };
  cb.null = [](void* c) { B(c).item(Value::null()); };
  cb.boolean = [](void* c, bool b) { B(c).item(Value::boolean(b)); };
  cb.indef_break = [](void* c) { B(c).brk(); };
  return cb;
}();

}  // namespace

Result<Value> decode(ByteView data, const DecodeLimits& limits) {
  if (data.size() > limits.max_bytes) {
    return Error("CBOR input of " + std::to_string(data.size()) + " bytes exceeds the limit of " +
                 std::to_string(limits.max_bytes));
  }
  if (data.empty()) return Error("CBOR input is empty");
  Builder builder(limits, data.size());
  size_t pos = 0;
  while (!builder.done() && !builder.failed()) {
    if (pos >= data.size()) {
      return Error("CBOR input ends inside an unfinished array, map, tag or string");
    }
    builder.set_position(pos);
    // libcbor 0.8 refuses the one-byte heads of tags 6 to 20 (0xc6-0xd4), which are well-formed
    // CBOR and which our own encoder emits for those tag numbers; read them here.
    if (data[pos] >= 0xc6 && data[pos] <= 0xd4) {
      builder.open(Type::kTag, false, 1, data[pos] - 0xc0u);
      pos += 1;
      continue;
    }
    cbor_decoder_result r = cbor_stream_decode(data.data() + pos, data.size() - pos, &kCallbacks,
                                               &builder);
    if (r.status == CBOR_DECODER_NEDATA) {
      return Error("CBOR input is truncated: the item at offset " + std::to_string(pos) +
                   " needs " + std::to_string(r.required) + " bytes, " +
                   std::to_string(data.size() - pos) + " remain");
    }
    if (r.status == CBOR_DECODER_ERROR || r.read == 0) {
      return Error("malformed CBOR at offset " + std::to_string(pos) +
                   " (reserved or unsupported initial byte 0x" + to_hex(data.subspan(pos, 1)) +
                   ")");
    }
    pos += r.read;
  }
  if (builder.failed()) return Error("invalid CBOR: " + builder.error());
  if (pos != data.size()) {
    return Error("trailing bytes after the CBOR item: " + std::to_string(data.size() - pos) +
                 " bytes at offset " + std::to_string(pos));
  }
  return builder.take_root();
}

// ---------------------------------------------------------------------------------------------
// Encoding.
namespace {

template <size_t (*F)(uint64_t, unsigned char*, size_t)>
void head(Bytes& out, uint64_t v) {
  unsigned char buf[9];
  size_t n = F(v, buf, sizeof buf);
  out.insert(out.end(), buf, buf + n);
}
size_t enc_uint(uint64_t v, unsigned char* b, size_t n) { return cbor_encode_uint(v, b, n); }
size_t enc_negint(uint64_t v, unsigned char* b, size_t n) { return cbor_encode_negint(v, b, n); }
size_t enc_bytes(uint64_t v, unsigned char* b, size_t n) {
  return cbor_encode_bytestring_start(v, b, n);
}
size_t enc_text(uint64_t v, unsigned char* b, size_t n) { return cbor_encode_string_start(v, b, n); }
size_t enc_array(uint64_t v, unsigned char* b, size_t n) { return cbor_encode_array_start(v, b, n); }
size_t enc_map(uint64_t v, unsigned char* b, size_t n) { return cbor_encode_map_start(v, b, n); }
size_t enc_tag(uint64_t v, unsigned char* b, size_t n) { return cbor_encode_tag(v, b, n); }

// The half-precision bits of |f| when the conversion is exact.
std::optional<uint16_t> exact_half(float f) {
  uint32_t bits = std::bit_cast<uint32_t>(f);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  int exp = static_cast<int>((bits >> 23) & 0xff) - 127;
  uint32_t mant = bits & 0x7fffff;
  if ((bits & 0x7fffffff) == 0) return sign;
  if (exp == 128) return mant == 0 ? std::optional<uint16_t>(sign | 0x7c00) : std::nullopt;
  if (exp >= -14 && exp <= 15) {
    if ((mant & 0x1fff) != 0) return std::nullopt;
    return static_cast<uint16_t>(sign | ((exp + 15) << 10) | (mant >> 13));
  }
  if (exp < -14 && exp >= -24) {  // a half-precision subnormal: m * 2^-24
    uint32_t full = mant | 0x800000;
    int shift = -1 - exp;
    if ((full & ((1u << shift) - 1)) != 0) return std::nullopt;
    return static_cast<uint16_t>(sign | (full >> shift));
  }
  return std::nullopt;
}

void encode_float(Bytes& out, double d) {
  if (std::isnan(d)) {  // one canonical NaN, as RFC 8949 §4.2.2 suggests
    out.insert(out.end(), {0xf9, 0x7e, 0x00});
    return;
  }
  float f = static_cast<float>(d);
  if (static_cast<double>(f) == d) {
    if (auto h = exact_half(f)) {
      out.insert(out.end(), {0xf9, static_cast<uint8_t>(*h >> 8), static_cast<uint8_t>(*h)});
      return;
    }
    uint32_t b = std::bit_cast<uint32_t>(f);
    out.push_back(0xfa);
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<uint8_t>(b >> (8 * i)));
    return;
  }
  uint64_t b = std::bit_cast<uint64_t>(d);
  out.push_back(0xfb);
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<uint8_t>(b >> (8 * i)));
}

void encode_into(Bytes& out, const Value& v) {
  switch (v.type()) {
    case Type::kUnsigned: return head<enc_uint>(out, v.uint_value());
    case Type::kNegative: return head<enc_negint>(out, v.uint_value());
    case Type::kBytes:
      head<enc_bytes>(out, v.bytes_value().size());
      append(out, v.bytes_value());
      return;
    case Type::kText:
      head<enc_text>(out, v.text_value().size());
      append(out, chorus::as_bytes(v.text_value()));
      return;
    case Type::kArray:
      head<enc_array>(out, v.array_value().size());
      for (const Value& item : v.array_value()) encode_into(out, item);
      return;
    case Type::kMap: {
      std::vector<std::pair<Bytes, Bytes>> entries;
      entries.reserve(v.map_value().size());
      for (const auto& [k, val] : v.map_value()) {
        Bytes kb, vb;
        encode_into(kb, k);
        encode_into(vb, val);
        entries.emplace_back(std::move(kb), std::move(vb));
      }
      std::sort(entries.begin(), entries.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      head<enc_map>(out, entries.size());
      for (const auto& [kb, vb] : entries) {
        append(out, kb);
        append(out, vb);
      }
      return;
    }
    case Type::kTag:
      head<enc_tag>(out, v.tag_number());
      return encode_into(out, v.tagged_value());
    case Type::kBool: out.push_back(v.bool_value() ? 0xf5 : 0xf4); return;
    case Type::kNull: out.push_back(0xf6); return;
    case Type::kUndefined: out.push_back(0xf7); return;
    case Type::kFloat: return encode_float(out, v.float_value());
  }
}

Bytes encode_key(const Value& v) {
  Bytes out;
  encode_into(out, v);
  return out;
}

void escape_text(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

void diagnostic_into(std::string& out, const Value& v) {
  switch (v.type()) {
    case Type::kUnsigned: out += std::to_string(v.uint_value()); return;
    case Type::kNegative:
      // -1 - n; for n = 2^64 - 1 the sum n + 1 needs 65 bits.
      out += v.uint_value() == UINT64_MAX ? "-18446744073709551616"
                                          : "-" + std::to_string(v.uint_value() + 1);
      return;
    case Type::kBytes: out += "h'" + to_hex(v.bytes_value()) + "'"; return;
    case Type::kText: escape_text(out, v.text_value()); return;
    case Type::kArray: {
      out.push_back('[');
      bool first = true;
      for (const Value& item : v.array_value()) {
        if (!first) out += ", ";
        first = false;
        diagnostic_into(out, item);
      }
      out.push_back(']');
      return;
    }
    case Type::kMap: {
      out.push_back('{');
      bool first = true;
      for (const auto& [k, val] : v.map_value()) {
        if (!first) out += ", ";
        first = false;
        diagnostic_into(out, k);
        out += ": ";
        diagnostic_into(out, val);
      }
      out.push_back('}');
      return;
    }
    case Type::kTag:
      out += std::to_string(v.tag_number()) + "(";
      diagnostic_into(out, v.tagged_value());
      out.push_back(')');
      return;
    case Type::kBool: out += v.bool_value() ? "true" : "false"; return;
    case Type::kNull: out += "null"; return;
    case Type::kUndefined: out += "undefined"; return;
    case Type::kFloat: {
      double d = v.float_value();
      if (std::isnan(d)) {
        out += "NaN";
      } else if (std::isinf(d)) {
        out += d > 0 ? "Infinity" : "-Infinity";
      } else {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.17g", d);
        out += buf;
        if (std::string_view(buf).find_first_of(".eE") == std::string_view::npos) out += ".0";
      }
      return;
    }
  }
}

}  // namespace

Bytes encode(const Value& value) {
  Bytes out;
  encode_into(out, value);
  return out;
}

Bytes encode_self_described(const Value& value) {
  Bytes out = {0xd9, 0xd9, 0xf7};
  encode_into(out, value);
  return out;
}

std::string diagnostic(const Value& value) {
  std::string out;
  diagnostic_into(out, value);
  return out;
}

}  // namespace chorus::cbor
