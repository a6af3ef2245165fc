// Candid's text syntax (CAND spec/Candid.md, "Type Structure" and "Values"): type definitions,
// tuple types, values, and `.did` service descriptions. Types are lowered into a TypeTable as they
// are parsed, so that they can be used for encoding and as the expected types of decode(). Values
// are parsed untyped and then read at a type, which applies the same subtyping rules as binary
// decoding (a text value "5" at opt nat is opt 5). A TypeTable only knows field ids; the names the
// text gave them are kept beside it (FieldNames) so that values print with names again.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "encoding/candid_types.h"
#include "encoding/candid_value.h"

namespace chorus::candid {

// Field and case names met in parsed types, by id. The spec's hash makes a name's id unique in
// practice, so one map serves a whole interface.
using FieldNames = std::map<uint32_t, std::string>;

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
  // `(v : t)`: the type |annotation| in |annotation_table|, which the value must have and which
  // must be a subtype of the type the value is read at.
  std::shared_ptr<const TypeTable> annotation_table;
  TypeRef annotation;
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
  std::vector<std::string> definition_names() const;
  // Consumes one identifier (a name that is documentation only).
  Status identifier();
  // `{ <methtype>;* }`, the body of a service type.
  Result<TypeRef> parse_actor_type();

  Result<TextValue> parse_value();
  // ( <annval>,* )
  Result<std::vector<TextValue>> parse_args();

  const TypeTable& table() const { return table_; }
  const FieldNames& field_names() const { return names_; }

 private:
  struct Ast;
  explicit TextParser(std::vector<Token> tokens);

  const Token& next() const { return tokens_[pos_]; }
  // Whether the next token is a label (an identifier, a quoted name, or a number when |numbers|)
  // followed by |separator|: ':' in types, '=' in values.
  bool at_label_then(std::string_view separator, bool numbers) const;
  Result<std::unique_ptr<Ast>> parse_ast(size_t depth);
  Result<std::unique_ptr<Ast>> parse_func_ast(size_t depth);
  Status parse_methods(Ast& ast, size_t depth);
  Result<std::vector<std::unique_ptr<Ast>>> parse_tuple_ast(size_t depth);
  Result<TypeRef> lower(const Ast& ast);
  Result<TypeEntry> lower_entry(const Ast& ast);
  Result<TypeRef> resolve(const std::string& name);
  Result<TextValue> parse_value_at_depth(size_t depth);
  Result<TextValue> parse_annotated(size_t depth);
  Result<uint32_t> field_id();

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  TypeTable table_;
  std::map<std::string, std::shared_ptr<Ast>> definitions_;
  std::map<std::string, TypeRef> resolved_;
  size_t resolve_depth_ = 0;
  FieldNames names_;
  std::shared_ptr<const TypeTable> annotation_table_;
  size_t annotation_copies_ = 0;
};

// Any number of `type` definitions followed by one tuple type, e.g.
// "type List = opt record { head : nat; tail : List }; (List, text)". The field names met go to
// |names| when given.
Result<ArgTypes> parse_arg_types(std::string_view text, FieldNames* names = nullptr);

// Gives a text value the type |type| of |table|, coercing as binary decoding would.
Result<Value> value_at_type(const TextValue& value, const TypeTable& table, TypeRef type);
// The same for an argument list: missing trailing nullable arguments read as null.
Result<std::vector<Value>> args_at_types(const std::vector<TextValue>& values,
                                         const TypeTable& table, const std::vector<TypeRef>& types);

// Parses an argument list such as `(record { owner = principal "aaaaa-aa"; amount = 1_000 })`
// and gives it |types|: numbers take their type from the expected type, record fields and variant
// cases are matched by id (a name stands for its hash), and annotations `(v : t)` must agree with
// the expected type.
Result<std::vector<Value>> parse_args_at(std::string_view text, const TypeTable& table,
                                         std::span<const TypeRef> types);

// The text syntax of |v| at |type|, which must be the type it has (as decode() and
// value_at_type() return them). Fields and cases print by name when |names| knows their id,
// records with ids 0..n-1 as tuples, variant cases of type null without a value, floats in the
// shortest form that reads back to the same bits (except NaN payloads), text with escapes for
// control characters only. Parsing the result at the same type gives the same value.
std::string print_value(const Value& v, const TypeTable& table, TypeRef type,
                        const FieldNames* names = nullptr);
// An argument list: "(v1, v2)".
std::string print_args(std::span<const Value> values, const TypeTable& table,
                       std::span<const TypeRef> types, const FieldNames* names = nullptr);

// One method of a service: its parameter and result types (sharing the interface's table).
struct MethodType {
  std::string name;
  ArgTypes args;
  ArgTypes results;
  std::vector<FuncMode> modes;
  bool is_query() const;
};

// A parsed `.did` file: its type definitions, the service's methods and, for a service class
// (`service : (init) -> { ... }`), the arguments of its installation.
class ServiceInterface {
 public:
  const TypeTable& table() const { return table_; }
  const FieldNames& field_names() const { return names_; }
  // The kService entry the file describes.
  TypeRef service() const { return service_; }
  const std::vector<TypeRef>& init_args() const { return init_args_; }
  ArgTypes init_arg_types() const { return ArgTypes{table_, init_args_}; }
  std::vector<std::string> method_names() const;
  Result<MethodType> method(std::string_view name) const;
  // The type a `type` definition of the file names.
  Result<TypeRef> named_type(std::string_view name) const;

 private:
  friend Result<ServiceInterface> parse_did(std::string_view text);
  TypeTable table_;
  FieldNames names_;
  TypeRef service_;
  std::vector<TypeRef> init_args_;
  std::map<std::string, TypeRef, std::less<>> definitions_;
};

// Parses a `.did` file: `type` definitions, then `service [name] : [(init args) ->] (actor type |
// type name)`. A file of definitions only describes an empty service. `import` is refused: the
// caller would have to say where files live, and the IC's interfaces do not need it.
Result<ServiceInterface> parse_did(std::string_view text);

}  // namespace chorus::candid
