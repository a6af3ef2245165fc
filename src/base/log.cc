#include "base/log.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <sstream>

namespace chorus::log {

namespace {

std::string_view level_name(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

// Text values with spaces, quotes or '=' are quoted so that a line splits back into fields.
void append_text_value(std::string& out, std::string_view s) {
  bool plain = !s.empty();
  for (unsigned char c : s) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) plain = false;
  }
  if (plain) {
    out += s;
  } else {
    append_json_string(out, s);
  }
}

std::string iso_time(uint64_t unix_millis) {
  std::time_t secs = static_cast<std::time_t>(unix_millis / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<unsigned>(unix_millis % 1000));
  return buf;
}

}  // namespace

Field::Field(std::string_view k, double v) : key(k), quoted(false) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  value = buf;
}

Result<Level> parse_level(std::string_view name) {
  if (name == "debug") return Level::kDebug;
  if (name == "info") return Level::kInfo;
  if (name == "warn" || name == "warning") return Level::kWarn;
  if (name == "error") return Level::kError;
  return Error("unknown log level '" + std::string(name) + "' (debug, info, warn, error)");
}

Result<Format> parse_format(std::string_view name) {
  if (name == "json") return Format::kJson;
  if (name == "text") return Format::kText;
  return Error("unknown log format '" + std::string(name) + "' (json, text)");
}

struct Logger::Impl {
  std::shared_ptr<spdlog::logger> logger;
  std::shared_ptr<std::ostringstream> memory;  // memory() loggers only
  mutable std::mutex memory_mu;
};

Logger::Logger(std::unique_ptr<Impl> impl, Level min_level, Format format)
    : impl_(std::move(impl)), min_level_(min_level), format_(format) {}

Logger::~Logger() {
  if (impl_ && impl_->logger) impl_->logger->flush();
}

Result<std::shared_ptr<Logger>> Logger::open(const std::string& path, Level min_level,
                                             Format format) {
  auto impl = std::make_unique<Impl>();
  try {
    spdlog::sink_ptr sink;
    if (path.empty() || path == "-") {
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    } else {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, /*truncate=*/false);
    }
    // Not registered in spdlog's global registry: the logger belongs to its owner.
    impl->logger = std::make_shared<spdlog::logger>("chorus", std::move(sink));
  } catch (const std::exception& e) {
    return Error("cannot open log " + path + ": " + e.what());
  }
  impl->logger->set_pattern("%v");
  impl->logger->set_level(spdlog::level::trace);
  // Every line reaches the file at once: a crash must not eat the lines before it.
  impl->logger->flush_on(spdlog::level::trace);
  return std::shared_ptr<Logger>(new Logger(std::move(impl), min_level, format));
}

std::shared_ptr<Logger> Logger::memory(Level min_level) {
  auto impl = std::make_unique<Impl>();
  impl->memory = std::make_shared<std::ostringstream>();
  return std::shared_ptr<Logger>(new Logger(std::move(impl), min_level, Format::kJson));
}

std::string Logger::format_line(Format format, uint64_t unix_millis, Level level,
                                std::string_view event, std::initializer_list<Field> fields) {
  std::string line;
  line.reserve(96);
  if (format == Format::kJson) {
    line += "{\"ts\":";
    append_json_string(line, iso_time(unix_millis));
    line += ",\"level\":";
    append_json_string(line, level_name(level));
    line += ",\"event\":";
    append_json_string(line, event);
    for (const Field& f : fields) {
      line.push_back(',');
      append_json_string(line, f.key);
      line.push_back(':');
      if (f.quoted) {
        append_json_string(line, f.value);
      } else {
        line += f.value;
      }
    }
    line.push_back('}');
  } else {
    line += iso_time(unix_millis);
    line.push_back(' ');
    line += level_name(level);
    line.push_back(' ');
    line += event;
    for (const Field& f : fields) {
      line.push_back(' ');
      line += f.key;
      line.push_back('=');
      append_text_value(line, f.value);
    }
  }
  return line;
}

void Logger::log(Level level, std::string_view event, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  // Wall-clock time is right here: logs are local to the node and never feed replicated state.
  uint64_t millis = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
  std::string line = format_line(format_, millis, level, event, fields);
  if (impl_->memory) {
    std::lock_guard<std::mutex> lock(impl_->memory_mu);
    *impl_->memory << line << '\n';
    return;
  }
  impl_->logger->info(line);
}

void Logger::flush() {
  if (impl_->logger) impl_->logger->flush();
}

std::string Logger::lines() const {
  if (!impl_->memory) return {};
  std::lock_guard<std::mutex> lock(impl_->memory_mu);
  return impl_->memory->str();
}

}  // namespace chorus::log
