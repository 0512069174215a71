// Machinery behind sluice/errors.hpp: the code table format, its compile-time checks, the
// std::error_category every taxonomy gets, and the process-wide registry of error domains.
// Users reach all of it through sluice/errors.hpp; nothing here is meant to be included alone.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>

#include "sluice/detail/config.hpp"

// Categories must be one object per program even across shared libraries built with
// -fvisibility=hidden, so the functions that own them are exported.
#if defined(__GNUC__) || defined(__clang__)
#define SLUICE_DETAIL_VISIBLE __attribute__((visibility("default")))
#else
#define SLUICE_DETAIL_VISIBLE
#endif

SLUICE_NAMESPACE_BEGIN

// Which part of the system a failure belongs to; decides who gets paged.
enum class error_family : std::uint8_t {
  parse,       // bytes that do not form a record
  schema,      // a record with the wrong shape
  validation,  // a well-formed record that breaks a rule
  ordering,    // event time and sequence problems
  capacity,    // memory and size budgets
  io,          // storage, network and checkpoints
  auth,        // credentials and permissions
  config,      // the pipeline is set up wrongly
  internal,    // bugs and the UNCLASSIFIED catch-all
};
inline constexpr std::size_t error_family_count = 9;

// How loudly an operator should hear about a failure.
enum class severity : std::uint8_t { info, warning, error, critical };

// One row of a taxonomy: everything known about a code, fixed at compile time.
struct code_info {
  std::uint16_t value;        // stable forever; never 0 (0 means success)
  std::string_view name;      // UPPER_SNAKE_CASE, e.g. "JSON_PARSE_ERROR"; null-terminated
  error_family family;
  bool retryable;             // may succeed if tried again later, unchanged
  severity level;
  std::string_view summary;   // one sentence for operators; null-terminated
};

// "parse", "schema", ... (the spelling used in JSON and docs).
constexpr std::string_view to_string(error_family family) noexcept {
  constexpr std::string_view names[] = {"parse", "schema",   "validation", "ordering", "capacity",
                                        "io",    "auth",     "config",     "internal"};
  auto index = static_cast<std::size_t>(family);
  return index < error_family_count ? names[index] : std::string_view("unknown");
}

// "info", "warning", "error", "critical".
constexpr std::string_view to_string(severity level) noexcept {
  constexpr std::string_view names[] = {"info", "warning", "error", "critical"};
  auto index = static_cast<std::size_t>(level);
  return index < 4 ? names[index] : std::string_view("unknown");
}

// A taxonomy's table. Specialize it for your own code enum (see sluice/errors.hpp):
//   static constexpr std::string_view domain = "shop";       // string literal
//   static constexpr sluice::code_info codes[] = {{1, "BAD_SKU", ...}, ...};
// Codes are listed in strictly ascending value order.
template <class Enum>
struct code_table;

// What check_code_table found wrong with a table; `none` when it is usable.
enum class table_problem : std::uint8_t {
  none,
  empty_table,
  bad_domain,           // empty, not [a-z0-9._-], or not a string literal
  reserved_domain,      // "generic", "system", "iostream", "future", or "sluice" for a user
  zero_value,           // 0 means success in std::error_code
  duplicate_value,
  values_not_ascending,
  bad_name,             // empty, not UPPER_SNAKE_CASE, or not a string literal
  duplicate_name,
  bad_family_or_severity,
  empty_summary,
};

// The result of check_code_table: the problem and the index of the offending row.
struct table_check {
  table_problem problem = table_problem::none;
  std::size_t index = 0;
  constexpr explicit operator bool() const noexcept { return problem == table_problem::none; }
};

namespace detail {

constexpr bool null_terminated(std::string_view text) noexcept {
  return text.data() != nullptr && text.data()[text.size()] == '\0';
}

constexpr bool valid_domain(std::string_view domain) noexcept {
  if (domain.empty() || domain.size() > 64 || !null_terminated(domain)) return false;
  for (char c : domain) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

constexpr bool valid_code_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64 || !null_terminated(name)) return false;
  if (name.front() < 'A' || name.front() > 'Z') return false;
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

constexpr table_check check_table(std::string_view domain, const code_info* codes,
                                  std::size_t count, bool is_sluice) noexcept {
  if (!valid_domain(domain)) return {table_problem::bad_domain, 0};
  if (domain == "generic" || domain == "system" || domain == "iostream" ||
      domain == "future" || (domain == "sluice" && !is_sluice) || domain == "sluice.condition")
    return {table_problem::reserved_domain, 0};
  if (count == 0) return {table_problem::empty_table, 0};
  for (std::size_t i = 0; i < count; ++i) {
    const code_info& row = codes[i];
    if (row.value == 0) return {table_problem::zero_value, i};
    if (i > 0 && row.value == codes[i - 1].value) return {table_problem::duplicate_value, i};
    if (i > 0 && row.value < codes[i - 1].value) return {table_problem::values_not_ascending, i};
    if (!valid_code_name(row.name)) return {table_problem::bad_name, i};
    if (static_cast<std::size_t>(row.family) >= error_family_count ||
        static_cast<std::size_t>(row.level) > static_cast<std::size_t>(severity::critical))
      return {table_problem::bad_family_or_severity, i};
    if (row.summary.empty() || !null_terminated(row.summary))
      return {table_problem::empty_summary, i};
    for (std::size_t j = 0; j < i; ++j)
      if (codes[j].name == row.name) return {table_problem::duplicate_name, i};
  }
  return {};
}

template <class Enum, class = void>
struct has_code_table : std::false_type {};
template <class Enum>
struct has_code_table<Enum, std::void_t<decltype(code_table<Enum>::domain),
                                        decltype(code_table<Enum>::codes)>> : std::true_type {};

// Spin lock for the domain registry: constant-initialized and trivially destructible, so it
// works during static initialization and destruction in any order.
class registry_lock {
 public:
  void lock() noexcept {
    while (flag_.exchange(true, std::memory_order_acquire)) std::this_thread::yield();
  }
  void unlock() noexcept { flag_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> flag_{false};
};

class taxonomy_category_base;

struct domain_registry {
  registry_lock lock;
  const taxonomy_category_base* head = nullptr;
};

SLUICE_DETAIL_VISIBLE inline domain_registry& registry() noexcept {
  static domain_registry instance;
  return instance;
}

// Name of the category behind sluice::condition; also recognised by name, so that a second
// copy of the category (a shared library built with hidden visibility) still interoperates.
inline constexpr const char condition_domain[] = "sluice.condition";

// Values of sluice::condition (declared in sluice/errors.hpp): family + 1 for each family.
inline constexpr int condition_retryable = 100;
inline constexpr int condition_not_retryable = 101;

constexpr bool code_matches_condition(const code_info& code, int condition) noexcept {
  if (condition == condition_retryable) return code.retryable;
  if (condition == condition_not_retryable) return !code.retryable;
  return static_cast<int>(code.family) + 1 == condition;
}

// Recognised by name, never by address alone.
inline bool is_condition_category(const std::error_category& category) noexcept {
  return std::strcmp(category.name(), condition_domain) == 0;
}

// The std::error_category of one taxonomy. Its identity is (domain name, value); the address
// of the object is never written anywhere.
class taxonomy_category_base : public std::error_category {
 public:
  const char* name() const noexcept final { return domain_.data(); }

  std::string message(int value) const final {
    if (const code_info* row = find(value)) {
      std::string text(row->name);
      text += ": ";
      text += row->summary;
      return text;
    }
    return "unknown " + std::string(domain_) + " error " + std::to_string(value);
  }

  bool equivalent(int value, const std::error_condition& condition) const noexcept final {
    if (is_condition_category(condition.category())) {
      const code_info* row = find(value);
      return row != nullptr && code_matches_condition(*row, condition.value());
    }
    if (condition.category() == std::generic_category() && generic_equivalent_ != nullptr)
      return generic_equivalent_(value) == condition.value();
    return default_error_condition(value) == condition;
  }

  std::string_view domain() const noexcept { return domain_; }
  const code_info* begin() const noexcept { return codes_; }
  const code_info* end() const noexcept { return codes_ + count_; }
  std::size_t size() const noexcept { return count_; }

  // The row for `value`, or nullptr (binary search; rows are ascending).
  const code_info* find(int value) const noexcept {
    std::size_t low = 0, high = count_;
    while (low < high) {
      std::size_t middle = low + (high - low) / 2;
      int here = codes_[middle].value;
      if (here == value) return codes_ + middle;
      if (here < value)
        low = middle + 1;
      else
        high = middle;
    }
    return nullptr;
  }

  // The row named `name` (exact, case-sensitive), or nullptr.
  const code_info* find(std::string_view name) const noexcept {
    for (const code_info& row : *this)
      if (row.name == name) return &row;
    return nullptr;
  }

 protected:
  taxonomy_category_base(std::string_view domain, const code_info* codes, std::size_t count,
                         int (*generic_equivalent)(int) noexcept) noexcept
      : domain_(domain), codes_(codes), count_(count), generic_equivalent_(generic_equivalent) {
    domain_registry& r = registry();
    r.lock.lock();
    next_ = r.head;
    r.head = this;
    r.lock.unlock();
  }
  ~taxonomy_category_base() override = default;

 private:
  friend const taxonomy_category_base* find_registered(std::string_view) noexcept;
  friend const taxonomy_category_base* find_registered(const std::error_category&) noexcept;

  std::string_view domain_;
  const code_info* codes_;
  std::size_t count_;
  int (*generic_equivalent_)(int) noexcept;
  const taxonomy_category_base* next_ = nullptr;
};

inline const taxonomy_category_base* find_registered(std::string_view domain) noexcept {
  domain_registry& r = registry();
  r.lock.lock();
  const taxonomy_category_base* node = r.head;
  while (node != nullptr && node->domain_ != domain) node = node->next_;
  r.lock.unlock();
  return node;
}

// The registered taxonomy `category` belongs to: the same object, or one with the same domain
// name (a duplicate from another shared library).
inline const taxonomy_category_base* find_registered(const std::error_category& category) noexcept {
  domain_registry& r = registry();
  r.lock.lock();
  const taxonomy_category_base* node = r.head;
  while (node != nullptr && static_cast<const std::error_category*>(node) != &category)
    node = node->next_;
  r.lock.unlock();
  if (node != nullptr) return node;
  return find_registered(std::string_view(category.name()));
}

template <class Enum, class = void>
struct generic_equivalent_of {
  static constexpr int (*value)(int) noexcept = nullptr;
};
template <class Enum>
struct generic_equivalent_of<Enum, std::void_t<decltype(code_table<Enum>::generic_equivalent(0))>> {
  static constexpr int (*value)(int) noexcept = &code_table<Enum>::generic_equivalent;
};

template <class Enum>
class taxonomy_category final : public taxonomy_category_base {
  using table = code_table<Enum>;

 public:
  taxonomy_category() noexcept
      : taxonomy_category_base(table::domain, std::data(table::codes), std::size(table::codes),
                               generic_equivalent_of<Enum>::value) {}
};

// The category object is never destroyed: error codes held by other static objects stay
// valid during static destruction, whatever the destruction order.
template <class Enum>
SLUICE_DETAIL_VISIBLE inline const taxonomy_category<Enum>& category_instance() noexcept {
  alignas(taxonomy_category<Enum>) static unsigned char storage[sizeof(taxonomy_category<Enum>)];
  static const taxonomy_category<Enum>* instance = ::new (static_cast<void*>(storage))
      taxonomy_category<Enum>();
  return *instance;
}

}  // namespace detail

SLUICE_NAMESPACE_END
