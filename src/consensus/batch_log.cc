#include "consensus/batch_log.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/crc32.h"
#include "base/file.h"
#include "base/leb128.h"

namespace chorus::consensus {

namespace {

constexpr size_t kHeaderBytes = 8;
constexpr uint64_t kMaxIngressPerBatch = 1'000'000;

void put_u32(Bytes& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
uint32_t get_u32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

void put_blob(Bytes& out, ByteView b) {
  append_uleb128(out, b.size());
  out.insert(out.end(), b.begin(), b.end());
}

Result<ByteView> get_blob(ByteReader& in, std::string_view what) {
  auto n = read_uleb128(in);
  if (!n.ok()) return n.error().with_context(what);
  if (*n > in.remaining()) return Error(std::string(what) + ": length beyond the record");
  return in.read_bytes(static_cast<size_t>(*n), what);
}

Result<Principal> get_principal(ByteReader& in, std::string_view what) {
  auto b = get_blob(in, what);
  if (!b.ok()) return b.error();
  auto p = Principal::from_bytes(*b);
  if (!p.ok()) return p.error().with_context(what);
  return *p;
}

std::string segment_name(uint64_t first) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "batches-%020llu.log", static_cast<unsigned long long>(first));
  return buf;
}

Error errno_error(const std::string& what) { return Error(what + ": " + std::strerror(errno)); }

Status sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return errno_error("open " + dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return errno_error("fsync " + dir);
  return ok_status();
}

}  // namespace

Bytes encode_batch(const execution::Batch& batch) {
  Bytes payload;
  append_uleb128(payload, batch.batch_number);
  append_uleb128(payload, batch.time_nanos);
  put_blob(payload, batch.randomness);
  append_uleb128(payload, batch.ingress.size());
  for (const state::Ingress& in : batch.ingress) {
    put_blob(payload, in.source.bytes());
    put_blob(payload, in.receiver.bytes());
    put_blob(payload, to_bytes(in.method));
    put_blob(payload, in.payload);
    put_blob(payload, in.message_id);
    append_uleb128(payload, in.expiry);
    payload.push_back(in.effective_canister_id ? 1 : 0);
    if (in.effective_canister_id) put_blob(payload, in.effective_canister_id->bytes());
  }
  Bytes record;
  record.reserve(kHeaderBytes + payload.size());
  put_u32(record, static_cast<uint32_t>(payload.size()));
  put_u32(record, crc32(payload));
  record.insert(record.end(), payload.begin(), payload.end());
  return record;
}

Result<execution::Batch> decode_batch(ByteView payload) {
  ByteReader in(payload);
  execution::Batch b;
  auto number = read_uleb128(in);
  if (!number.ok()) return number.error().with_context("batch number");
  b.batch_number = *number;
  auto time = read_uleb128(in);
  if (!time.ok()) return time.error().with_context("batch time");
  b.time_nanos = *time;
  auto rnd = get_blob(in, "randomness");
  if (!rnd.ok()) return rnd.error();
  b.randomness.assign(rnd->begin(), rnd->end());
  auto count = read_uleb128(in);
  if (!count.ok()) return count.error().with_context("ingress count");
  if (*count > kMaxIngressPerBatch || *count > in.remaining()) {
    return Error("batch " + std::to_string(b.batch_number) + ": implausible ingress count");
  }
  b.ingress.reserve(static_cast<size_t>(*count));
  for (uint64_t i = 0; i < *count; ++i) {
    state::Ingress m;
    auto src = get_principal(in, "ingress source");
    if (!src.ok()) return src.error();
    m.source = *src;
    auto dst = get_principal(in, "ingress receiver");
    if (!dst.ok()) return dst.error();
    m.receiver = *dst;
    auto method = get_blob(in, "ingress method");
    if (!method.ok()) return method.error();
    m.method.assign(method->begin(), method->end());
    auto arg = get_blob(in, "ingress payload");
    if (!arg.ok()) return arg.error();
    m.payload.assign(arg->begin(), arg->end());
    auto id = get_blob(in, "ingress message id");
    if (!id.ok()) return id.error();
    m.message_id.assign(id->begin(), id->end());
    auto expiry = read_uleb128(in);
    if (!expiry.ok()) return expiry.error().with_context("ingress expiry");
    m.expiry = *expiry;
    auto has_ecid = in.read_u8("effective canister id flag");
    if (!has_ecid.ok()) return has_ecid.error();
    if (*has_ecid > 1) return Error("bad effective canister id flag");
    if (*has_ecid == 1) {
      auto ecid = get_principal(in, "effective canister id");
      if (!ecid.ok()) return ecid.error();
      m.effective_canister_id = *ecid;
    }
    b.ingress.push_back(std::move(m));
  }
  if (!in.at_end()) return Error("batch " + std::to_string(b.batch_number) + ": trailing bytes");
  return b;
}

namespace {

// Parses the records of one segment. |tail_ok| allows a damaged last part (the newest segment):
// its offset is returned in |good_end| so the caller can cut it off.
Status parse_segment(ByteView data, uint64_t max_record, bool tail_ok,
                     std::vector<execution::Batch>* out, size_t* good_end, const std::string& name) {
  size_t pos = 0;
  *good_end = 0;
  while (pos < data.size()) {
    bool damaged = false;
    std::string why;
    if (data.size() - pos < kHeaderBytes) {
      damaged = true;
      why = "record header cut short";
    } else {
      uint32_t len = get_u32(data.data() + pos);
      uint32_t crc = get_u32(data.data() + pos + 4);
      if (len > max_record || data.size() - pos - kHeaderBytes < len) {
        damaged = true;
        why = "record cut short";
      } else {
        ByteView payload = data.subspan(pos + kHeaderBytes, len);
        if (crc32(payload) != crc) {
          damaged = true;
          why = "checksum mismatch";
        } else {
          auto batch = decode_batch(payload);
          if (!batch.ok()) return batch.error().with_context(name);
          if (out) out->push_back(std::move(*batch));
          pos += kHeaderBytes + len;
          *good_end = pos;
          continue;
        }
      }
    }
    if (damaged) {
      if (tail_ok) return ok_status();
      return Error(name + ": " + why + " at offset " + std::to_string(pos));
    }
  }
  return ok_status();
}

}  // namespace

Result<BatchLog> BatchLog::open(std::string dir, BatchLogOptions options) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return errno_error("mkdir " + dir);
  BatchLog log(dir, options);
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return errno_error("opendir " + dir);
  while (dirent* e = ::readdir(d)) {
    unsigned long long first = 0;
    char tail[8] = {};
    if (std::sscanf(e->d_name, "batches-%20llu.%3s", &first, tail) == 2 &&
        std::string(tail) == "log" && segment_name(first) == e->d_name) {
      log.segments_[first] = 0;
    }
  }
  ::closedir(d);
  // Read every segment to learn its last batch; cut a torn tail off the newest.
  for (auto it = log.segments_.begin(); it != log.segments_.end(); ++it) {
    std::string path = dir + "/" + segment_name(it->first);
    auto data = read_file(path);
    if (!data.ok()) return data.error();
    bool newest = std::next(it) == log.segments_.end();
    std::vector<execution::Batch> batches;
    size_t good_end = 0;
    Status s = parse_segment(*data, options.max_record_bytes, newest, &batches, &good_end, path);
    if (!s.ok()) return s.error();
    for (const auto& b : batches) {
      if (b.batch_number <= log.last_) {
        return Error(path + ": batch " + std::to_string(b.batch_number) + " out of order");
      }
      log.last_ = b.batch_number;
    }
    it->second = batches.empty() ? 0 : batches.back().batch_number;
    if (newest && good_end < data->size()) {
      if (::truncate(path.c_str(), static_cast<off_t>(good_end)) != 0) {
        return errno_error("truncate " + path);
      }
    }
  }
  if (log.segments_.empty()) {
    Status s = log.open_segment(1);
    if (!s.ok()) return s.error();
  } else {
    uint64_t first = log.segments_.rbegin()->first;
    std::string path = dir + "/" + segment_name(first);
    log.fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (log.fd_ < 0) return errno_error("open " + path);
  }
  return log;
}

BatchLog::BatchLog(BatchLog&& o) noexcept
    : dir_(std::move(o.dir_)), options_(o.options_), segments_(std::move(o.segments_)),
      fd_(o.fd_), last_(o.last_) {
  o.fd_ = -1;
}

BatchLog& BatchLog::operator=(BatchLog&& o) noexcept {
  if (this != &o) {
    close_fd();
    dir_ = std::move(o.dir_);
    options_ = o.options_;
    segments_ = std::move(o.segments_);
    fd_ = o.fd_;
    last_ = o.last_;
    o.fd_ = -1;
  }
  return *this;
}

BatchLog::~BatchLog() { close_fd(); }

void BatchLog::close_fd() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status BatchLog::open_segment(uint64_t first) {
  std::string path = dir_ + "/" + segment_name(first);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return errno_error("create " + path);
  close_fd();
  fd_ = fd;
  segments_[first] = 0;
  if (options_.sync) return sync_dir(dir_);
  return ok_status();
}

Status BatchLog::append(const execution::Batch& batch) {
  if (batch.batch_number <= last_) {
    return Error("batch " + std::to_string(batch.batch_number) + " is not after " +
                 std::to_string(last_));
  }
  Bytes record = encode_batch(batch);
  size_t done = 0;
  while (done < record.size()) {
    ssize_t n = ::write(fd_, record.data() + done, record.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("append to the batch log");
    }
    done += static_cast<size_t>(n);
  }
  if (options_.sync && ::fdatasync(fd_) != 0) return errno_error("fdatasync the batch log");
  last_ = batch.batch_number;
  segments_.rbegin()->second = last_;
  return ok_status();
}

Result<std::vector<execution::Batch>> BatchLog::read_after(uint64_t after) const {
  std::vector<execution::Batch> out;
  for (auto it = segments_.begin(); it != segments_.end(); ++it) {
    if (it->second != 0 && it->second <= after) continue;
    std::string path = dir_ + "/" + segment_name(it->first);
    auto data = read_file(path);
    if (!data.ok()) return data.error();
    std::vector<execution::Batch> batches;
    size_t good_end = 0;
    Status s = parse_segment(*data, options_.max_record_bytes, false, &batches, &good_end, path);
    if (!s.ok()) return s.error();
    for (auto& b : batches) {
      if (b.batch_number > after) out.push_back(std::move(b));
    }
  }
  return out;
}

Status BatchLog::release_through(uint64_t height) {
  // A new segment first, so the one being appended to can be deleted too.
  if (segments_.rbegin()->second != 0) {
    Status s = open_segment(last_ + 1);
    if (!s.ok()) return s;
  }
  for (auto it = segments_.begin(); it != segments_.end();) {
    bool newest = std::next(it) == segments_.end();
    if (!newest && it->second <= height) {
      std::string path = dir_ + "/" + segment_name(it->first);
      if (::unlink(path.c_str()) != 0 && errno != ENOENT) return errno_error("unlink " + path);
      it = segments_.erase(it);
    } else {
      ++it;
    }
  }
  return ok_status();
}

}  // namespace chorus::consensus
