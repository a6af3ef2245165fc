#include "state/checkpoint_manifest.h"

#include <algorithm>
#include <cstring>
#include <map>

namespace chorus::state {
namespace {

constexpr char kMagic[8] = {'C', 'H', 'O', 'R', 'U', 'S', 'C', 'K'};
constexpr uint32_t kVersion = 1;

void put_le(Bytes& out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void put_str(Bytes& out, const std::string& s) {
  put_le(out, s.size(), 2);
  out.insert(out.end(), s.begin(), s.end());
}

Result<std::string> read_str(ByteReader& r, std::string_view what) {
  CHORUS_ASSIGN_OR_RETURN(uint16_t n, r.read_le<uint16_t>(what));
  CHORUS_ASSIGN_OR_RETURN(ByteView b, r.read_bytes(n, what));
  return std::string(as_chars(b));
}

// Quotes a name for an error message without letting odd bytes through.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s.substr(0, 80)) out += (c >= 0x20 && c <= 0x7e) ? c : '?';
  if (s.size() > 80) out += "...";
  return out + "\"";
}

}  // namespace

const ManifestFile* Manifest::find_file(const std::string& name) const {
  auto by_name = [](const ManifestFile& f, const std::string& n) { return f.name < n; };
  auto it = std::lower_bound(files.begin(), files.end(), name, by_name);
  return it != files.end() && it->name == name ? &*it : nullptr;
}

bool is_valid_state_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxStateNameBytes) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

bool is_valid_file_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxFileNameBytes || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

Status validate_manifest(const Manifest& m) {
  for (size_t i = 0; i < m.files.size(); ++i) {
    if (!is_valid_file_name(m.files[i].name)) {
      return Error("manifest: invalid file name " + quoted(m.files[i].name));
    }
    if (i > 0 && m.files[i].name <= m.files[i - 1].name) {
      return Error("manifest: file " + quoted(m.files[i].name) + " is out of order or repeated");
    }
  }
  std::map<std::string, int> references;
  auto reference = [&](const std::string& file, const std::string& by) -> Status {
    if (m.find_file(file) == nullptr) {
      return Error("manifest: " + by + " refers to unlisted file " + quoted(file));
    }
    if (++references[file] > 1) {
      return Error("manifest: file " + quoted(file) + " is referenced more than once");
    }
    return ok_status();
  };
  for (size_t i = 0; i < m.blobs.size(); ++i) {
    const ManifestBlob& b = m.blobs[i];
    if (!is_valid_state_name(b.name)) return Error("manifest: invalid blob name " + quoted(b.name));
    if (i > 0 && b.name <= m.blobs[i - 1].name) {
      return Error("manifest: blob " + quoted(b.name) + " is out of order or repeated");
    }
    CHORUS_RETURN_IF_ERROR(reference(b.file, "blob " + quoted(b.name)));
  }
  for (size_t i = 0; i < m.memories.size(); ++i) {
    const ManifestMemory& mem = m.memories[i];
    if (!is_valid_state_name(mem.name)) {
      return Error("manifest: invalid memory name " + quoted(mem.name));
    }
    if (i > 0 && mem.name <= m.memories[i - 1].name) {
      return Error("manifest: memory " + quoted(mem.name) + " is out of order or repeated");
    }
    if (mem.layers.empty()) return Error("manifest: memory " + quoted(mem.name) + " has no layers");
    for (const std::string& f : mem.layers) {
      CHORUS_RETURN_IF_ERROR(reference(f, "memory " + quoted(mem.name)));
    }
  }
  for (const ManifestFile& f : m.files) {
    if (references.count(f.name) == 0) {
      return Error("manifest: file " + quoted(f.name) + " is listed but not referenced");
    }
  }
  return ok_status();
}

Bytes encode_manifest(const Manifest& m) {
  Bytes out(kMagic, kMagic + 8);
  put_le(out, kVersion, 4);
  put_le(out, m.height, 8);
  put_le(out, m.blobs.size(), 4);
  for (const ManifestBlob& b : m.blobs) {
    put_str(out, b.name);
    put_str(out, b.file);
  }
  put_le(out, m.memories.size(), 4);
  for (const ManifestMemory& mem : m.memories) {
    put_str(out, mem.name);
    put_le(out, mem.size_pages, 8);
    put_le(out, mem.layers.size(), 4);
    for (const std::string& f : mem.layers) put_str(out, f);
  }
  put_le(out, m.files.size(), 4);
  for (const ManifestFile& f : m.files) {
    put_str(out, f.name);
    put_le(out, f.size, 8);
    out.insert(out.end(), f.sha256.begin(), f.sha256.end());
  }
  const Sha256Digest digest = sha256(out);
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

Result<Manifest> parse_manifest(ByteView bytes) {
  if (bytes.size() < 8 + 32) return Error("manifest: " + std::to_string(bytes.size()) +
                                          " bytes is too short");
  // The checksum first: a torn or bit-flipped manifest is reported as such, not as whatever
  // field the damage happens to hit.
  const ByteView body = bytes.first(bytes.size() - 32);
  const Sha256Digest digest = sha256(body);
  if (std::memcmp(digest.data(), bytes.data() + body.size(), 32) != 0) {
    return Error("manifest: checksum mismatch");
  }
  ByteReader r(body);
  ByteView magic = r.read_bytes(8).value();
  if (std::memcmp(magic.data(), kMagic, 8) != 0) return Error("manifest: bad magic");
  CHORUS_ASSIGN_OR_RETURN(uint32_t version, r.read_le<uint32_t>("version"));
  if (version != kVersion) {
    return Error("manifest: unsupported version " + std::to_string(version));
  }
  Manifest m;
  CHORUS_ASSIGN_OR_RETURN(m.height, r.read_le<uint64_t>("height"));
  // Counts are not trusted for allocation: elements are appended as they are read, and each takes
  // at least a few bytes, so a false count runs out of input first.
  CHORUS_ASSIGN_OR_RETURN(uint32_t blobs, r.read_le<uint32_t>("blob count"));
  for (uint32_t i = 0; i < blobs; ++i) {
    ManifestBlob b;
    CHORUS_ASSIGN_OR_RETURN(b.name, read_str(r, "blob name"));
    CHORUS_ASSIGN_OR_RETURN(b.file, read_str(r, "blob file"));
    m.blobs.push_back(std::move(b));
  }
  CHORUS_ASSIGN_OR_RETURN(uint32_t memories, r.read_le<uint32_t>("memory count"));
  for (uint32_t i = 0; i < memories; ++i) {
    ManifestMemory mem;
    CHORUS_ASSIGN_OR_RETURN(mem.name, read_str(r, "memory name"));
    CHORUS_ASSIGN_OR_RETURN(mem.size_pages, r.read_le<uint64_t>("memory size"));
    CHORUS_ASSIGN_OR_RETURN(uint32_t layers, r.read_le<uint32_t>("layer count"));
    for (uint32_t k = 0; k < layers; ++k) {
      CHORUS_ASSIGN_OR_RETURN(std::string f, read_str(r, "layer file"));
      mem.layers.push_back(std::move(f));
    }
    m.memories.push_back(std::move(mem));
  }
  CHORUS_ASSIGN_OR_RETURN(uint32_t files, r.read_le<uint32_t>("file count"));
  for (uint32_t i = 0; i < files; ++i) {
    ManifestFile f;
    CHORUS_ASSIGN_OR_RETURN(f.name, read_str(r, "file name"));
    CHORUS_ASSIGN_OR_RETURN(f.size, r.read_le<uint64_t>("file size"));
    CHORUS_ASSIGN_OR_RETURN(ByteView d, r.read_bytes(32, "file checksum"));
    std::memcpy(f.sha256.data(), d.data(), 32);
    m.files.push_back(std::move(f));
  }
  if (!r.at_end()) {
    return Error("manifest: " + std::to_string(r.remaining()) + " unexpected bytes at offset " +
                 std::to_string(r.position()));
  }
  CHORUS_RETURN_IF_ERROR(validate_manifest(m));
  return m;
}

}  // namespace chorus::state
