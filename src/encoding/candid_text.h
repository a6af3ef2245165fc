// Candid's text syntax (CAND spec/Candid.md, "Type Structure" and "Values"), as far as type
// definitions, tuple types and values go; no service declarations or imports yet. Types are
// lowered into a TypeTable as they are parsed, so that they can be used for encoding and as the
// expected types of decode(). Values are parsed untyped and then read at a type, which applies
// the same subtyping rules as binary decoding (a text value "5" at opt nat is opt 5).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "encoding/candid_types.h"
#include "encoding/candid_value.h"

namespace chorus::candid {

struct Token {
  enum class Kind : uint8_t { kEnd, kId, kText, kNumber, kPunct };
  Kind kind = Kind::kEnd;
  std::string text;  // for kText, the decoded bytes (not necessarily UTF-8: blob literals)
  size_t offset = 0;
};

// Splits |text| into tokens, skipping whitespace and comments (// and nesting /* */).
Result<std::vector<Token>> tokenize(std::string_view text);

// A value in text syntax before it is given a type.
struct TextValue {
  // clang-format off
  enum class Tag : uint8_t {
    kNumber, kText, kBool, kNull, kOpt, kVec, kBlob, kRecord, kVariant, kPrincipal, kService, kFunc,
  };
  // clang-format on
  Tag tag = Tag::kNull;
  // kNumber: the literal; kText, kBlob: the bytes; kPrincipal, kService, kFunc: the principal.
  std::string text;
  std::string method;            // kFunc
  bool boolean = false;          // kBool
  std::vector<TextValue> items;  // kOpt (one), kVec, kRecord, kVariant (one)
  std::vector<uint32_t> ids;     // kRecord, kVariant: one per item
};

class TextParser {
 public:
  static Result<TextParser> create(std::string_view text);

  bool at_end() const { return tokens_[pos_].kind == Token::Kind::kEnd; }
  // Whether the next token is the identifier or punctuation |token|.
  bool peek(std::string_view token) const;
  bool accept(std::string_view token);
  Status expect(std::string_view token);
  Result<std::string> text_literal();
  // "at offset N near 'x'": where the parser is, for error messages.
  std::string where() const;
  // The byte offset of the next token in the text.
  size_t offset() const { return next().offset; }

  // After the keyword `type`: `<id> = <datatype>`. Definitions may refer to each other in any
  // order; they are resolved when a type that uses them is parsed, or by resolve_definitions().
  Status parse_definition();
  Status resolve_definitions();
  Result<TypeRef> parse_type();
  // ( <argtype>,* )
  Result<std::vector<TypeRef>> parse_tuple_type();
  // The type a definition names.
  Result<TypeRef> named_type(const std::string& name);

  Result<TextValue> parse_value();
  // ( <annval>,* )
  Result<std::vector<TextValue>> parse_args();

  const TypeTable& table() const { return table_; }

 private:
  struct Ast;
  explicit TextParser(std::vector<Token> tokens);

  const Token& next() const { return tokens_[pos_]; }
  Result<std::unique_ptr<Ast>> parse_ast(size_t depth);
  Result<std::unique_ptr<Ast>> parse_func_ast(size_t depth);
  Result<std::vector<std::unique_ptr<Ast>>> parse_tuple_ast(size_t depth);
  Result<TypeRef> lower(const Ast& ast);
  Result<TypeEntry> lower_entry(const Ast& ast);
  Result<TypeRef> resolve(const std::string& name);
  Result<TextValue> parse_value_at_depth(size_t depth);
  Result<uint32_t> field_id();

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  TypeTable table_;
  std::map<std::string, std::shared_ptr<Ast>> definitions_;
  std::map<std::string, TypeRef> resolved_;
  size_t resolve_depth_ = 0;
};

// Any number of `type` definitions followed by one tuple type, e.g.
// "type List = opt record { head : nat; tail : List }; (List, text)".
Result<ArgTypes> parse_arg_types(std::string_view text);

// Gives a text value the type |type| of |table|, coercing as binary decoding would.
Result<Value> value_at_type(const TextValue& value, const TypeTable& table, TypeRef type);
// The same for an argument list: missing trailing nullable arguments read as null.
Result<std::vector<Value>> args_at_types(const std::vector<TextValue>& values,
                                         const TypeTable& table, const std::vector<TypeRef>& types);

}  // namespace chorus::candid
