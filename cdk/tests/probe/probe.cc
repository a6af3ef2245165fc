// A test canister for the cdk's less common paths: several results, early replies, renamed and
// composite query methods, printf and abort through the libc shims, raw stable memory, and
// a method whose arguments are a map, a variant and a 128-bit nat.
#include <chorus/cdk.h>

#include <cstdio>
#include <map>
#include <string>

using Op = std::variant<ic::Case<"add", uint64_t>, ic::Case<"clear">>;

static std::map<std::string, uint64_t> totals;

// Several results.
std::tuple<uint64_t, std::string> pair_of(uint64_t n) { return {n * 2, std::to_string(n)}; }
CHORUS_QUERY(pair_of)

// Replies early; the returned value is then not sent.
uint64_t early() {
  ic::reply(uint64_t{7});
  return 8;
}
CHORUS_UPDATE(early)

std::string hello() { return "renamed"; }
CHORUS_QUERY_AS(hello, "hello-world")

uint64_t count() { return totals.size(); }
CHORUS_COMPOSITE_QUERY(count)

std::map<std::string, uint64_t> apply(std::string key, std::vector<Op> ops, ic::Nat scale) {
  for (const Op& op : ops) {
    if (op.index() == 1) {
      totals.erase(key);
    } else {
      ic::u128 v = std::get<0>(op).value * scale.value + totals[key];
      if (v > UINT64_MAX) ic::trap("apply: overflow");
      totals[key] = static_cast<uint64_t>(v);
    }
  }
  return totals;
}
CHORUS_UPDATE(apply)

// printf goes to the debug log; the reply says how many bytes it wrote.
int32_t log_line(std::string s) { return std::printf("log: %s\n", s.c_str()); }
CHORUS_UPDATE(log_line)

// libc++ without exceptions aborts on out_of_range; the trap says why it may have.
uint8_t char_at(std::string s, uint32_t i) { return static_cast<uint8_t>(s.at(i)); }
CHORUS_QUERY(char_at)

// Raw stable memory: write bytes at an offset, read them back.
void stable_put(uint64_t offset, std::vector<uint8_t> data) {
  ic::StableWriter w(offset);
  w.write(data.data(), data.size());
}
CHORUS_UPDATE(stable_put)

std::vector<uint8_t> stable_get(uint64_t offset, uint32_t size) {
  std::vector<uint8_t> out(size);
  ic::StableReader r(offset);
  r.read(out.data(), out.size());
  return out;
}
CHORUS_QUERY(stable_get)
