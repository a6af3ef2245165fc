// Structured logs: one line per event, an event name and key=value fields, as JSON lines (for
// machines) or text (for people). A Logger is an object its owner passes around, not a global;
// it is thread-safe. Writing is spdlog's (file or stderr sinks, flushing), formatting is ours so
// that every line has the same shape: {"ts":…,"level":…,"event":…,<fields>}.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace chorus::log {

enum class Level : uint8_t { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class Format : uint8_t { kJson, kText };

// "debug", "info", "warn", "error" (and "warning").
Result<Level> parse_level(std::string_view name);
Result<Format> parse_format(std::string_view name);

// One field of an event. Numbers are written bare in JSON, strings quoted and escaped.
struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, const char* v) : key(k), value(v), quoted(true) {}
  Field(std::string_view k, uint64_t v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, int64_t v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, int v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, unsigned v) : key(k), value(std::to_string(v)), quoted(false) {}
  Field(std::string_view k, double v);
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false"), quoted(false) {}

  std::string_view key;
  std::string value;
  bool quoted;
};

class Logger {
 public:
  // Logs to |path| (appending), or to standard error when |path| is empty or "-".
  static Result<std::shared_ptr<Logger>> open(const std::string& path, Level min_level,
                                              Format format);
  // A logger that keeps lines in memory (tests read them with lines()).
  static std::shared_ptr<Logger> memory(Level min_level = Level::kDebug);
  ~Logger();

  bool enabled(Level level) const { return level >= min_level_; }
  void log(Level level, std::string_view event, std::initializer_list<Field> fields = {});
  void debug(std::string_view event, std::initializer_list<Field> fields = {}) { log(Level::kDebug, event, fields); }
  void info(std::string_view event, std::initializer_list<Field> fields = {}) { log(Level::kInfo, event, fields); }
  void warn(std::string_view event, std::initializer_list<Field> fields = {}) { log(Level::kWarn, event, fields); }
  void error(std::string_view event, std::initializer_list<Field> fields = {}) { log(Level::kError, event, fields); }
  void flush();

  // The lines of a memory() logger, oldest first; empty for other loggers.
  std::string lines() const;

  // One event formatted as a line (without newline); exposed for tests.
  static std::string format_line(Format format, uint64_t unix_millis, Level level,
                                 std::string_view event, std::initializer_list<Field> fields);

 private:
  struct Impl;
  Logger(std::unique_ptr<Impl> impl, Level min_level, Format format);
  std::unique_ptr<Impl> impl_;
  Level min_level_;
  Format format_;
};

}  // namespace chorus::log
