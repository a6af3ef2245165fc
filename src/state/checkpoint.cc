#include "state/checkpoint.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "base/file.h"
#include "crypto/sha2.h"
#include "state/page_store.h"

namespace chorus::state {

namespace fs = std::filesystem;

namespace {

constexpr char kManifestName[] = "MANIFEST";
// About a kilobyte per memory: room for a few hundred thousand memories.
constexpr uint64_t kMaxManifestBytes = uint64_t{256} << 20;
constexpr size_t kWriteBuffer = size_t{1} << 20;
// An overlay is folded into the next one unless it is more than this many times bigger.
constexpr uint64_t kOverlayMergeRatio = 2;

// A name for an error message, without letting control bytes through.
std::string printable(const std::string& s) {
  std::string out;
  for (char c : s.substr(0, 80)) out += (c >= 0x20 && c <= 0x7e) ? c : '?';
  return "\"" + out + (s.size() > 80 ? "...\"" : "\"");
}

std::string errno_text(int e) { return std::error_code(e, std::generic_category()).message(); }

Error os_error(const std::string& what, const std::string& path, int e) {
  return Error("cannot " + what + " " + path + ": " + errno_text(e));
}

std::string height_name(uint64_t h) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(h));
  return buf;
}

std::optional<uint64_t> parse_height(const std::string& name) {
  if (name.size() != 20) return std::nullopt;
  uint64_t h = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (h > (UINT64_MAX - d) / 10) return std::nullopt;
    h = h * 10 + d;
  }
  return h;
}

std::string blob_file_name(size_t ordinal) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "b-%06zu.blob", ordinal);
  return buf;
}

// Layer files are named by the height that wrote them and the memory's position at that height,
// so a name is never reused for other contents, and links keep the names of the files they share.
std::string layer_file_name(uint64_t height, size_t ordinal, PageFileKind kind) {
  char buf[80];
  std::snprintf(buf, sizeof buf, "m-%020llu-%06zu.%s", static_cast<unsigned long long>(height),
                ordinal, kind == PageFileKind::kBase ? "base" : "overlay");
  return buf;
}

// The sorted union of two sorted index lists.
std::vector<uint64_t> merge_sorted(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  std::vector<uint64_t> out;
  out.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// The file-system operations of one write(), each announced to the test hook first.
struct Io {
  // Null outside write(): the hook only simulates crashes of the writer.
  const std::function<Status(std::string_view, const std::string&)>* hook = nullptr;
  bool crashed = false;

  Status op(std::string_view name, const std::string& path) {
    if (hook == nullptr || !*hook) return ok_status();
    Status s = (*hook)(name, path);
    if (!s.ok()) crashed = true;
    return s;
  }

  Status fsync_dir(const std::string& path) {
    CHORUS_RETURN_IF_ERROR(op("fsync-dir", path));
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return os_error("open directory", path, errno);
    const int rc = ::fsync(fd);
    const int e = errno;
    ::close(fd);
    if (rc != 0) return os_error("fsync directory", path, e);
    return ok_status();
  }
};

Status write_all(int fd, const uint8_t* p, size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return os_error("write", path, errno);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return ok_status();
}

// A new file written through a buffer, hashed as it goes, fsynced and closed by finish().
class FileWriter {
 public:
  FileWriter(Io& io, std::string path) : io_(io), path_(std::move(path)) {}
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;
  ~FileWriter() {
    if (fd_ >= 0) ::close(fd_);
  }

  Status open() {
    CHORUS_RETURN_IF_ERROR(io_.op("create", path_));
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) return os_error("create", path_, errno);
    return ok_status();
  }

  Status append(ByteView data) {
    sha_.update(data);
    size_ += data.size();
    buffer_.insert(buffer_.end(), data.begin(), data.end());
    if (buffer_.size() >= kWriteBuffer) return flush();
    return ok_status();
  }

  // Returns the file's manifest entry under |name|.
  Result<ManifestFile> finish(std::string name) {
    CHORUS_RETURN_IF_ERROR(flush());
    CHORUS_RETURN_IF_ERROR(io_.op("fsync", path_));
    if (::fsync(fd_) != 0) return os_error("fsync", path_, errno);
    const int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return os_error("close", path_, errno);
    return ManifestFile{std::move(name), size_, sha_.finish()};
  }

 private:
  Status flush() {
    if (buffer_.empty()) return ok_status();
    Status hook = io_.op("write", path_);
    if (!hook.ok()) {
      // A torn write: part of the bytes reach the file, then the "crash".
      (void)write_all(fd_, buffer_.data(), buffer_.size() / 2, path_);
      return hook;
    }
    CHORUS_RETURN_IF_ERROR(write_all(fd_, buffer_.data(), buffer_.size(), path_));
    buffer_.clear();
    return ok_status();
  }

  Io& io_;
  std::string path_;
  int fd_ = -1;
  Bytes buffer_;
  Sha256 sha_;
  uint64_t size_ = 0;
};

// A read-only private mapping of a whole file. The checkpoint files are never modified after
// they are renamed into place (new data always goes to new files), so the mapping stays stable
// while a load copies the pages out of it; it is unmapped right after.
class MappedFile {
 public:
  MappedFile() = default;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile() {
    if (addr_ != nullptr) ::munmap(addr_, size_);
  }

  Status open(const std::string& path, uint64_t expected_size) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return os_error("open", path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      const int e = errno;
      ::close(fd);
      return os_error("stat", path, e);
    }
    if (static_cast<uint64_t>(st.st_size) != expected_size) {
      ::close(fd);
      return Error(path + " has " + std::to_string(st.st_size) + " bytes, the manifest says " +
                   std::to_string(expected_size));
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
      void* a = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      const int e = errno;
      ::close(fd);
      if (a == MAP_FAILED) return os_error("map", path, e);
      addr_ = a;
      ::madvise(addr_, size_, MADV_SEQUENTIAL);
    } else {
      ::close(fd);
    }
    return ok_status();
  }

  ByteView bytes() const {
    return size_ == 0 ? ByteView() : ByteView(static_cast<const uint8_t*>(addr_), size_);
  }

 private:
  void* addr_ = nullptr;
  size_t size_ = 0;
};

Status check_sha(const std::string& path, ByteView bytes, const ManifestFile& f) {
  if (sha256(bytes) != f.sha256) return Error(path + ": SHA-256 does not match the manifest");
  return ok_status();
}

}  // namespace

// What the next write() diffs against: the last checkpoint written or loaded, whose files are on
// disk under |dir| (kept: it is the newest, and keep >= 1).
struct CheckpointStore::Previous {
  struct Memory {
    wasm::Snapshot snapshot;
    std::vector<std::string> layers;
    // Per layer, the pages of an overlay, sorted (empty for the base): what merging it costs.
    std::vector<std::vector<uint64_t>> layer_pages;
  };
  uint64_t height = 0;
  std::string dir;
  std::map<std::string, ManifestFile> files;
  std::map<std::string, Memory> memories;
};

CheckpointStore::CheckpointStore(std::string root, CheckpointOptions options)
    : root_(std::move(root)), dir_(root_ + "/checkpoints"), options_(std::move(options)) {}
CheckpointStore::CheckpointStore(CheckpointStore&&) noexcept = default;
CheckpointStore& CheckpointStore::operator=(CheckpointStore&&) noexcept = default;
CheckpointStore::~CheckpointStore() = default;

std::string CheckpointStore::checkpoint_dir(uint64_t height) const {
  return dir_ + "/" + height_name(height);
}

Result<CheckpointStore> CheckpointStore::open(std::string root, CheckpointOptions options) {
  if (options.keep < 1) return Error("checkpoint options: keep must be at least 1");
  if (options.max_layers < 2) return Error("checkpoint options: max_layers must be at least 2");
  CheckpointStore store(std::move(root), std::move(options));
  std::error_code ec;
  fs::create_directories(store.dir_, ec);
  if (ec) return Error("cannot create " + store.dir_ + ": " + ec.message());
  Io io;
  CHORUS_RETURN_IF_ERROR(io.fsync_dir(store.root_));
  // Leftovers of an interrupted write or removal: never complete checkpoints, so safe to drop.
  std::vector<fs::path> leftovers;
  for (fs::directory_iterator it(store.dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("tmp-", 0) == 0 || name.rfind("trash-", 0) == 0) leftovers.push_back(it->path());
  }
  if (ec) return Error("cannot list " + store.dir_ + ": " + ec.message());
  for (const fs::path& p : leftovers) {
    fs::remove_all(p, ec);
    if (ec) return Error("cannot remove " + p.string() + ": " + ec.message());
  }
  if (!leftovers.empty()) CHORUS_RETURN_IF_ERROR(io.fsync_dir(store.dir_));
  return store;
}

Result<std::vector<uint64_t>> CheckpointStore::heights() const {
  std::vector<uint64_t> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    auto h = parse_height(it->path().filename().string());
    if (h && it->is_directory(ec)) out.push_back(*h);
  }
  if (ec) return Error("cannot list " + dir_ + ": " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

Result<CheckpointWriteStats> CheckpointStore::write(uint64_t height, const CheckpointData& data) {
  for (const auto& [name, bytes] : data.blobs) {
    if (!is_valid_state_name(name)) {
      return Error("checkpoint: invalid blob name " + printable(name));
    }
  }
  for (const auto& [name, snapshot] : data.memories) {
    if (!is_valid_state_name(name)) {
      return Error("checkpoint: invalid memory name " + printable(name));
    }
  }
  CHORUS_ASSIGN_OR_RETURN(std::vector<uint64_t> existing, heights());
  if (!existing.empty() && height <= existing.back()) {
    return Error("checkpoint: height " + std::to_string(height) +
                 " is not above the newest checkpoint, " + std::to_string(existing.back()));
  }

  Io io{&options_.before_op};
  CheckpointWriteStats stats;
  const std::string tmp = dir_ + "/tmp-" + height_name(height);
  const std::string final_dir = checkpoint_dir(height);
  auto next = std::make_unique<Previous>();
  next->height = height;
  next->dir = final_dir;
  Manifest manifest;
  manifest.height = height;

  // Everything up to the rename; on an ordinary error the temporary directory is removed.
  auto write_files = [&]() -> Status {
    std::error_code ec;
    fs::remove_all(tmp, ec);  // a leftover of an earlier failed attempt in this process
    CHORUS_RETURN_IF_ERROR(io.op("mkdir", tmp));
    if (::mkdir(tmp.c_str(), 0755) != 0) return os_error("create directory", tmp, errno);

    auto add_file = [&](ManifestFile f) { next->files[f.name] = std::move(f); };

    size_t ordinal = 0;
    for (const auto& [name, bytes] : data.blobs) {
      std::string file = blob_file_name(ordinal++);
      FileWriter w(io, tmp + "/" + file);
      CHORUS_RETURN_IF_ERROR(w.open());
      CHORUS_RETURN_IF_ERROR(w.append(bytes));
      CHORUS_ASSIGN_OR_RETURN(ManifestFile f, w.finish(file));
      stats.bytes_written += f.size;
      ++stats.files_written;
      add_file(std::move(f));
      manifest.blobs.push_back({name, file});
    }

    ordinal = 0;
    for (const auto& entry : data.memories) {
      // Not a structured binding: clang 14 (the fuzz build) cannot capture those in lambdas.
      const std::string& name = entry.first;
      const wasm::Snapshot& snapshot = entry.second;
      const size_t index = ordinal++;
      const Previous::Memory* prev = nullptr;
      if (previous_ != nullptr) {
        auto it = previous_->memories.find(name);
        if (it != previous_->memories.end()) prev = &it->second;
      }
      Previous::Memory mem{snapshot, {}, {}};

      // Takes over layer |k| of the previous chain.
      auto link = [&](size_t k) -> Status {
        const std::string& file = prev->layers[k];
        const std::string from = previous_->dir + "/" + file;
        const std::string to = tmp + "/" + file;
        CHORUS_RETURN_IF_ERROR(io.op("link", to));
        if (::link(from.c_str(), to.c_str()) != 0) {
          return os_error("link " + from + " to", to, errno);
        }
        add_file(previous_->files.at(file));
        ++stats.files_linked;
        mem.layers.push_back(file);
        mem.layer_pages.push_back(prev->layer_pages[k]);
        return ok_status();
      };
      // Writes one page file of the given pages (indices into |snapshot|).
      auto write_layer = [&](PageFileKind kind, std::vector<uint64_t> pages) -> Status {
        const std::string file = layer_file_name(height, index, kind);
        FileWriter w(io, tmp + "/" + file);
        CHORUS_RETURN_IF_ERROR(w.open());
        PageSource source;
        source.count = pages.size();
        source.for_each = [&](const std::function<void(uint64_t, ByteView)>& fn) {
          for (uint64_t p : pages) fn(p, snapshot.page(p));
        };
        CHORUS_RETURN_IF_ERROR(write_page_file(kind, snapshot.size_pages(), source,
                                               [&](ByteView b) { return w.append(b); }));
        CHORUS_ASSIGN_OR_RETURN(ManifestFile f, w.finish(file));
        stats.bytes_written += f.size;
        stats.pages_written += pages.size();
        ++stats.files_written;
        add_file(std::move(f));
        mem.layers.push_back(file);
        if (kind == PageFileKind::kBase) pages.clear();
        mem.layer_pages.push_back(std::move(pages));
        return ok_status();
      };
      auto write_base = [&]() -> Status {
        std::vector<uint64_t> pages;
        snapshot.for_each_nonzero_page([&](uint64_t p, ByteView) {
          if (p < snapshot.size_pages() * wasm::kDirtyPagesPerWasmPage) pages.push_back(p);
        });
        return write_layer(PageFileKind::kBase, std::move(pages));
      };
      // The size of an overlay of |pages| with their contents in |snapshot|.
      auto overlay_bytes = [&](const std::vector<uint64_t>& pages) {
        uint64_t nonzero = 0;
        for (uint64_t p : pages) nonzero += snapshot.page(p).empty() ? 0 : 1;
        return page_file_size(pages.size(), nonzero);
      };

      if (prev != nullptr && snapshot.shares_everything_with(prev->snapshot)) {
        for (size_t k = 0; k < prev->layers.size(); ++k) CHORUS_RETURN_IF_ERROR(link(k));
      } else if (prev != nullptr && snapshot.size_pages() >= prev->snapshot.size_pages()) {
        std::vector<uint64_t> pages;
        snapshot.for_each_changed_page(prev->snapshot,
                                       [&](uint64_t p, ByteView) { pages.push_back(p); });
        uint64_t bytes = overlay_bytes(pages);
        // Tiered merging: the newest overlays fold into the new one while they are not much
        // bigger than it (or the chain would pass max_layers), so overlays shrink geometrically
        // from the oldest to the newest and a page is rewritten O(log) times before a new base.
        // Pages outside the folded overlays and the changes hold what the kept layers say, so
        // the merged overlay takes their current contents from |snapshot|.
        size_t kept = prev->layers.size();
        while (kept > 1) {
          const uint64_t last = previous_->files.at(prev->layers[kept - 1]).size;
          if (kept + 1 <= options_.max_layers && last > kOverlayMergeRatio * bytes) break;
          pages = merge_sorted(prev->layer_pages[kept - 1], pages);
          bytes = overlay_bytes(pages);
          --kept;
        }
        uint64_t total = bytes;
        for (size_t k = 1; k < kept; ++k) total += previous_->files.at(prev->layers[k]).size;
        const uint64_t base_bytes = previous_->files.at(prev->layers[0]).size;
        if (total > std::max(base_bytes, options_.merge_min_bytes)) {
          ++stats.memories_rebased;
          CHORUS_RETURN_IF_ERROR(write_base());
        } else {
          if (kept < prev->layers.size()) ++stats.memories_compacted;
          for (size_t k = 0; k < kept; ++k) CHORUS_RETURN_IF_ERROR(link(k));
          CHORUS_RETURN_IF_ERROR(write_layer(PageFileKind::kOverlay, std::move(pages)));
        }
      } else {
        if (prev != nullptr) ++stats.memories_rebased;  // it shrank
        CHORUS_RETURN_IF_ERROR(write_base());
      }
      manifest.memories.push_back({name, snapshot.size_pages(), mem.layers});
      next->memories.emplace(name, std::move(mem));
    }

    for (const auto& [file, entry] : next->files) manifest.files.push_back(entry);
    CHORUS_RETURN_IF_ERROR(validate_manifest(manifest));
    FileWriter w(io, tmp + "/" + kManifestName);
    CHORUS_RETURN_IF_ERROR(w.open());
    CHORUS_RETURN_IF_ERROR(w.append(encode_manifest(manifest)));
    CHORUS_ASSIGN_OR_RETURN(ManifestFile f, w.finish(kManifestName));
    stats.bytes_written += f.size;
    ++stats.files_written;
    return io.fsync_dir(tmp);
  };

  Status written = write_files();
  if (!written.ok()) {
    if (!io.crashed) {
      std::error_code ec;
      fs::remove_all(tmp, ec);
    }
    return std::move(written).error();
  }
  CHORUS_RETURN_IF_ERROR(io.op("rename", final_dir));
  if (::rename(tmp.c_str(), final_dir.c_str()) != 0) {
    const int e = errno;
    std::error_code ec;
    fs::remove_all(tmp, ec);
    return os_error("rename " + tmp + " to", final_dir, e);
  }
  // The checkpoint is in place (durable once the parent is synced), so the next write diffs
  // against it whatever happens below.
  previous_ = std::move(next);
  Status synced = io.fsync_dir(dir_);
  if (!synced.ok()) {
    return synced.error().with_context("checkpoint " + std::to_string(height) +
                                       " is in place but may not be durable");
  }

  // Old checkpoints go only now: renamed out of the way first, so that a crash halfway through a
  // removal leaves a trash- directory (dropped by open()), never a half-deleted checkpoint.
  CHORUS_ASSIGN_OR_RETURN(std::vector<uint64_t> all, heights());
  Status removal;
  for (size_t i = 0; removal.ok() && i + options_.keep < all.size(); ++i) {
    const std::string old = checkpoint_dir(all[i]);
    const std::string trash = dir_ + "/trash-" + height_name(all[i]);
    removal = io.op("rename", trash);
    if (removal.ok() && ::rename(old.c_str(), trash.c_str()) != 0) {
      removal = os_error("rename " + old + " to", trash, errno);
    }
    if (removal.ok()) removal = io.fsync_dir(dir_);
    if (removal.ok()) removal = io.op("remove", trash);
    if (removal.ok()) {
      std::error_code ec;
      fs::remove_all(trash, ec);
      if (ec) removal = Error("cannot remove " + trash + ": " + ec.message());
    }
  }
  if (!removal.ok()) {
    return Error("checkpoint " + std::to_string(height) +
                 " is durable, but removing old checkpoints failed: " + removal.error().message());
  }
  return stats;
}

Result<std::optional<LoadedCheckpoint>> CheckpointStore::load_latest() {
  CHORUS_ASSIGN_OR_RETURN(std::vector<uint64_t> all, heights());
  if (all.empty()) return std::optional<LoadedCheckpoint>();

  auto load_one = [&](uint64_t height, CheckpointData& data,
                      Previous& prev) -> Status {
    const std::string dir = checkpoint_dir(height);
    CHORUS_ASSIGN_OR_RETURN(Bytes manifest_bytes,
                            read_file(dir + "/" + kManifestName, kMaxManifestBytes));
    CHORUS_ASSIGN_OR_RETURN(Manifest manifest, parse_manifest(manifest_bytes));
    if (manifest.height != height) {
      return Error("manifest says height " + std::to_string(manifest.height));
    }
    prev.height = height;
    prev.dir = dir;
    for (const ManifestFile& f : manifest.files) prev.files[f.name] = f;
    for (const ManifestBlob& b : manifest.blobs) {
      const ManifestFile& f = prev.files.at(b.file);  // validate_manifest checked the reference
      const std::string path = dir + "/" + b.file;
      CHORUS_ASSIGN_OR_RETURN(Bytes bytes, read_file(path, f.size));
      if (bytes.size() != f.size) {
        return Error(path + " has " + std::to_string(bytes.size()) + " bytes, the manifest says " +
                     std::to_string(f.size));
      }
      CHORUS_RETURN_IF_ERROR(check_sha(path, bytes, f));
      data.blobs.emplace(b.name, std::move(bytes));
    }
    for (const ManifestMemory& m : manifest.memories) {
      Previous::Memory mem;
      uint64_t size = 0;
      for (size_t k = 0; k < m.layers.size(); ++k) {
        const std::string path = dir + "/" + m.layers[k];
        MappedFile file;
        CHORUS_RETURN_IF_ERROR(file.open(path, prev.files.at(m.layers[k]).size));
        CHORUS_RETURN_IF_ERROR(check_sha(path, file.bytes(), prev.files.at(m.layers[k])));
        auto parsed = parse_page_file(file.bytes());
        if (!parsed.ok()) return parsed.error().with_context(path);
        const PageFileKind want = k == 0 ? PageFileKind::kBase : PageFileKind::kOverlay;
        if (parsed->kind != want) {
          return Error(path + ": layer " + std::to_string(k) + " is not " +
                       (k == 0 ? "a base" : "an overlay"));
        }
        // A chain only grows: the writer starts a new base when a memory shrinks, and the
        // overlay compaction relies on it.
        if (k > 0 && parsed->size_pages < size) return Error(path + ": the memory shrinks");
        size = parsed->size_pages;
        auto next = mem.snapshot.with_pages(size, parsed->pages);
        if (!next.ok()) return next.error().with_context(path);
        mem.snapshot = std::move(next).value();
        std::vector<uint64_t> pages;
        if (k > 0) {
          pages.reserve(parsed->pages.size());
          for (const wasm::StoredPage& p : parsed->pages) pages.push_back(p.index);
        }
        mem.layer_pages.push_back(std::move(pages));
      }
      if (size != m.size_pages) {
        return Error("memory " + printable(m.name) + " has " + std::to_string(size) +
                     " pages in its files, the manifest says " + std::to_string(m.size_pages));
      }
      mem.layers = m.layers;
      data.memories.emplace(m.name, mem.snapshot);
      prev.memories.emplace(m.name, std::move(mem));
    }
    return ok_status();
  };

  std::vector<std::string> skipped;
  std::vector<uint64_t> broken;
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    LoadedCheckpoint loaded;
    loaded.height = *it;
    auto prev = std::make_unique<Previous>();
    Status s = load_one(*it, loaded.data, *prev);
    if (!s.ok()) {
      skipped.push_back("checkpoint " + std::to_string(*it) + ": " + s.error().message());
      broken.push_back(*it);
      continue;
    }
    // Newer checkpoints that failed are moved aside, so that the heights they held can be
    // checkpointed again and the next write() diffs against what was really loaded.
    Io io;
    for (uint64_t h : broken) {
      const std::string to = dir_ + "/broken-" + height_name(h);
      std::error_code ec;
      fs::remove_all(to, ec);
      if (::rename(checkpoint_dir(h).c_str(), to.c_str()) != 0) {
        return os_error("move the unloadable checkpoint aside to", to, errno);
      }
    }
    if (!broken.empty()) CHORUS_RETURN_IF_ERROR(io.fsync_dir(dir_));
    previous_ = std::move(prev);
    loaded.skipped = std::move(skipped);
    return std::optional<LoadedCheckpoint>(std::move(loaded));
  }
  std::string reasons;
  for (const std::string& s : skipped) reasons += (reasons.empty() ? "" : "; ") + s;
  return Error("no checkpoint could be loaded: " + reasons);
}

}  // namespace chorus::state
