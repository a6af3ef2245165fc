#include "encoding/candid_text.h"

#include <algorithm>
#include <cstdio>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "base/utf8.h"
#include "encoding/candid_binary.h"
#include "encoding/principal.h"

namespace chorus::candid {
namespace {

// Text is written by people (interface files, tests), but a bound keeps hostile nesting from
// exhausting the stack.
constexpr size_t kMaxTextDepth = 200;
constexpr size_t kMaxAnnotationCopies = 256;

bool is_id_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_id_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// The body of a string literal starting after the opening quote; |i| ends after the closing one.
Result<std::string> lex_string(std::string_view s, size_t& i) {
  std::string out;
  while (true) {
    if (i >= s.size()) return Error("unterminated text literal");
    char c = s[i++];
    if (c == '"') return out;
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (i >= s.size()) return Error("unterminated escape in text literal");
    char e = s[i++];
    switch (e) {
      case 'n': out.push_back('\n'); continue;
      case 'r': out.push_back('\r'); continue;
      case 't': out.push_back('\t'); continue;
      case '\\': out.push_back('\\'); continue;
      case '"': out.push_back('"'); continue;
      case '\'': out.push_back('\''); continue;
      case 'u': {
        if (i >= s.size() || s[i] != '{') return Error("expected '{' after \\u");
        ++i;
        uint32_t cp = 0;
        size_t digits = 0;
        while (i < s.size() && s[i] != '}') {
          if (s[i] == '_' && digits > 0) {
            ++i;
            continue;
          }
          int h = hex_value(s[i]);
          if (h < 0 || ++digits > 6) return Error("invalid \\u{...} escape");
          cp = cp * 16 + static_cast<uint32_t>(h);
          ++i;
        }
        if (i >= s.size() || digits == 0) return Error("unterminated \\u{...} escape");
        ++i;
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
          return Error("\\u{...} escape is not a Unicode scalar value");
        }
        append_utf8(out, cp);
        continue;
      }
      default: {
        int hi = hex_value(e);
        int lo = i < s.size() ? hex_value(s[i]) : -1;
        if (hi < 0 || lo < 0) return Error(std::string("invalid escape \\") + e);
        ++i;
        out.push_back(static_cast<char>(hi * 16 + lo));
      }
    }
  }
}

Status skip_block_comment(std::string_view s, size_t& i) {
  size_t nesting = 1;
  i += 2;
  while (nesting > 0) {
    if (i + 1 >= s.size()) return Error("unterminated comment");
    if (s[i] == '/' && s[i + 1] == '*') {
      ++nesting;
      i += 2;
    } else if (s[i] == '*' && s[i + 1] == '/') {
      --nesting;
      i += 2;
    } else {
      ++i;
    }
  }
  return ok_status();
}

// A natural number literal: decimal or 0x hex, '_' between digits.
Result<BigInt> parse_nat_literal(std::string_view s) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    std::vector<uint32_t> limbs;
    std::string digits;
    for (char c : s.substr(2)) {
      if (c == '_') continue;
      if (hex_value(c) < 0) return Error("invalid hex literal '" + std::string(s) + "'");
      digits.push_back(c);
    }
    if (digits.empty() || digits.size() > 1024) return Error("invalid hex literal");
    for (size_t end = digits.size(); end > 0;) {
      size_t begin = end >= 8 ? end - 8 : 0;
      uint32_t limb = 0;
      for (size_t k = begin; k < end; ++k)
        limb = limb * 16 + static_cast<uint32_t>(hex_value(digits[k]));
      limbs.push_back(limb);
      end = begin;
    }
    return BigInt::from_limbs(std::move(limbs), false);
  }
  if (s.empty() || !is_digit(s[0])) return Error("invalid number '" + std::string(s) + "'");
  return BigInt::from_decimal(s);
}

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (true) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i + 1 < s.size() && s[i] == '/' && s[i + 1] == '/') {
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    if (i + 1 < s.size() && s[i] == '/' && s[i + 1] == '*') {
      CHORUS_RETURN_IF_ERROR(skip_block_comment(s, i));
      continue;
    }
    Token t;
    t.offset = i;
    if (i >= s.size()) {
      out.push_back(t);
      return out;
    }
    char c = s[i];
    if (is_id_start(c)) {
      size_t b = i;
      while (i < s.size() && is_id_char(s[i])) ++i;
      t.kind = Token::Kind::kId;
      t.text = std::string(s.substr(b, i - b));
    } else if (c == '"') {
      ++i;
      auto str = lex_string(s, i);
      if (!str.ok()) return str.error().with_context("at offset " + std::to_string(t.offset));
      t.kind = Token::Kind::kText;
      t.text = std::move(str).value();
    } else if ((c == '-' || c == '+') && s.substr(i + 1, 3) == "inf" &&
               (i + 4 >= s.size() || !is_id_char(s[i + 4]))) {
      // Infinities have no digits; a sign makes "-inf" one number token, as "inf" is at types
      // float32 and float64.
      t.kind = Token::Kind::kNumber;
      t.text = std::string(s.substr(i, 4));
      i += 4;
    } else if (is_digit(c) || ((c == '-' || c == '+') && i + 1 < s.size() && is_digit(s[i + 1]))) {
      size_t b = i++;
      bool hex = false;
      while (i < s.size()) {
        char d = s[i];
        if (d == 'x' || d == 'X') hex = true;
        bool exp_sign =
            (d == '-' || d == '+') &&
            (s[i - 1] == 'e' || s[i - 1] == 'E' || s[i - 1] == 'p' || s[i - 1] == 'P') &&
            !(hex && (s[i - 1] == 'e' || s[i - 1] == 'E'));
        if (is_id_char(d) || d == '.' || exp_sign) {
          ++i;
        } else {
          break;
        }
      }
      t.kind = Token::Kind::kNumber;
      t.text = std::string(s.substr(b, i - b));
    } else {
      t.kind = Token::Kind::kPunct;
      static constexpr std::string_view kTwo[] = {"->", "!:", "==", "!="};
      t.text = std::string(1, c);
      for (std::string_view two : kTwo) {
        if (s.substr(i, 2) == two) t.text = std::string(two);
      }
      if (t.text.size() == 1 && std::string_view("(){};:,=.").find(c) == std::string_view::npos) {
        return Error("unexpected character '" + std::string(1, c) + "' at offset " +
                     std::to_string(i));
      }
      i += t.text.size();
    }
    out.push_back(std::move(t));
  }
}

struct TextParser::Ast {
  enum class Tag : uint8_t { kName, kPrim, kOpt, kVec, kRecord, kVariant, kFunc, kService };
  Tag tag = Tag::kPrim;
  std::string name;  // kName
  Prim prim = Prim::kNull;
  std::vector<std::unique_ptr<Ast>> children;  // opt/vec: one; func: args then results
  std::vector<uint32_t> ids;                   // record/variant
  std::vector<std::string> names;              // service methods
  size_t num_args = 0;                         // func
  std::vector<FuncMode> modes;                 // func
};

TextParser::TextParser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

Result<TextParser> TextParser::create(std::string_view text) {
  CHORUS_ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize(text));
  return TextParser(std::move(tokens));
}

bool TextParser::peek(std::string_view token) const {
  const Token& t = next();
  return (t.kind == Token::Kind::kId || t.kind == Token::Kind::kPunct) && t.text == token;
}

bool TextParser::at_label_then(std::string_view separator, bool numbers) const {
  const Token& t = tokens_[pos_];
  bool label = t.kind == Token::Kind::kId || t.kind == Token::Kind::kText ||
               (numbers && t.kind == Token::Kind::kNumber);
  return label && tokens_[pos_ + 1].kind == Token::Kind::kPunct &&
         tokens_[pos_ + 1].text == separator;
}

bool TextParser::accept(std::string_view token) {
  if (!peek(token)) return false;
  ++pos_;
  return true;
}

Status TextParser::expect(std::string_view token) {
  if (accept(token)) return ok_status();
  return Error("expected '" + std::string(token) + "' " + where());
}

Result<std::string> TextParser::text_literal() {
  if (next().kind != Token::Kind::kText) return Error("expected a text literal " + where());
  return tokens_[pos_++].text;
}

std::string TextParser::where() const {
  const Token& t = next();
  if (t.kind == Token::Kind::kEnd) return "at the end of the input";
  return "at offset " + std::to_string(t.offset) + " near '" + t.text.substr(0, 20) + "'";
}

namespace {
const std::map<std::string_view, Prim>& prim_keywords() {
  static const auto* m = new std::map<std::string_view, Prim>{
      {"null", Prim::kNull},         {"bool", Prim::kBool},       {"nat", Prim::kNat},
      {"int", Prim::kInt},           {"nat8", Prim::kNat8},       {"nat16", Prim::kNat16},
      {"nat32", Prim::kNat32},       {"nat64", Prim::kNat64},     {"int8", Prim::kInt8},
      {"int16", Prim::kInt16},       {"int32", Prim::kInt32},     {"int64", Prim::kInt64},
      {"float32", Prim::kFloat32},   {"float64", Prim::kFloat64}, {"text", Prim::kText},
      {"reserved", Prim::kReserved}, {"empty", Prim::kEmpty},     {"principal", Prim::kPrincipal},
  };
  return *m;
}
}  // namespace

Result<uint32_t> TextParser::field_id() {
  const Token& t = next();
  if (t.kind == Token::Kind::kNumber) {
    CHORUS_ASSIGN_OR_RETURN(BigInt n, parse_nat_literal(t.text));
    auto v = n.to_u64();
    if (!v || *v > 0xffffffffu) return Error("field id out of range " + where());
    ++pos_;
    return static_cast<uint32_t>(*v);
  }
  if (t.kind == Token::Kind::kId || t.kind == Token::Kind::kText) {
    ++pos_;
    return field_hash(t.text);
  }
  return Error("expected a field name or id " + where());
}

Result<std::vector<std::unique_ptr<TextParser::Ast>>> TextParser::parse_tuple_ast(size_t depth) {
  CHORUS_RETURN_IF_ERROR(expect("("));
  std::vector<std::unique_ptr<Ast>> out;
  while (!accept(")")) {
    // A name in front of an argument type is documentation only.
    if (at_label_then(":", /*numbers=*/false)) pos_ += 2;
    CHORUS_ASSIGN_OR_RETURN(auto a, parse_ast(depth + 1));
    out.push_back(std::move(a));
    if (!accept(",")) {
      CHORUS_RETURN_IF_ERROR(expect(")"));
      break;
    }
  }
  return out;
}

Result<std::unique_ptr<TextParser::Ast>> TextParser::parse_func_ast(size_t depth) {
  auto ast = std::make_unique<Ast>();
  ast->tag = Ast::Tag::kFunc;
  CHORUS_ASSIGN_OR_RETURN(auto args, parse_tuple_ast(depth));
  CHORUS_RETURN_IF_ERROR(expect("->"));
  CHORUS_ASSIGN_OR_RETURN(auto results, parse_tuple_ast(depth));
  ast->num_args = args.size();
  for (auto& a : args) ast->children.push_back(std::move(a));
  for (auto& r : results) ast->children.push_back(std::move(r));
  while (true) {
    if (accept("query")) {
      ast->modes.push_back(FuncMode::kQuery);
    } else if (accept("oneway")) {
      ast->modes.push_back(FuncMode::kOneway);
    } else if (accept("composite_query")) {
      ast->modes.push_back(FuncMode::kCompositeQuery);
    } else {
      break;
    }
  }
  return ast;
}

Result<std::unique_ptr<TextParser::Ast>> TextParser::parse_ast(size_t depth) {
  if (depth > kMaxTextDepth) return Error("type nested too deeply " + where());
  const Token& t = next();
  if (t.kind != Token::Kind::kId) return Error("expected a type " + where());
  auto ast = std::make_unique<Ast>();
  auto prim = prim_keywords().find(t.text);
  if (prim != prim_keywords().end()) {
    ++pos_;
    ast->prim = prim->second;
    return ast;
  }
  if (accept("blob")) {
    ast->tag = Ast::Tag::kVec;
    auto inner = std::make_unique<Ast>();
    inner->prim = Prim::kNat8;
    ast->children.push_back(std::move(inner));
    return ast;
  }
  if (accept("opt") || accept("vec")) {
    ast->tag = tokens_[pos_ - 1].text == "opt" ? Ast::Tag::kOpt : Ast::Tag::kVec;
    CHORUS_ASSIGN_OR_RETURN(auto inner, parse_ast(depth + 1));
    ast->children.push_back(std::move(inner));
    return ast;
  }
  if (accept("record") || accept("variant")) {
    bool record = tokens_[pos_ - 1].text == "record";
    ast->tag = record ? Ast::Tag::kRecord : Ast::Tag::kVariant;
    CHORUS_RETURN_IF_ERROR(expect("{"));
    uint32_t next_tuple_id = 0;
    while (!accept("}")) {
      const Token& f = next();
      bool named = at_label_then(":", /*numbers=*/true);
      uint32_t id;
      std::unique_ptr<Ast> type;
      if (named) {
        if (f.kind != Token::Kind::kNumber) names_.emplace(field_hash(f.text), f.text);
        CHORUS_ASSIGN_OR_RETURN(id, field_id());
        CHORUS_RETURN_IF_ERROR(expect(":"));
        CHORUS_ASSIGN_OR_RETURN(type, parse_ast(depth + 1));
      } else if (record) {
        id = next_tuple_id;
        CHORUS_ASSIGN_OR_RETURN(type, parse_ast(depth + 1));
      } else {
        if (f.kind != Token::Kind::kNumber) names_.emplace(field_hash(f.text), f.text);
        CHORUS_ASSIGN_OR_RETURN(id, field_id());
        type = std::make_unique<Ast>();  // an enumeration case: null
      }
      if (std::find(ast->ids.begin(), ast->ids.end(), id) != ast->ids.end()) {
        return Error("duplicate field id " + std::to_string(id) + " " + where());
      }
      next_tuple_id = id + 1;
      ast->ids.push_back(id);
      ast->children.push_back(std::move(type));
      if (!accept(";")) {
        CHORUS_RETURN_IF_ERROR(expect("}"));
        break;
      }
    }
    return ast;
  }
  if (accept("func")) return parse_func_ast(depth + 1);
  if (accept("service")) {
    CHORUS_RETURN_IF_ERROR(parse_methods(*ast, depth));
    return ast;
  }
  ast->tag = Ast::Tag::kName;
  ast->name = t.text;
  ++pos_;
  return ast;
}

Status TextParser::parse_methods(Ast& ast, size_t depth) {
  ast.tag = Ast::Tag::kService;
  CHORUS_RETURN_IF_ERROR(expect("{"));
  while (!accept("}")) {
    const Token& m = next();
    if (m.kind != Token::Kind::kId && m.kind != Token::Kind::kText) {
      return Error("expected a method name " + where());
    }
    std::string name = m.text;
    ++pos_;
    if (std::find(ast.names.begin(), ast.names.end(), name) != ast.names.end()) {
      return Error("duplicate method '" + name + "' " + where());
    }
    CHORUS_RETURN_IF_ERROR(expect(":"));
    std::unique_ptr<Ast> type;
    if (peek("(")) {
      CHORUS_ASSIGN_OR_RETURN(type, parse_func_ast(depth + 1));
    } else {
      CHORUS_ASSIGN_OR_RETURN(type, parse_ast(depth + 1));
    }
    ast.names.push_back(std::move(name));
    ast.children.push_back(std::move(type));
    if (!accept(";")) {
      CHORUS_RETURN_IF_ERROR(expect("}"));
      break;
    }
  }
  return ok_status();
}

Status TextParser::parse_definition() {
  const Token& t = next();
  if (t.kind != Token::Kind::kId) return Error("expected a type name " + where());
  std::string name = t.text;
  ++pos_;
  if (definitions_.count(name)) return Error("type '" + name + "' defined twice");
  CHORUS_RETURN_IF_ERROR(expect("="));
  CHORUS_ASSIGN_OR_RETURN(auto ast, parse_ast(0));
  definitions_[name] = std::shared_ptr<Ast>(std::move(ast));
  return ok_status();
}

Status TextParser::resolve_definitions() {
  for (const auto& [name, ast] : definitions_) CHORUS_RETURN_IF_ERROR(resolve(name));
  return table_.validate();
}

Result<TypeRef> TextParser::named_type(const std::string& name) { return resolve(name); }

Status TextParser::identifier() {
  if (next().kind != Token::Kind::kId) return Error("expected an identifier " + where());
  ++pos_;
  return ok_status();
}

Result<TypeRef> TextParser::parse_actor_type() {
  auto ast = std::make_unique<Ast>();
  CHORUS_RETURN_IF_ERROR(parse_methods(*ast, 0));
  CHORUS_ASSIGN_OR_RETURN(TypeRef t, lower(*ast));
  CHORUS_RETURN_IF_ERROR(table_.validate());
  return t;
}

std::vector<std::string> TextParser::definition_names() const {
  std::vector<std::string> out;
  for (const auto& [name, ast] : definitions_) out.push_back(name);
  return out;
}

Result<TypeRef> TextParser::resolve(const std::string& name) {
  // Follow aliases to the definition that has a constructor (or is primitive); a cycle of
  // aliases alone would be a type without any constructor.
  std::vector<std::string> chain;
  std::string current = name;
  const Ast* ast = nullptr;
  std::optional<TypeRef> ref;
  while (true) {
    if (auto it = resolved_.find(current); it != resolved_.end()) {
      ref = it->second;
      break;
    }
    auto def = definitions_.find(current);
    if (def == definitions_.end()) return Error("unknown type '" + current + "'");
    if (std::find(chain.begin(), chain.end(), current) != chain.end()) {
      return Error("type '" + current + "' is cyclic (vacuous)");
    }
    chain.push_back(current);
    ast = def->second.get();
    if (ast->tag != Ast::Tag::kName) break;
    current = ast->name;
  }
  if (!ref.has_value()) {
    if (ast->tag == Ast::Tag::kPrim) {
      ref = TypeRef::prim(ast->prim);
    } else {
      // Definitions that use each other nest this recursion; bound it like nested types.
      if (resolve_depth_ >= kMaxTextDepth) return Error("type definitions nested too deeply");
      // Reserve the entry first so that the definition can refer to itself.
      ref = table_.reserve();
      for (const std::string& n : chain) resolved_[n] = *ref;
      ++resolve_depth_;
      auto e = lower_entry(*ast);
      --resolve_depth_;
      if (!e.ok()) return std::move(e).error();
      table_.set(*ref, std::move(e).value());
    }
  }
  for (const std::string& n : chain) resolved_[n] = *ref;
  return *ref;
}

Result<TypeRef> TextParser::lower(const Ast& ast) {
  if (ast.tag == Ast::Tag::kPrim) return TypeRef::prim(ast.prim);
  if (ast.tag == Ast::Tag::kName) return resolve(ast.name);
  CHORUS_ASSIGN_OR_RETURN(TypeEntry e, lower_entry(ast));
  return table_.add(std::move(e));
}

Result<TypeEntry> TextParser::lower_entry(const Ast& ast) {
  TypeEntry e;
  switch (ast.tag) {
    case Ast::Tag::kOpt:
    case Ast::Tag::kVec: {
      e.kind = ast.tag == Ast::Tag::kOpt ? Kind::kOpt : Kind::kVec;
      CHORUS_ASSIGN_OR_RETURN(e.inner, lower(*ast.children[0]));
      return e;
    }
    case Ast::Tag::kRecord:
    case Ast::Tag::kVariant:
      e.kind = ast.tag == Ast::Tag::kRecord ? Kind::kRecord : Kind::kVariant;
      for (size_t i = 0; i < ast.children.size(); ++i) {
        CHORUS_ASSIGN_OR_RETURN(TypeRef t, lower(*ast.children[i]));
        e.fields.push_back(Field{ast.ids[i], t});
      }
      std::sort(e.fields.begin(), e.fields.end(),
                [](const Field& a, const Field& b) { return a.id < b.id; });
      return e;
    case Ast::Tag::kFunc:
      e.kind = Kind::kFunc;
      for (size_t i = 0; i < ast.children.size(); ++i) {
        CHORUS_ASSIGN_OR_RETURN(TypeRef t, lower(*ast.children[i]));
        (i < ast.num_args ? e.args : e.results).push_back(t);
      }
      e.modes = ast.modes;
      return e;
    case Ast::Tag::kService:
      e.kind = Kind::kService;
      for (size_t i = 0; i < ast.children.size(); ++i) {
        CHORUS_ASSIGN_OR_RETURN(TypeRef t, lower(*ast.children[i]));
        e.methods.push_back(Method{ast.names[i], t});
      }
      std::sort(e.methods.begin(), e.methods.end(),
                [](const Method& a, const Method& b) { return a.name < b.name; });
      return e;
    case Ast::Tag::kName:
    case Ast::Tag::kPrim: break;
  }
  return Error("not a constructed type");
}

Result<TypeRef> TextParser::parse_type() {
  CHORUS_ASSIGN_OR_RETURN(auto ast, parse_ast(0));
  CHORUS_ASSIGN_OR_RETURN(TypeRef t, lower(*ast));
  CHORUS_RETURN_IF_ERROR(table_.validate());
  return t;
}

Result<std::vector<TypeRef>> TextParser::parse_tuple_type() {
  CHORUS_ASSIGN_OR_RETURN(auto asts, parse_tuple_ast(0));
  std::vector<TypeRef> out;
  for (const auto& a : asts) {
    CHORUS_ASSIGN_OR_RETURN(TypeRef t, lower(*a));
    out.push_back(t);
  }
  CHORUS_RETURN_IF_ERROR(table_.validate());
  return out;
}

Result<TextValue> TextParser::parse_value() { return parse_value_at_depth(0); }

Result<std::vector<TextValue>> TextParser::parse_args() {
  CHORUS_RETURN_IF_ERROR(expect("("));
  std::vector<TextValue> out;
  while (!accept(")")) {
    CHORUS_ASSIGN_OR_RETURN(TextValue v, parse_annotated(1));
    out.push_back(std::move(v));
    if (!accept(",")) {
      CHORUS_RETURN_IF_ERROR(expect(")"));
      break;
    }
  }
  return out;
}

Result<TextValue> TextParser::parse_annotated(size_t depth) {
  CHORUS_ASSIGN_OR_RETURN(TextValue v, parse_value_at_depth(depth));
  if (accept(":")) {
    CHORUS_ASSIGN_OR_RETURN(auto ast, parse_ast(depth + 1));
    CHORUS_ASSIGN_OR_RETURN(v.annotation, lower(*ast));
    CHORUS_RETURN_IF_ERROR(table_.validate());
    // A snapshot of the table keeps the value self-contained. Annotations of primitive types add
    // no entries and share the last one; the number of copies is bounded so that hostile text
    // cannot make them cost quadratic memory.
    if (annotation_table_ == nullptr || annotation_table_->size() != table_.size()) {
      if (++annotation_copies_ > kMaxAnnotationCopies) {
        return Error("too many annotations with constructed types " + where());
      }
      annotation_table_ = std::make_shared<const TypeTable>(table_);
    }
    v.annotation_table = annotation_table_;
  }
  return v;
}

Result<TextValue> TextParser::parse_value_at_depth(size_t depth) {
  if (depth > kMaxTextDepth) return Error("value nested too deeply " + where());
  TextValue v;
  const Token& t = next();
  if (t.kind == Token::Kind::kNumber) {
    v.tag = TextValue::Tag::kNumber;
    v.text = t.text;
    ++pos_;
    return v;
  }
  if (t.kind == Token::Kind::kText) {
    v.tag = TextValue::Tag::kText;
    v.text = t.text;
    ++pos_;
    return v;
  }
  if (accept("(")) {
    CHORUS_ASSIGN_OR_RETURN(v, parse_annotated(depth + 1));
    CHORUS_RETURN_IF_ERROR(expect(")"));
    return v;
  }
  if (accept("nan") || accept("inf")) {
    v.tag = TextValue::Tag::kNumber;
    v.text = tokens_[pos_ - 1].text;
    return v;
  }
  if (accept("true") || accept("false")) {
    v.tag = TextValue::Tag::kBool;
    v.boolean = tokens_[pos_ - 1].text == "true";
    return v;
  }
  if (accept("null")) return v;
  if (accept("opt")) {
    v.tag = TextValue::Tag::kOpt;
    CHORUS_ASSIGN_OR_RETURN(TextValue inner, parse_value_at_depth(depth + 1));
    v.items.push_back(std::move(inner));
    return v;
  }
  if (accept("blob")) {
    v.tag = TextValue::Tag::kBlob;
    CHORUS_ASSIGN_OR_RETURN(v.text, text_literal());
    return v;
  }
  if (accept("principal") || accept("service")) {
    v.tag = tokens_[pos_ - 1].text == "principal" ? TextValue::Tag::kPrincipal
                                                  : TextValue::Tag::kService;
    CHORUS_ASSIGN_OR_RETURN(v.text, text_literal());
    return v;
  }
  if (accept("func")) {
    v.tag = TextValue::Tag::kFunc;
    CHORUS_ASSIGN_OR_RETURN(v.text, text_literal());
    CHORUS_RETURN_IF_ERROR(expect("."));
    const Token& m = next();
    if (m.kind != Token::Kind::kId && m.kind != Token::Kind::kText) {
      return Error("expected a method name " + where());
    }
    v.method = m.text;
    ++pos_;
    return v;
  }
  if (accept("vec")) {
    v.tag = TextValue::Tag::kVec;
    CHORUS_RETURN_IF_ERROR(expect("{"));
    while (!accept("}")) {
      CHORUS_ASSIGN_OR_RETURN(TextValue item, parse_annotated(depth + 1));
      v.items.push_back(std::move(item));
      if (!accept(";")) {
        CHORUS_RETURN_IF_ERROR(expect("}"));
        break;
      }
    }
    return v;
  }
  if (accept("record") || accept("variant")) {
    bool record = tokens_[pos_ - 1].text == "record";
    v.tag = record ? TextValue::Tag::kRecord : TextValue::Tag::kVariant;
    CHORUS_RETURN_IF_ERROR(expect("{"));
    uint32_t next_tuple_id = 0;
    while (!accept("}")) {
      bool named = at_label_then("=", /*numbers=*/true);
      uint32_t id;
      TextValue item;
      if (named) {
        CHORUS_ASSIGN_OR_RETURN(id, field_id());
        CHORUS_RETURN_IF_ERROR(expect("="));
        CHORUS_ASSIGN_OR_RETURN(item, parse_annotated(depth + 1));
      } else if (record) {
        id = next_tuple_id;
        CHORUS_ASSIGN_OR_RETURN(item, parse_annotated(depth + 1));
      } else {
        CHORUS_ASSIGN_OR_RETURN(id, field_id());  // a case without a value: null
      }
      if (std::find(v.ids.begin(), v.ids.end(), id) != v.ids.end()) {
        return Error("duplicate field id " + std::to_string(id) + " " + where());
      }
      next_tuple_id = id + 1;
      v.ids.push_back(id);
      v.items.push_back(std::move(item));
      if (!accept(";")) {
        CHORUS_RETURN_IF_ERROR(expect("}"));
        break;
      }
    }
    if (!record && v.items.size() != 1) return Error("a variant value has exactly one case");
    return v;
  }
  return Error("expected a value " + where());
}

// ---------------------------------------------------------------------------------------------
// Typing text values.

namespace {

Value absent(TypeRef t) {
  if (t.is(Prim::kNull)) return Value::null();
  if (t.is(Prim::kReserved)) return Value::reserved();
  return Value::none();
}

Result<BigInt> integer_literal(const TextValue& v) {
  if (v.tag != TextValue::Tag::kNumber) return Error("expected a number");
  std::string_view s = v.text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  if (!hex && s.find_first_of(".eE") != std::string_view::npos) {
    return Error("'" + v.text + "' is not an integer");
  }
  CHORUS_ASSIGN_OR_RETURN(BigInt n, parse_nat_literal(s));
  return negative ? n.negated() : n;
}

Result<double> float_literal(const TextValue& v) {
  if (v.tag != TextValue::Tag::kNumber) return Error("expected a number");
  std::string digits;
  for (char c : v.text) {
    if (c != '_') digits.push_back(c);
  }
  // strtod would also take "infinity" and "nan(...)"; only the tokens we print are numbers.
  std::string_view unsigned_digits = digits;
  if (!unsigned_digits.empty() && (unsigned_digits[0] == '-' || unsigned_digits[0] == '+')) {
    unsigned_digits.remove_prefix(1);
  }
  if (unsigned_digits.empty() ||
      (!is_digit(unsigned_digits[0]) && unsigned_digits != "inf" && digits != "nan")) {
    return Error("'" + v.text + "' is not a number");
  }
  char* end = nullptr;
  double d = std::strtod(digits.c_str(), &end);
  if (end != digits.c_str() + digits.size()) return Error("'" + v.text + "' is not a number");
  return d;
}

class Typer {
 public:
  explicit Typer(const TypeTable& table) : table_(table) {}

  Result<Value> at(const TextValue& v, TypeRef t, size_t depth) {
    if (depth > kMaxTextDepth) return Error("value nested too deeply for its type");
    if (v.annotation_table != nullptr) {
      const TypeTable& at_table = *v.annotation_table;
      if (!is_subtype(at_table, v.annotation, table_, t)) {
        return Error("annotation " + at_table.to_text(v.annotation) + " is not a subtype of " +
                     table_.to_text(t));
      }
      TextValue bare = v;
      bare.annotation_table = nullptr;
      CHORUS_RETURN_IF_ERROR(Typer(at_table).at(bare, v.annotation, depth + 1));
      return at(bare, t, depth + 1);
    }
    if (t.is(Prim::kReserved)) return Value::reserved();
    if (t.is_prim()) return prim(v, t.as_prim());
    const TypeEntry& e = table_.at(t);
    auto wrong = [&]() { return Error("text value does not have type " + table_.to_text(t)); };
    switch (e.kind) {
      case Kind::kOpt: {
        if (v.tag == TextValue::Tag::kNull) return Value::none();
        const TextValue& inner = v.tag == TextValue::Tag::kOpt ? v.items[0] : v;
        auto r = at(inner, e.inner, depth + 1);
        if (!r.ok()) return Value::none();
        return Value::some(std::move(r).value());
      }
      case Kind::kVec: {
        if (v.tag == TextValue::Tag::kBlob) {
          if (!e.inner.is(Prim::kNat8)) return wrong();
          return Value::blob(to_bytes(v.text));
        }
        if (v.tag != TextValue::Tag::kVec) return wrong();
        std::vector<Value> items;
        for (const TextValue& item : v.items) {
          CHORUS_ASSIGN_OR_RETURN(Value x, at(item, e.inner, depth + 1));
          items.push_back(std::move(x));
        }
        if (e.inner.is(Prim::kNat8)) {
          Bytes b;
          for (const Value& x : items) b.push_back(static_cast<uint8_t>(x.nat_value()));
          return Value::blob(std::move(b));
        }
        return Value::vec(std::move(items));
      }
      case Kind::kRecord: {
        if (v.tag != TextValue::Tag::kRecord) return wrong();
        std::vector<FieldValue> fields;
        for (const Field& f : e.fields) {
          auto it = std::find(v.ids.begin(), v.ids.end(), f.id);
          if (it == v.ids.end()) {
            if (!is_nullable(table_, f.type)) {
              return Error("record field " + std::to_string(f.id) + " is missing");
            }
            fields.push_back(FieldValue{f.id, absent(f.type)});
            continue;
          }
          CHORUS_ASSIGN_OR_RETURN(Value x, at(v.items[it - v.ids.begin()], f.type, depth + 1));
          fields.push_back(FieldValue{f.id, std::move(x)});
        }
        return Value::record(std::move(fields));
      }
      case Kind::kVariant: {
        if (v.tag != TextValue::Tag::kVariant) return wrong();
        for (const Field& f : e.fields) {
          if (f.id == v.ids[0]) {
            CHORUS_ASSIGN_OR_RETURN(Value x, at(v.items[0], f.type, depth + 1));
            return Value::variant(f.id, std::move(x));
          }
        }
        return Error("variant case " + std::to_string(v.ids[0]) + " is not in the type");
      }
      case Kind::kFunc: {
        if (v.tag != TextValue::Tag::kFunc) return wrong();
        CHORUS_ASSIGN_OR_RETURN(Principal p, Principal::from_text(v.text));
        if (!is_valid_utf8(v.method)) return Error("method name is not valid UTF-8");
        return Value::func(p, v.method);
      }
      case Kind::kService: {
        if (v.tag != TextValue::Tag::kService) return wrong();
        CHORUS_ASSIGN_OR_RETURN(Principal p, Principal::from_text(v.text));
        return Value::service(p);
      }
      case Kind::kFuture: break;
    }
    return wrong();
  }

 private:
  Result<Value> prim(const TextValue& v, Prim p) {
    auto wrong = [&]() {
      return Error("text value does not have type " + std::string(prim_name(p)));
    };
    switch (p) {
      case Prim::kNull:
        if (v.tag != TextValue::Tag::kNull) return wrong();
        return Value::null();
      case Prim::kBool:
        if (v.tag != TextValue::Tag::kBool) return wrong();
        return Value::boolean(v.boolean);
      case Prim::kNat:
      case Prim::kInt:
      case Prim::kNat8:
      case Prim::kNat16:
      case Prim::kNat32:
      case Prim::kNat64:
      case Prim::kInt8:
      case Prim::kInt16:
      case Prim::kInt32:
      case Prim::kInt64: {
        CHORUS_ASSIGN_OR_RETURN(BigInt n, integer_literal(v));
        return integer(n, p);
      }
      case Prim::kFloat32: {
        CHORUS_ASSIGN_OR_RETURN(double d, float_literal(v));
        return Value::float32(static_cast<float>(d));
      }
      case Prim::kFloat64: {
        CHORUS_ASSIGN_OR_RETURN(double d, float_literal(v));
        return Value::float64(d);
      }
      case Prim::kText:
        if (v.tag != TextValue::Tag::kText) return wrong();
        if (!is_valid_utf8(v.text)) return Error("text is not valid UTF-8");
        return Value::text(v.text);
      case Prim::kPrincipal: {
        if (v.tag != TextValue::Tag::kPrincipal) return wrong();
        CHORUS_ASSIGN_OR_RETURN(Principal pr, Principal::from_text(v.text));
        return Value::principal(pr);
      }
      case Prim::kReserved: return Value::reserved();
      case Prim::kEmpty: return Error("there is no value of type empty");
    }
    return wrong();
  }

  static Result<Value> integer(const BigInt& n, Prim p) {
    auto range = [&]() {
      return Error(n.to_decimal() + " is out of range for " + std::string(prim_name(p)));
    };
    if (p == Prim::kInt) return Value::integer(n);
    if (p == Prim::kNat) {
      if (n.is_negative()) return range();
      return Value::nat(n);
    }
    bool unsigned_type =
        p == Prim::kNat8 || p == Prim::kNat16 || p == Prim::kNat32 || p == Prim::kNat64;
    int bits = (p == Prim::kNat8 || p == Prim::kInt8)     ? 8
               : (p == Prim::kNat16 || p == Prim::kInt16) ? 16
               : (p == Prim::kNat32 || p == Prim::kInt32) ? 32
                                                          : 64;
    if (unsigned_type) {
      auto u = n.to_u64();
      if (!u || (bits < 64 && *u >> bits) != 0) return range();
      switch (bits) {
        case 8: return Value::nat8(static_cast<uint8_t>(*u));
        case 16: return Value::nat16(static_cast<uint16_t>(*u));
        case 32: return Value::nat32(static_cast<uint32_t>(*u));
        default: return Value::nat64(*u);
      }
    }
    auto s = n.to_i64();
    if (!s) return range();
    if (bits < 64) {
      int64_t lim = int64_t{1} << (bits - 1);
      if (*s < -lim || *s >= lim) return range();
    }
    switch (bits) {
      case 8: return Value::int8(static_cast<int8_t>(*s));
      case 16: return Value::int16(static_cast<int16_t>(*s));
      case 32: return Value::int32(static_cast<int32_t>(*s));
      default: return Value::int64(*s);
    }
  }

  const TypeTable& table_;
};

}  // namespace

Result<ArgTypes> parse_arg_types(std::string_view text, FieldNames* names) {
  CHORUS_ASSIGN_OR_RETURN(TextParser p, TextParser::create(text));
  while (p.accept("type")) {
    CHORUS_RETURN_IF_ERROR(p.parse_definition());
    CHORUS_RETURN_IF_ERROR(p.expect(";"));
  }
  ArgTypes out;
  CHORUS_ASSIGN_OR_RETURN(out.types, p.parse_tuple_type());
  if (!p.at_end()) return Error("unexpected text after the argument types " + p.where());
  CHORUS_RETURN_IF_ERROR(p.resolve_definitions());
  out.table = p.table();
  if (names != nullptr) *names = p.field_names();
  return out;
}

Result<Value> value_at_type(const TextValue& value, const TypeTable& table, TypeRef type) {
  CHORUS_RETURN_IF_ERROR(table.validate());
  if (!table.is_valid(type)) return Error("invalid type reference");
  return Typer(table).at(value, type, 0);
}

Result<std::vector<Value>> args_at_types(const std::vector<TextValue>& values,
                                         const TypeTable& table,
                                         const std::vector<TypeRef>& types) {
  CHORUS_RETURN_IF_ERROR(table.validate());
  Typer typer(table);
  std::vector<Value> out;
  for (size_t i = 0; i < types.size(); ++i) {
    if (!table.is_valid(types[i])) return Error("invalid type reference");
    if (i < values.size()) {
      auto v = typer.at(values[i], types[i], 0);
      if (!v.ok()) return v.error().with_context("argument " + std::to_string(i));
      out.push_back(std::move(v).value());
    } else if (is_nullable(table, types[i])) {
      out.push_back(absent(types[i]));
    } else {
      return Error("argument " + std::to_string(i) + " is missing");
    }
  }
  return out;
}

Result<std::vector<Value>> parse_args_at(std::string_view text, const TypeTable& table,
                                         std::span<const TypeRef> types) {
  CHORUS_ASSIGN_OR_RETURN(TextParser p, TextParser::create(text));
  CHORUS_ASSIGN_OR_RETURN(std::vector<TextValue> values, p.parse_args());
  if (!p.at_end()) return Error("unexpected text after the arguments " + p.where());
  if (values.size() > types.size()) {
    return Error(std::to_string(values.size()) + " arguments for " + std::to_string(types.size()) +
                 " types");
  }
  return args_at_types(values, table, std::vector<TypeRef>(types.begin(), types.end()));
}

// ---------------------------------------------------------------------------------------------
// Printing.

namespace {

bool is_keyword(std::string_view s) {
  static constexpr std::string_view kKeywords[] = {
      "blob",  "bool",   "composite_query", "empty",     "false",   "float32", "float64",
      "func",  "import", "int",             "int16",     "int32",   "int64",   "int8",
      "nat",   "nat16",  "nat32",           "nat64",     "nat8",    "null",    "oneway",
      "opt",   "principal", "query",        "record",    "reserved", "service", "text",
      "true",  "type",   "variant",         "vec",       "inf",     "nan"};
  return std::find(std::begin(kKeywords), std::end(kKeywords), s) != std::end(kKeywords);
}

bool is_plain_id(std::string_view s) {
  if (s.empty() || !is_id_start(s[0]) || is_keyword(s)) return false;
  return std::all_of(s.begin(), s.end(), is_id_char);
}

void append_hex_byte(std::string& out, uint8_t b) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('\\');
  out.push_back(kHex[b >> 4]);
  out.push_back(kHex[b & 15]);
}

// Text prints as itself (it is valid UTF-8) with escapes for quotes, backslashes and control
// characters, so that the output stays one line.
void append_text_literal(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          append_hex_byte(out, static_cast<uint8_t>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void append_name(std::string& out, std::string_view name) {
  if (is_plain_id(name)) {
    out += name;
  } else {
    append_text_literal(out, name);
  }
}

// The shortest decimal that reads back to the same float (fewest significant digits, rounded to
// nearest with ties away from zero, as ECMAScript's toExponential does), laid out like
// ECMAScript's Number::toString, so that the JS cross-check can produce the same text; ".0" marks
// integral values as floats.
std::string float_text(double d, bool single) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  std::string out = std::signbit(d) ? "-" : "";
  double a = std::fabs(d);
  if (a == 0) return out + "0.0";
  // glibc prints the exact decimal expansion of a double (at most 767 significant digits), which
  // the rounding below needs: snprintf's own rounding breaks ties to even.
  char exact[800];
  std::snprintf(exact, sizeof exact, "%.780e", a);
  std::string_view x = exact;
  size_t e = x.find('e');
  std::string all(1, x[0]);
  all += x.substr(2, e - 2);
  while (all.size() > 1 && all.back() == '0') all.pop_back();
  int exp10 = std::atoi(exact + e + 1);
  std::string digits;
  int n = 0;  // the value is 0.<digits> * 10^n
  for (size_t p = 1; p <= 17; ++p) {
    digits = all.substr(0, p);
    n = exp10 + 1;
    if (all.size() > p && all[p] >= '5') {
      size_t i = p;
      while (i > 0 && digits[i - 1] == '9') digits[--i] = '0';
      if (i == 0) {
        digits.insert(digits.begin(), '1');
        digits.pop_back();
        ++n;
      } else {
        ++digits[i - 1];
      }
    }
    std::string candidate = "0." + digits + "e" + std::to_string(n);
    double back = std::strtod(candidate.c_str(), nullptr);
    if (single ? static_cast<float>(back) == static_cast<float>(a) : back == a) break;
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  int k = static_cast<int>(digits.size());
  if (k <= n && n <= 21) {
    out += digits + std::string(static_cast<size_t>(n - k), '0') + ".0";
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<size_t>(n)) + "." + digits.substr(static_cast<size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0." + std::string(static_cast<size_t>(-n), '0') + digits;
  } else {
    out += digits.substr(0, 1);
    if (k > 1) out += "." + digits.substr(1);
    out += n - 1 >= 0 ? "e+" : "e-";
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

class Printer {
 public:
  Printer(const TypeTable& table, const FieldNames* names) : table_(table), names_(names) {}

  void print(std::string& out, const Value& v, TypeRef t) {
    // The type only refines the output (names, tuples, enumeration cases); a value that does not
    // match it still prints, by its own kind.
    const TypeEntry* e = t.is_prim() || !table_.is_valid(t) ? nullptr : &table_.at(t);
    switch (v.kind()) {
      case ValueKind::kNull:
      case ValueKind::kReserved: out += "null"; return;
      case ValueKind::kBool: out += v.bool_value() ? "true" : "false"; return;
      case ValueKind::kNat:
      case ValueKind::kInt: out += v.big_value().to_decimal(); return;
      case ValueKind::kNat8:
      case ValueKind::kNat16:
      case ValueKind::kNat32:
      case ValueKind::kNat64: out += std::to_string(v.nat_value()); return;
      case ValueKind::kInt8:
      case ValueKind::kInt16:
      case ValueKind::kInt32:
      case ValueKind::kInt64: out += std::to_string(v.int_value()); return;
      case ValueKind::kFloat32: out += float_text(v.float32_value(), true); return;
      case ValueKind::kFloat64: out += float_text(v.float_value(), false); return;
      case ValueKind::kText: append_text_literal(out, v.text_value()); return;
      case ValueKind::kPrincipal:
        out += "principal \"" + v.principal_value().to_text() + "\"";
        return;
      case ValueKind::kService: out += "service \"" + v.principal_value().to_text() + "\""; return;
      case ValueKind::kFunc:
        out += "func \"" + v.func_value().service.to_text() + "\".";
        append_name(out, v.func_value().method);
        return;
      case ValueKind::kOpt:
        if (!v.has_value()) {
          out += "null";
          return;
        }
        out += "opt ";
        print(out, v.opt_value(), e != nullptr && e->kind == Kind::kOpt ? e->inner : TypeRef());
        return;
      case ValueKind::kBlob:
        out += "blob \"";
        for (uint8_t b : v.blob_value()) append_hex_byte(out, b);
        out.push_back('"');
        return;
      case ValueKind::kVec: {
        TypeRef inner = e != nullptr && e->kind == Kind::kVec ? e->inner : TypeRef();
        out += "vec {";
        for (size_t i = 0; i < v.items().size(); ++i) {
          out += i == 0 ? " " : "; ";
          print(out, v.items()[i], inner);
        }
        out += v.items().empty() ? "}" : " }";
        return;
      }
      case ValueKind::kRecord:
      case ValueKind::kVariant: {
        bool record = v.is(ValueKind::kRecord);
        const std::vector<FieldValue>& fields = v.fields();
        const std::vector<Field>* types = nullptr;
        if (e != nullptr && e->kind == (record ? Kind::kRecord : Kind::kVariant)) {
          types = &e->fields;
        }
        // Records with ids 0..n-1 are tuples, written without ids (the spec's shorthand).
        bool tuple = record && !fields.empty();
        for (size_t i = 0; tuple && i < fields.size(); ++i) tuple = fields[i].id == i;
        out += record ? "record {" : "variant {";
        for (size_t i = 0; i < fields.size(); ++i) {
          const FieldValue& f = fields[i];
          TypeRef ft;
          if (types != nullptr) {
            auto it = std::lower_bound(types->begin(), types->end(), f.id,
                                       [](const Field& a, uint32_t id) { return a.id < id; });
            if (it != types->end() && it->id == f.id) ft = it->type;
          }
          out += i == 0 ? " " : "; ";
          if (!tuple) {
            append_field(out, f.id);
            // An enumeration case (of type null) needs no value.
            if (!record && f.value.is(ValueKind::kNull) && ft.is(Prim::kNull)) continue;
            out += " = ";
          }
          print(out, f.value, ft);
        }
        out += fields.empty() ? "}" : " }";
        return;
      }
    }
  }

 private:
  void append_field(std::string& out, uint32_t id) {
    if (names_ != nullptr) {
      auto it = names_->find(id);
      if (it != names_->end()) {
        append_name(out, it->second);
        return;
      }
    }
    out += std::to_string(id);
  }

  const TypeTable& table_;
  const FieldNames* names_;
};

}  // namespace

std::string print_value(const Value& v, const TypeTable& table, TypeRef type,
                        const FieldNames* names) {
  std::string out;
  Printer(table, names).print(out, v, type);
  return out;
}

std::string print_args(std::span<const Value> values, const TypeTable& table,
                       std::span<const TypeRef> types, const FieldNames* names) {
  std::string out = "(";
  Printer printer(table, names);
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    printer.print(out, values[i], i < types.size() ? types[i] : TypeRef());
  }
  return out + ")";
}

// ---------------------------------------------------------------------------------------------
// Service descriptions.

bool MethodType::is_query() const {
  return std::find(modes.begin(), modes.end(), FuncMode::kQuery) != modes.end() ||
         std::find(modes.begin(), modes.end(), FuncMode::kCompositeQuery) != modes.end();
}

std::vector<std::string> ServiceInterface::method_names() const {
  std::vector<std::string> out;
  for (const Method& m : table_.at(service_).methods) out.push_back(m.name);
  return out;
}

Result<MethodType> ServiceInterface::method(std::string_view name) const {
  for (const Method& m : table_.at(service_).methods) {
    if (m.name != name) continue;
    const TypeEntry& f = table_.at(m.type);
    return MethodType{m.name, ArgTypes{table_, f.args}, ArgTypes{table_, f.results}, f.modes};
  }
  return Error("the service has no method '" + std::string(name) + "'");
}

Result<TypeRef> ServiceInterface::named_type(std::string_view name) const {
  auto it = definitions_.find(name);
  if (it == definitions_.end()) return Error("no type named '" + std::string(name) + "'");
  return it->second;
}

Result<ServiceInterface> parse_did(std::string_view text) {
  CHORUS_ASSIGN_OR_RETURN(TextParser p, TextParser::create(text));
  while (!p.at_end() && !p.peek("service")) {
    if (p.peek("import")) {
      return Error("`import` is not supported " + p.where() +
                   ": put the imported definitions in the same text");
    }
    CHORUS_RETURN_IF_ERROR(p.expect("type"));
    CHORUS_RETURN_IF_ERROR(p.parse_definition());
    CHORUS_RETURN_IF_ERROR(p.expect(";"));
  }
  ServiceInterface out;
  bool has_service = p.accept("service");
  if (has_service) {
    if (!p.peek(":")) CHORUS_RETURN_IF_ERROR(p.identifier());  // a name, documentation only
    CHORUS_RETURN_IF_ERROR(p.expect(":"));
    if (p.peek("(")) {
      CHORUS_ASSIGN_OR_RETURN(out.init_args_, p.parse_tuple_type());
      CHORUS_RETURN_IF_ERROR(p.expect("->"));
    }
    CHORUS_ASSIGN_OR_RETURN(out.service_, p.peek("{") ? p.parse_actor_type() : p.parse_type());
    if (out.service_.is_prim() || p.table().at(out.service_).kind != Kind::kService) {
      return Error("the service's type is not a service type");
    }
    p.accept(";");
  }
  if (!p.at_end()) return Error("unexpected text after the service " + p.where());
  CHORUS_RETURN_IF_ERROR(p.resolve_definitions());
  for (const std::string& name : p.definition_names()) {
    CHORUS_ASSIGN_OR_RETURN(TypeRef t, p.named_type(name));
    out.definitions_.emplace(name, t);
  }
  out.table_ = p.table();
  out.names_ = p.field_names();
  // A file of definitions only describes a service without methods.
  if (!has_service) out.service_ = out.table_.add_service({});
  return out;
}

}  // namespace chorus::candid
