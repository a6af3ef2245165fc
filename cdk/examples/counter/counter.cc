// An example canister: a counter, profiles kept in a map (records, opt, vec, a variant result),
// a greeting set at installation, and all of it kept across upgrades through stable memory.
#include <chorus/cdk.h>

#include <map>
#include <string>
#include <variant>

struct Profile {
  std::string name;
  uint32_t age = 0;
  std::optional<std::string> email;
};
CHORUS_CANDID_RECORD(Profile, name, age, email)

using Result = std::variant<ic::Case<"ok", uint64_t>, ic::Case<"err", std::string>>;

// What an upgrade carries over, saved by pre_upgrade and read back by post_upgrade.
struct State {
  uint64_t counter = 0;
  std::string greeting;
  std::vector<Profile> profiles;
};
CHORUS_CANDID_RECORD(State, counter, greeting, profiles)

// Lives in Wasm memory, which persists between messages.
static uint64_t counter;
static std::string greeting = "Hello";  // a static constructor: it runs before init
static std::map<std::string, Profile> profiles;

uint64_t inc() { return ++counter; }
CHORUS_UPDATE(inc)

uint64_t add(uint64_t n) {
  if (n > UINT64_MAX - counter) ic::trap("add: the counter would overflow");
  return counter += n;
}
CHORUS_UPDATE(add)

uint64_t get() { return counter; }
CHORUS_QUERY(get)

Result withdraw(uint64_t n) {
  if (n > counter) return ic::Case<"err", std::string>{"only " + std::to_string(counter) + " left"};
  counter -= n;
  return ic::Case<"ok", uint64_t>{counter};
}
CHORUS_UPDATE(withdraw)

std::string greet(std::string name) { return greeting + ", " + name + "!"; }
CHORUS_QUERY(greet)

std::string whoami() { return ic::caller().to_text(); }
CHORUS_QUERY(whoami)

void set_profile(Profile p) {
  if (p.name.empty()) {
    ic::reject("set_profile: the name is empty");
    return;
  }
  ic::print("set_profile " + p.name);
  profiles[p.name] = std::move(p);
}
CHORUS_UPDATE(set_profile)

std::optional<Profile> get_profile(std::string name) {
  auto it = profiles.find(name);
  if (it == profiles.end()) return std::nullopt;
  return it->second;
}
CHORUS_QUERY(get_profile)

std::vector<Profile> list_profiles() {
  std::vector<Profile> out;
  for (const auto& [name, p] : profiles) out.push_back(p);
  return out;
}
CHORUS_QUERY(list_profiles)

void init(std::optional<std::string> greeting_word) {
  if (greeting_word) greeting = *greeting_word;
}
CHORUS_INIT(init)

void pre_upgrade() { ic::stable_save(State{counter, greeting, list_profiles()}); }
CHORUS_PRE_UPGRADE(pre_upgrade)

// An upgrade may pass a new greeting; without one the saved greeting stays.
void post_upgrade(std::optional<std::string> greeting_word) {
  auto [state] = ic::stable_restore<State>();
  counter = state.counter;
  greeting = greeting_word ? *greeting_word : state.greeting;
  for (Profile& p : state.profiles) profiles[p.name] = std::move(p);
}
CHORUS_POST_UPGRADE(post_upgrade)
