#include "base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace chorus {
namespace {

Error file_error(const std::string& path, const char* what) {
  return Error(path + ": cannot " + what + ": " + std::strerror(errno));
}

}  // namespace

Result<Bytes> read_file(const std::string& path, uint64_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return file_error(path, "open");
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Error e = file_error(path, "stat");
    ::close(fd);
    return e;
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return Error(path + ": " + std::to_string(st.st_size) + " bytes exceeds the limit of " +
                 std::to_string(max_bytes));
  }
  Bytes out(static_cast<size_t>(st.st_size));
  size_t done = 0;
  // Reads to the end of the file: past the size fstat gave for files that grew meanwhile or that
  // report none (like /proc), and growing the buffer only when there is more.
  for (;;) {
    if (done == out.size()) {
      uint8_t probe[4096];
      ssize_t n = ::read(fd, probe, sizeof probe);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        Error e = file_error(path, "read");
        ::close(fd);
        return e;
      }
      if (n == 0) break;
      if (out.size() + static_cast<size_t>(n) > max_bytes) {
        ::close(fd);
        return Error(path + ": exceeds the limit of " + std::to_string(max_bytes) + " bytes");
      }
      out.insert(out.end(), probe, probe + n);
      done = out.size();
      out.resize(std::min<uint64_t>(max_bytes, out.size() * 2));
      continue;
    }
    ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      Error e = file_error(path, "read");
      ::close(fd);
      return e;
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(done);
  return out;
}

}  // namespace chorus
