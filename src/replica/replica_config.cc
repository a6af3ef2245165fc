#include "replica/replica_config.h"

#include <toml++/toml.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace chorus::replica {

namespace {

// Keys each table may have; anything else is refused.
const std::map<std::string, std::set<std::string>>& known_keys() {
  static const std::map<std::string, std::set<std::string>> keys = {
      {"", {"state_dir", "http", "consensus", "state", "calls", "log"}},
      {"http", {"host", "port", "threads", "max_body_bytes", "port_file"}},
      {"consensus", {"idle_round_ms", "max_ingress_per_batch", "durable"}},
      {"state", {"checkpoint_interval"}},
      {"calls", {"sync_call_timeout_ms"}},
      {"log", {"path", "level", "format"}},
  };
  return keys;
}

template <typename T>
Status read_uint(const toml::table& t, const char* key, T& out, uint64_t min, uint64_t max,
                 const std::string& where) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return ok_status();
  auto v = n->value<int64_t>();
  if (!v || *v < 0 || static_cast<uint64_t>(*v) < min || static_cast<uint64_t>(*v) > max) {
    return Error(where + key + ": expected an integer in [" + std::to_string(min) + ", " +
                 std::to_string(max) + "]");
  }
  out = static_cast<T>(*v);
  return ok_status();
}

Status read_string(const toml::table& t, const char* key, std::string& out, const std::string& where) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return ok_status();
  auto v = n->value<std::string>();
  if (!v) return Error(where + key + ": expected a string");
  out = *v;
  return ok_status();
}

}  // namespace

Result<ReplicaConfig> parse_config(std::string_view toml_text, const std::string& source_name) {
  // Debian's toml++ is built with exceptions: a parse error is thrown, and caught here.
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << source_name << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    return Error(msg.str());
  }
  ReplicaConfig c;
  for (auto&& [key, node] : root) {
    std::string k(key.str());
    if (!known_keys().at("").count(k)) return Error(source_name + ": unknown key '" + k + "'");
    if (k != "state_dir" && !node.is_table()) {
      return Error(source_name + ": '" + k + "' must be a table ([" + k + "])");
    }
    if (node.is_table()) {
      for (auto&& [sub, unused] : *node.as_table()) {
        (void)unused;
        std::string s(sub.str());
        if (!known_keys().at(k).count(s)) {
          return Error(source_name + ": unknown key '" + k + "." + s + "'");
        }
      }
    }
  }
  std::string where = source_name + ": ";
  if (Status s = read_string(root, "state_dir", c.state_dir, where); !s.ok()) return s.error();
  if (const toml::table* t = root["http"].as_table()) {
    std::string w = where + "http.";
    if (Status s = read_string(*t, "host", c.host, w); !s.ok()) return s.error();
    if (Status s = read_uint(*t, "port", c.port, 0, 65535, w); !s.ok()) return s.error();
    if (Status s = read_uint(*t, "threads", c.http_threads, 1, 256, w); !s.ok()) return s.error();
    if (Status s = read_uint(*t, "max_body_bytes", c.max_body_bytes, 1024, 64ull << 20, w); !s.ok()) return s.error();
    if (Status s = read_string(*t, "port_file", c.port_file, w); !s.ok()) return s.error();
  }
  if (const toml::table* t = root["consensus"].as_table()) {
    std::string w = where + "consensus.";
    if (Status s = read_uint(*t, "idle_round_ms", c.idle_round_ms, 1, 60'000, w); !s.ok()) return s.error();
    if (Status s = read_uint(*t, "max_ingress_per_batch", c.max_ingress_per_batch, 1, 100'000, w); !s.ok()) return s.error();
    if (const toml::node* n = t->get("durable")) {
      auto v = n->value<bool>();
      if (!v) return Error(w + "durable: expected true or false");
      c.durable = *v;
    }
  }
  if (const toml::table* t = root["state"].as_table()) {
    if (Status s = read_uint(*t, "checkpoint_interval", c.checkpoint_interval, 1, 1'000'000'000, where + "state.");
        !s.ok()) {
      return s.error();
    }
  }
  if (const toml::table* t = root["calls"].as_table()) {
    if (Status s = read_uint(*t, "sync_call_timeout_ms", c.sync_call_timeout_ms, 0, 600'000, where + "calls.");
        !s.ok()) {
      return s.error();
    }
  }
  if (const toml::table* t = root["log"].as_table()) {
    std::string w = where + "log.";
    if (Status s = read_string(*t, "path", c.log_path, w); !s.ok()) return s.error();
    std::string level, format;
    if (Status s = read_string(*t, "level", level, w); !s.ok()) return s.error();
    if (Status s = read_string(*t, "format", format, w); !s.ok()) return s.error();
    if (!level.empty()) {
      auto l = log::parse_level(level);
      if (!l.ok()) return l.error().with_context(w + "level");
      c.log_level = *l;
    }
    if (!format.empty()) {
      auto f = log::parse_format(format);
      if (!f.ok()) return f.error().with_context(w + "format");
      c.log_format = *f;
    }
  }
  return c;
}

Result<ReplicaConfig> load_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error("cannot read configuration file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path);
}

std::string to_toml(const ReplicaConfig& c) {
  auto quote = [](const std::string& s) {
    std::ostringstream o;
    o << toml::value<std::string>(s);
    return o.str();
  };
  const char* levels[] = {"debug", "info", "warn", "error"};
  std::ostringstream o;
  o << "state_dir = " << quote(c.state_dir) << "\n\n[http]\nhost = " << quote(c.host)
    << "\nport = " << c.port << "\nthreads = " << c.http_threads
    << "\nmax_body_bytes = " << c.max_body_bytes << "\nport_file = " << quote(c.port_file)
    << "\n\n[consensus]\nidle_round_ms = " << c.idle_round_ms
    << "\nmax_ingress_per_batch = " << c.max_ingress_per_batch
    << "\ndurable = " << (c.durable ? "true" : "false")
    << "\n\n[state]\ncheckpoint_interval = " << c.checkpoint_interval
    << "\n\n[calls]\nsync_call_timeout_ms = " << c.sync_call_timeout_ms
    << "\n\n[log]\npath = " << quote(c.log_path)
    << "\nlevel = \"" << levels[static_cast<int>(c.log_level)] << "\"\nformat = \""
    << (c.log_format == log::Format::kJson ? "json" : "text") << "\"\n";
  return o.str();
}

}  // namespace chorus::replica
