// sluice/errors.hpp: one error taxonomy for every sluice component, on std::error_code.
//
// Every failure has a stable numeric code grouped by family (parse 100-199, schema 200-299,
// validation 300-399, ordering 400-499, capacity 500-599, io 600-699, auth 700-799,
// config 800-899, internal 900-999), an UPPER_SNAKE_CASE name, a retryable flag, a severity
// and a one-sentence summary. Values are never reused or renumbered (docs/error-codes.md).
// Codes travel as std::error_code; conditions group them (`ec == condition::retryable`).
// Users add their own taxonomies with the same machinery. Nothing here throws or needs RTTI.
//
//   sluice::result<int> parse_port(std::string_view text);
//   auto port = parse_port("80x");
//   if (!port && port.error() == sluice::condition::parse)
//     std::printf("%s\n", sluice::name_of(port.error()));   // "INVALID_NUMBER"
//   std::error_code ec = sluice::errc::timeout;               // ec == condition::retryable
//
// The dead-letter envelope that carries these codes lives in sluice/dead_letter.hpp.
#pragma once

#include <array>
#include <atomic>
#include <cassert>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "sluice/detail/config.hpp"
#include "sluice/detail/errors_taxonomy.hpp"

// 1 (default): result<T>::value() on an error result prints the error to stderr and calls
// std::abort() in every build mode. 0: it is only asserted, like operator*. Override by
// defining SLUICE_RESULT_CHECKED() before including sluice.
#ifndef SLUICE_RESULT_CHECKED
#define SLUICE_RESULT_CHECKED() 1
#endif

SLUICE_NAMESPACE_BEGIN

// sluice's own codes. Values are stable forever; new codes take the next free value of their
// family. The lower-case spelling of each enumerator is its NAME in the table.
enum class errc : std::uint16_t {
  // parse: the bytes do not form a record
  json_parse_error = 100,
  csv_parse_error = 101,
  invalid_utf8 = 102,
  truncated_record = 103,
  payload_too_large = 104,
  invalid_number = 105,
  number_out_of_range = 106,
  invalid_timestamp = 107,
  // schema: the record has the wrong shape
  missing_field = 200,
  type_mismatch = 201,
  unknown_field = 202,
  schema_version_unsupported = 203,
  // validation: a well-formed record breaks a rule
  null_violation = 300,
  range_violation = 301,
  uniqueness_violation = 302,
  referential_violation = 303,
  // ordering: event time and sequence
  late_event = 400,
  duplicate_event = 401,
  future_event_time = 402,
  missing_event_time = 403,
  sequence_conflict = 404,
  // capacity: budgets and limits
  memory_budget_exceeded = 500,
  out_of_memory = 501,
  capacity_exceeded = 502,
  // io: storage, network, checkpoints and encodings
  upstream_unavailable = 600,
  timeout = 601,
  checkpoint_corrupt = 602,
  checkpoint_version_unsupported = 603,
  stale_writer = 604,
  io_error = 605,
  storage_full = 606,
  not_found = 607,
  encoding_corrupt = 608,
  encoding_version_unsupported = 609,
  // auth
  credentials_missing = 700,
  credentials_expired = 701,
  permission_denied = 702,
  // config
  invalid_config = 800,
  unregistered_taxonomy = 801,
  not_supported = 802,
  // internal
  unclassified = 900,
  invalid_argument = 901,
  invariant_violation = 902,
};

// sluice's own table: the single source of truth for docs/error-codes.md.
template <>
struct code_table<errc> {
  static constexpr std::string_view domain = "sluice";
  static constexpr code_info codes[] = {
      {100, "JSON_PARSE_ERROR", error_family::parse, false, severity::error,
       "A record is not well-formed JSON."},
      {101, "CSV_PARSE_ERROR", error_family::parse, false, severity::error,
       "A record is not well-formed CSV (quoting, delimiters or field count)."},
      {102, "INVALID_UTF8", error_family::parse, false, severity::error,
       "A text field holds bytes that are not valid UTF-8."},
      {103, "TRUNCATED_RECORD", error_family::parse, false, severity::error,
       "A record ends before its structure is complete."},
      {104, "PAYLOAD_TOO_LARGE", error_family::parse, false, severity::error,
       "A record is larger than the configured size limit."},
      {105, "INVALID_NUMBER", error_family::parse, false, severity::error,
       "A field that must hold a number does not parse as one."},
      {106, "NUMBER_OUT_OF_RANGE", error_family::parse, false, severity::error,
       "A number does not fit the type it is parsed into."},
      {107, "INVALID_TIMESTAMP", error_family::parse, false, severity::error,
       "A timestamp field does not parse in the expected format."},
      {200, "MISSING_FIELD", error_family::schema, false, severity::error,
       "A required field is absent."},
      {201, "TYPE_MISMATCH", error_family::schema, false, severity::error,
       "A field holds a value of the wrong type."},
      {202, "UNKNOWN_FIELD", error_family::schema, false, severity::warning,
       "A record has a field the schema does not declare."},
      {203, "SCHEMA_VERSION_UNSUPPORTED", error_family::schema, false, severity::error,
       "A record declares a schema version this pipeline cannot read."},
      {300, "NULL_VIOLATION", error_family::validation, false, severity::error,
       "A field that must not be null is null."},
      {301, "RANGE_VIOLATION", error_family::validation, false, severity::error,
       "A value lies outside its allowed range or set."},
      {302, "UNIQUENESS_VIOLATION", error_family::validation, false, severity::error,
       "A key that must be unique appears more than once."},
      {303, "REFERENTIAL_VIOLATION", error_family::validation, true, severity::warning,
       "A record refers to a key that does not exist (yet)."},
      {400, "LATE_EVENT", error_family::ordering, false, severity::warning,
       "An event arrived after its window closed."},
      {401, "DUPLICATE_EVENT", error_family::ordering, false, severity::info,
       "An event was already processed and was dropped."},
      {402, "FUTURE_EVENT_TIME", error_family::ordering, false, severity::warning,
       "An event time lies further in the future than the allowed clock skew."},
      {403, "MISSING_EVENT_TIME", error_family::ordering, false, severity::error,
       "An event carries no usable event time."},
      {404, "SEQUENCE_CONFLICT", error_family::ordering, false, severity::error,
       "Two records claim the same position in a sequence with different contents."},
      {500, "MEMORY_BUDGET_EXCEEDED", error_family::capacity, true, severity::error,
       "An operation would exceed its configured memory budget."},
      {501, "OUT_OF_MEMORY", error_family::capacity, true, severity::critical,
       "A memory allocation failed."},
      {502, "CAPACITY_EXCEEDED", error_family::capacity, true, severity::error,
       "A fixed-capacity structure or queue is full."},
      {600, "UPSTREAM_UNAVAILABLE", error_family::io, true, severity::error,
       "A source, sink or service could not be reached."},
      {601, "TIMEOUT", error_family::io, true, severity::warning,
       "An operation did not complete in its allotted time."},
      {602, "CHECKPOINT_CORRUPT", error_family::io, false, severity::critical,
       "A checkpoint failed its integrity checks."},
      {603, "CHECKPOINT_VERSION_UNSUPPORTED", error_family::io, false, severity::critical,
       "A checkpoint was written in a format version this build cannot read."},
      {604, "STALE_WRITER", error_family::io, false, severity::critical,
       "A writer was fenced off because a newer writer owns the output."},
      {605, "IO_ERROR", error_family::io, true, severity::error,
       "A read or write failed at the storage or network layer."},
      {606, "STORAGE_FULL", error_family::io, true, severity::critical,
       "The target storage has no space or quota left."},
      {607, "NOT_FOUND", error_family::io, false, severity::error,
       "A file, object or resource that was named does not exist."},
      {608, "ENCODING_CORRUPT", error_family::io, false, severity::error,
       "An encoded sluice record (such as a dead letter) failed its integrity checks."},
      {609, "ENCODING_VERSION_UNSUPPORTED", error_family::io, false, severity::error,
       "An encoded sluice record uses a format version this build cannot read."},
      {700, "CREDENTIALS_MISSING", error_family::auth, false, severity::critical,
       "No credentials were configured for a service that requires them."},
      {701, "CREDENTIALS_EXPIRED", error_family::auth, true, severity::error,
       "Credentials expired; a refresh may succeed."},
      {702, "PERMISSION_DENIED", error_family::auth, false, severity::error,
       "The credentials in use lack permission for the operation."},
      {800, "INVALID_CONFIG", error_family::config, false, severity::critical,
       "The pipeline configuration is invalid or inconsistent."},
      {801, "UNREGISTERED_TAXONOMY", error_family::config, false, severity::error,
       "A record names an error domain this program has not registered."},
      {802, "NOT_SUPPORTED", error_family::config, false, severity::error,
       "The requested feature or operation is not supported by this build."},
      {900, "UNCLASSIFIED", error_family::internal, false, severity::error,
       "A failure no specific code describes; the detail keeps the original message."},
      {901, "INVALID_ARGUMENT", error_family::internal, false, severity::error,
       "A function was called with an argument outside its contract."},
      {902, "INVARIANT_VIOLATION", error_family::internal, false, severity::critical,
       "An internal consistency check failed; this is a bug."},
  };
  // Lets `make_error_code(errc::timeout) == std::errc::timed_out` hold.
  static int generic_equivalent(int value) noexcept;
};

namespace detail {
inline constexpr code_info unknown_code{0, "UNKNOWN_CODE", error_family::internal, false,
                                        severity::error,
                                        "A value that is not in its taxonomy's table."};
}  // namespace detail

// Checks a taxonomy's table: ascending unique non-zero values, unique UPPER_SNAKE_CASE
// names, a valid domain. The category of an invalid table fails to compile; tests may call
// this to see why.
template <class Enum>
constexpr table_check check_code_table() noexcept {
  using table = code_table<Enum>;
  return detail::check_table(table::domain, std::data(table::codes), std::size(table::codes),
                             std::is_same_v<Enum, errc>);
}

// The std::error_category of a taxonomy (one object per program; name() is its domain).
template <class Enum>
const std::error_category& category() noexcept {
  static_assert(detail::has_code_table<Enum>::value,
                "specialize sluice::code_table<Enum> with `domain` and `codes`");
  static_assert(check_code_table<Enum>().problem == table_problem::none,
                "invalid code table: call sluice::check_code_table<Enum>() to see the row");
  return detail::category_instance<Enum>();
}

// Constructs a taxonomy's category now, so that decoders can resolve its domain by name
// before the first error of that taxonomy is created.
template <class Enum>
const std::error_category& register_taxonomy() noexcept {
  return category<Enum>();
}

// sluice's category; name() == "sluice".
inline const std::error_category& error_category() noexcept { return category<errc>(); }

// Lets `std::error_code ec = errc::...;` work (found by argument-dependent lookup).
inline std::error_code make_error_code(errc code) noexcept {
  return {static_cast<int>(code), error_category()};
}

// For user taxonomies: call from your own make_error_code (found by argument-dependent lookup),
// declared after the code_table specialization.
template <class Enum>
std::error_code make_taxonomy_error_code(Enum code) noexcept {
  return {static_cast<int>(code), category<Enum>()};
}

// The table row of a code. A value missing from the table yields a row with value 0 named
// UNKNOWN_CODE.
template <class Enum, std::enable_if_t<detail::has_code_table<Enum>::value, int> = 0>
const code_info& info(Enum code) noexcept {
  const auto& cat = static_cast<const detail::taxonomy_category_base&>(category<Enum>());
  const code_info* row = cat.find(static_cast<int>(code));
  return row != nullptr ? *row : detail::unknown_code;
}

// Looks a code up by its NAME (exact, case-sensitive); nullptr if the taxonomy has none.
template <class Enum>
const code_info* find_code(std::string_view name) noexcept {
  const auto& cat = static_cast<const detail::taxonomy_category_base&>(category<Enum>());
  return cat.find(name);
}
inline const code_info* find_code(std::string_view name) noexcept { return find_code<errc>(name); }

// Every row of a taxonomy, in ascending value order (for docs, dashboards and tests).
struct code_range {
  const code_info* first;
  const code_info* last;
  const code_info* begin() const noexcept { return first; }
  const code_info* end() const noexcept { return last; }
  std::size_t size() const noexcept { return static_cast<std::size_t>(last - first); }
};
template <class Enum = errc>
code_range all_codes() noexcept {
  return {std::data(code_table<Enum>::codes),
          std::data(code_table<Enum>::codes) + std::size(code_table<Enum>::codes)};
}

// The taxonomy as a Markdown table (value, name, family, retryable, severity, summary),
// one row per code in value order; used to generate docs/error-codes.md.
template <class Enum = errc>
std::string markdown_code_table() {
  std::string out = "| value | name | family | retryable | severity | summary |\n";
  out += "|---:|---|---|---|---|---|\n";
  for (const code_info& row : all_codes<Enum>()) {
    out += "| " + std::to_string(row.value) + " | `";
    out += row.name;
    out += "` | ";
    out += to_string(row.family);
    out += row.retryable ? " | yes | " : " | no | ";
    out += to_string(row.level);
    out += " | ";
    for (char c : row.summary) {
      if (c == '|') out += '\\';
      out += c;
    }
    out += " |\n";
  }
  return out;
}

// The row of any error code whose category is a registered taxonomy (sluice's or a user's);
// nullptr for other categories (std::generic_category() and so on) and unknown values.
inline const code_info* find_info(const std::error_code& code) noexcept {
  if (!code) return nullptr;
  const detail::taxonomy_category_base* taxonomy = detail::find_registered(code.category());
  return taxonomy != nullptr ? taxonomy->find(code.value()) : nullptr;
}

// Finds the category of an error domain by name, for decoding (domain, value) pairs:
// registered taxonomies, "generic" and "system". nullptr when unknown.
inline const std::error_category* find_error_domain(std::string_view domain) noexcept {
  if (domain == "generic") return &std::generic_category();
  if (domain == "system") return &std::system_category();
  if (domain == "sluice") return &error_category();
  return detail::find_registered(domain);
}

// ---------------------------------------------------------------------------------------------
// Conditions: groups of codes that compare equal to any taxonomy's codes and to std::errc
// codes that classify into them.

enum class condition : int {
  parse = 1,
  schema,
  validation,
  ordering,
  capacity,
  io,
  auth,
  config,
  internal,
  retryable = detail::condition_retryable,
  not_retryable = detail::condition_not_retryable,
};

// The condition that groups one family.
constexpr condition family_condition(error_family family) noexcept {
  return static_cast<condition>(static_cast<int>(family) + 1);
}

// ---------------------------------------------------------------------------------------------
// Classification: turning foreign failures into specific codes, so UNCLASSIFIED stays rare.

namespace detail {
struct errno_mapping {
  std::errc from;
  errc to;
};
inline constexpr errno_mapping errno_mappings[] = {
    {std::errc::timed_out, errc::timeout},
    {std::errc::stream_timeout, errc::timeout},
    {std::errc::connection_refused, errc::upstream_unavailable},
    {std::errc::connection_reset, errc::upstream_unavailable},
    {std::errc::connection_aborted, errc::upstream_unavailable},
    {std::errc::host_unreachable, errc::upstream_unavailable},
    {std::errc::network_down, errc::upstream_unavailable},
    {std::errc::network_unreachable, errc::upstream_unavailable},
    {std::errc::network_reset, errc::upstream_unavailable},
    {std::errc::not_connected, errc::upstream_unavailable},
    {std::errc::broken_pipe, errc::upstream_unavailable},
    {std::errc::resource_unavailable_try_again, errc::upstream_unavailable},
    {std::errc::device_or_resource_busy, errc::upstream_unavailable},
    {std::errc::interrupted, errc::io_error},
    {std::errc::io_error, errc::io_error},
    {std::errc::permission_denied, errc::permission_denied},
    {std::errc::operation_not_permitted, errc::permission_denied},
    {std::errc::read_only_file_system, errc::permission_denied},
    {std::errc::not_enough_memory, errc::out_of_memory},
    {std::errc::no_buffer_space, errc::capacity_exceeded},
    {std::errc::too_many_files_open, errc::capacity_exceeded},
    {std::errc::too_many_files_open_in_system, errc::capacity_exceeded},
    {std::errc::no_space_on_device, errc::storage_full},
    {std::errc::file_too_large, errc::payload_too_large},
    {std::errc::value_too_large, errc::payload_too_large},
    {std::errc::message_size, errc::payload_too_large},
    {std::errc::no_such_file_or_directory, errc::not_found},
    {std::errc::no_such_device_or_address, errc::not_found},
    {std::errc::illegal_byte_sequence, errc::invalid_utf8},
    {std::errc::result_out_of_range, errc::number_out_of_range},
    {std::errc::invalid_argument, errc::invalid_argument},
    {std::errc::bad_message, errc::encoding_corrupt},
    {std::errc::protocol_error, errc::encoding_corrupt},
    {std::errc::not_supported, errc::not_supported},
    {std::errc::operation_not_supported, errc::not_supported},
    {std::errc::function_not_supported, errc::not_supported},
};

// sluice codes with an exact std::errc counterpart (for equivalence with std::errc).
inline constexpr errno_mapping generic_counterparts[] = {
    {std::errc::timed_out, errc::timeout},
    {std::errc::permission_denied, errc::permission_denied},
    {std::errc::not_enough_memory, errc::out_of_memory},
    {std::errc::no_space_on_device, errc::storage_full},
    {std::errc::illegal_byte_sequence, errc::invalid_utf8},
    {std::errc::invalid_argument, errc::invalid_argument},
    {std::errc::no_such_file_or_directory, errc::not_found},
    {std::errc::not_supported, errc::not_supported},
    {std::errc::io_error, errc::io_error},
};
}  // namespace detail

inline int code_table<errc>::generic_equivalent(int value) noexcept {
  for (const auto& pair : detail::generic_counterparts)
    if (static_cast<int>(pair.to) == value) return static_cast<int>(pair.from);
  return -1;
}

// The sluice code for a std::errc (UNCLASSIFIED when none fits).
inline errc classify(std::errc code) noexcept {
  for (const auto& pair : detail::errno_mappings)
    if (pair.from == code) return pair.to;
  return errc::unclassified;
}

// The sluice code that best describes any error code: sluice codes map to themselves,
// generic and system codes through their errno value, others to UNCLASSIFIED (keep the
// original message in the detail; see describe()). An empty code also gives UNCLASSIFIED.
inline errc classify(const std::error_code& code) noexcept {
  if (!code) return errc::unclassified;
  if (code.category() == error_category() ||
      std::strcmp(code.category().name(), "sluice") == 0) {
    const auto& cat = static_cast<const detail::taxonomy_category_base&>(error_category());
    return cat.find(code.value()) != nullptr ? static_cast<errc>(code.value())
                                             : errc::unclassified;
  }
  std::error_condition portable = code.default_error_condition();
  if (portable.category() == std::generic_category())
    return classify(static_cast<std::errc>(portable.value()));
  return errc::unclassified;
}

// The textual formats sluice parses; selects the format-specific syntax code.
enum class record_format : std::uint8_t { json, csv, other };

// What went wrong while parsing a record, as a parser sees it.
enum class parse_problem : std::uint8_t {
  syntax,               // JSON_PARSE_ERROR / CSV_PARSE_ERROR
  unexpected_end,       // TRUNCATED_RECORD
  invalid_encoding,     // INVALID_UTF8
  too_large,            // PAYLOAD_TOO_LARGE
  invalid_number,       // INVALID_NUMBER
  number_out_of_range,  // NUMBER_OUT_OF_RANGE
  invalid_timestamp,    // INVALID_TIMESTAMP
};

// The sluice code for a parse failure in a given format.
constexpr errc classify(parse_problem problem, record_format format) noexcept {
  switch (problem) {
    case parse_problem::syntax:
      return format == record_format::json  ? errc::json_parse_error
             : format == record_format::csv ? errc::csv_parse_error
                                            : errc::unclassified;
    case parse_problem::unexpected_end: return errc::truncated_record;
    case parse_problem::invalid_encoding: return errc::invalid_utf8;
    case parse_problem::too_large: return errc::payload_too_large;
    case parse_problem::invalid_number: return errc::invalid_number;
    case parse_problem::number_out_of_range: return errc::number_out_of_range;
    case parse_problem::invalid_timestamp: return errc::invalid_timestamp;
  }
  return errc::unclassified;
}

// The code for a std::from_chars call that had to consume all of [first, last): empty on
// success, INVALID_NUMBER for no number or trailing characters, NUMBER_OUT_OF_RANGE for
// overflow.
inline std::error_code check_number_parse(std::from_chars_result parsed, const char* last) noexcept {
  if (parsed.ec == std::errc::result_out_of_range) return make_error_code(errc::number_out_of_range);
  if (parsed.ec != std::errc() || parsed.ptr != last) return make_error_code(errc::invalid_number);
  return {};
}

// NAME of a code without allocating: the taxonomy's name, or for foreign codes the name of
// the sluice code they classify into (for generic/system codes) or "UNCLASSIFIED". "" for an
// empty code.
inline const char* name_of(const std::error_code& code) noexcept {
  if (!code) return "";
  if (const code_info* row = find_info(code)) return row->name.data();
  return info(classify(code)).name.data();
}

// The one-sentence summary of a code without allocating (same lookup as name_of).
inline const char* summary_of(const std::error_code& code) noexcept {
  if (!code) return "";
  if (const code_info* row = find_info(code)) return row->summary.data();
  return info(classify(code)).summary.data();
}

// "domain:value NAME: message", for logs and for the detail of re-classified codes.
inline std::string describe(const std::error_code& code) {
  std::string text = code.category().name();
  text += ':';
  text += std::to_string(code.value());
  text += ' ';
  if (find_info(code) == nullptr && code) {
    text += name_of(code);
    text += ": ";
  }
  text += code.message();
  return text;
}

namespace detail {
class condition_category_type final : public std::error_category {
 public:
  const char* name() const noexcept override { return condition_domain; }
  std::string message(int value) const override {
    if (value == condition_retryable) return "retryable failure";
    if (value == condition_not_retryable) return "non-retryable failure";
    if (value >= 1 && value <= static_cast<int>(error_family_count))
      return std::string(to_string(static_cast<error_family>(value - 1))) + " failure";
    return "unknown sluice condition " + std::to_string(value);
  }
  // Answers for codes outside any taxonomy (taxonomy categories answer for themselves).
  bool equivalent(const std::error_code& code, int value) const noexcept override {
    if (!code) return false;
    if (const code_info* row = find_info(code)) return code_matches_condition(*row, value);
    return code_matches_condition(info(classify(code)), value);
  }
};

SLUICE_DETAIL_VISIBLE inline const condition_category_type& condition_category_instance() noexcept {
  alignas(condition_category_type) static unsigned char storage[sizeof(condition_category_type)];
  static const condition_category_type* instance =
      ::new (static_cast<void*>(storage)) condition_category_type();
  return *instance;
}
}  // namespace detail

// The category of sluice::condition; name() == "sluice.condition".
inline const std::error_category& condition_category() noexcept {
  return detail::condition_category_instance();
}

// Lets `ec == condition::...` compare a code of any taxonomy with a sluice condition.
inline std::error_condition make_error_condition(condition value) noexcept {
  return {static_cast<int>(value), condition_category()};
}

SLUICE_NAMESPACE_END

namespace std {
template <>
struct is_error_code_enum<sluice::errc> : true_type {};
template <>
struct is_error_condition_enum<sluice::condition> : true_type {};
}  // namespace std

SLUICE_NAMESPACE_BEGIN

// The row of a sluice code (UNKNOWN_CODE, value 0, for a value not in the table).
inline const code_info& info(errc code) noexcept { return info<errc>(code); }

// ---------------------------------------------------------------------------------------------
// result<T>: a value or a std::error_code.
//
// Reading the value of an error result is a contract violation. value() checks it in every
// build (prints the error and aborts; see SLUICE_RESULT_CHECKED); operator* and operator->
// only assert, like std::optional. An error result built from an empty std::error_code is
// also a contract violation: it asserts, and in release builds stores UNCLASSIFIED so the
// result still reads as failed.

namespace detail {
[[noreturn]] inline void bad_result_access(const std::error_code& code) noexcept {
  std::fprintf(stderr, "sluice: value() of a result holding error %s:%d (%s)\n",
               code.category().name(), code.value(), name_of(code));
  std::abort();
}

inline std::error_code checked_error(std::error_code code) noexcept {
  assert(code && "an error result needs a non-empty std::error_code");
  if (!code) return make_error_code(errc::unclassified);
  return code;
}

template <class E>
using enable_if_error_enum = std::enable_if_t<std::is_error_code_enum<E>::value, int>;
}  // namespace detail

template <class T>
class [[nodiscard]] result {
  static_assert(!std::is_reference_v<T>, "result<T&> is not supported; use a pointer");
  static_assert(!std::is_same_v<std::remove_cv_t<T>, std::error_code>,
                "result<std::error_code> would be ambiguous");

 public:
  using value_type = T;

  // A value (implicit from anything convertible to T, except error codes).
  template <class U = T,
            std::enable_if_t<std::is_convertible_v<U&&, T> &&
                                 !std::is_same_v<std::decay_t<U>, result> &&
                                 !std::is_same_v<std::decay_t<U>, std::error_code> &&
                                 !std::is_error_code_enum<std::decay_t<U>>::value,
                             int> = 0>
  result(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>)  // NOLINT: implicit
      : has_value_(true) {
    ::new (static_cast<void*>(&value_)) T(std::forward<U>(value));
  }

  // An error.
  result(std::error_code error) noexcept : error_(detail::checked_error(error)) {}  // NOLINT
  template <class E, detail::enable_if_error_enum<E> = 0>
  result(E error) noexcept : result(std::error_code(make_error_code(error))) {}  // NOLINT

  // Constructs the value in place.
  template <class... Args>
  explicit result(std::in_place_t, Args&&... args) : has_value_(true) {
    ::new (static_cast<void*>(&value_)) T(std::forward<Args>(args)...);
  }

  result(const result& other) : error_(other.error_), has_value_(other.has_value_) {
    if (has_value_) ::new (static_cast<void*>(&value_)) T(other.value_);
  }
  result(result&& other) noexcept(std::is_nothrow_move_constructible_v<T>)
      : error_(other.error_), has_value_(other.has_value_) {
    if (has_value_) ::new (static_cast<void*>(&value_)) T(std::move(other.value_));
  }
  result& operator=(const result& other) {
    if (this != &other) assign(other.has_value_, other.error_, other.value_);
    return *this;
  }
  result& operator=(result&& other) noexcept(std::is_nothrow_move_constructible_v<T> &&
                                             std::is_nothrow_move_assignable_v<T>) {
    if (this != &other) assign(other.has_value_, other.error_, std::move(other.value_));
    return *this;
  }
  ~result() { reset(); }

  bool has_value() const noexcept { return has_value_; }
  explicit operator bool() const noexcept { return has_value_; }

  // The error; empty when the result holds a value.
  std::error_code error() const noexcept { return error_; }

  T& value() & noexcept {
    check();
    return value_;
  }
  const T& value() const& noexcept {
    check();
    return value_;
  }
  T&& value() && noexcept {
    check();
    return std::move(value_);
  }

  T& operator*() & noexcept {
    assert(has_value_);
    return value_;
  }
  const T& operator*() const& noexcept {
    assert(has_value_);
    return value_;
  }
  T&& operator*() && noexcept {
    assert(has_value_);
    return std::move(value_);
  }
  T* operator->() noexcept {
    assert(has_value_);
    return &value_;
  }
  const T* operator->() const noexcept {
    assert(has_value_);
    return &value_;
  }

  // The value, or `fallback` when this holds an error.
  template <class U>
  T value_or(U&& fallback) const& {
    return has_value_ ? value_ : static_cast<T>(std::forward<U>(fallback));
  }
  template <class U>
  T value_or(U&& fallback) && {
    return has_value_ ? std::move(value_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  void check() const noexcept {
#if SLUICE_RESULT_CHECKED()
    if (SLUICE_UNLIKELY(!has_value_)) detail::bad_result_access(error_);
#else
    assert(has_value_);
#endif
  }
  void reset() noexcept {
    if (has_value_) value_.~T();
    has_value_ = false;
  }
  template <class V>
  void assign(bool has, const std::error_code& error, V&& value) {
    if (has && has_value_) {
      value_ = std::forward<V>(value);
    } else if (has) {
      ::new (static_cast<void*>(&value_)) T(std::forward<V>(value));
      has_value_ = true;
    } else {
      reset();
    }
    error_ = error;
  }

  std::error_code error_;
  union {
    T value_;
  };
  bool has_value_ = false;
};

// Success or a std::error_code. Default-constructed: success.
template <>
class [[nodiscard]] result<void> {
 public:
  using value_type = void;

  result() noexcept = default;
  result(std::error_code error) noexcept : error_(detail::checked_error(error)) {}  // NOLINT
  template <class E, detail::enable_if_error_enum<E> = 0>
  result(E error) noexcept : result(std::error_code(make_error_code(error))) {}  // NOLINT

  bool has_value() const noexcept { return !error_; }
  explicit operator bool() const noexcept { return has_value(); }
  std::error_code error() const noexcept { return error_; }
  // Checks, like result<T>::value(), that there is no error.
  void value() const noexcept {
#if SLUICE_RESULT_CHECKED()
    if (SLUICE_UNLIKELY(!has_value())) detail::bad_result_access(error_);
#else
    assert(has_value());
#endif
  }

 private:
  std::error_code error_;
};

// ---------------------------------------------------------------------------------------------
// Counters: how often each code of one taxonomy happened, lock-free.

// One non-zero entry of a counter snapshot.
struct code_count {
  const code_info* code;
  std::uint64_t count;
};

// What error_counters held: the non-zero rows in table order, and the events that no row
// took (codes of other categories, values missing from the table). Iterates over the rows.
struct counter_snapshot {
  std::vector<code_count> codes;
  std::uint64_t other = 0;

  std::vector<code_count>::const_iterator begin() const noexcept { return codes.begin(); }
  std::vector<code_count>::const_iterator end() const noexcept { return codes.end(); }
  std::size_t size() const noexcept { return codes.size(); }
  const code_count& operator[](std::size_t i) const noexcept { return codes[i]; }
  // True when nothing at all was counted, `other` included.
  bool empty() const noexcept { return codes.empty() && other == 0; }
};

namespace detail {
// Row (plus one; 0 for none) of each value from the first value of Enum's table on.
template <std::size_t Span>
struct counter_value_index {
  std::uint16_t rows[Span];
};
template <class Enum, std::size_t Span>
constexpr counter_value_index<Span> counter_row_index() noexcept {
  counter_value_index<Span> index{};
  constexpr auto& codes = code_table<Enum>::codes;
  if (static_cast<std::size_t>(codes[std::size(codes) - 1].value - codes[0].value) < Span)
    for (std::size_t i = 0; i < std::size(codes); ++i)
      index.rows[static_cast<std::size_t>(codes[i].value - codes[0].value)] = static_cast<std::uint16_t>(i + 1);
  return index;
}
}  // namespace detail

// Per-code event counters for one taxonomy, safe to bump from any number of threads
// (relaxed atomics: a snapshot taken while others count is approximate but never torn).
// Codes of other categories are counted together under other().
template <class Enum = errc>
class error_counters {
  static constexpr std::size_t size_ = std::size(code_table<Enum>::codes);

 public:
  error_counters() noexcept = default;
  error_counters(const error_counters&) = delete;
  error_counters& operator=(const error_counters&) = delete;

  // Counts `code` under its row; a value missing from the table counts under other().
  void add(Enum code, std::uint64_t n = 1) noexcept { slot(static_cast<int>(code)).fetch_add(n, std::memory_order_relaxed); }

  // Counts `code` under its row when it belongs to this taxonomy, else under other().
  void add(const std::error_code& code, std::uint64_t n = 1) noexcept {
    if (!code) return;
    if (belongs(code))
      slot(code.value()).fetch_add(n, std::memory_order_relaxed);
    else
      other_.fetch_add(n, std::memory_order_relaxed);
  }

  // How many times `code` was counted; for a value missing from the table, how many such
  // values were counted together.
  std::uint64_t count(Enum code) const noexcept {
    const code_info* row = table().find(static_cast<int>(code));
    const std::atomic<std::uint64_t>& counter =
        row != nullptr ? counts_[static_cast<std::size_t>(row - table().begin())] : unknown_;
    return counter.load(std::memory_order_relaxed);
  }
  // Codes of other categories, and values missing from this taxonomy's table.
  std::uint64_t other() const noexcept {
    return other_.load(std::memory_order_relaxed) + unknown_.load(std::memory_order_relaxed);
  }

  // The non-zero counters in table order, and other().
  counter_snapshot snapshot() const {
    counter_snapshot out;
    for (std::size_t i = 0; i < size_; ++i) {
      std::uint64_t n = counts_[i].load(std::memory_order_relaxed);
      if (n != 0) out.codes.push_back({table().begin() + i, n});
    }
    out.other = other();
    return out;
  }

  // Sets every counter to zero, other() included, and returns what they held: each counter is
  // exchanged atomically, so an event counted meanwhile is in this snapshot or the next one.
  counter_snapshot snapshot_and_reset() {
    counter_snapshot out;
    for (std::size_t i = 0; i < size_; ++i) {
      std::uint64_t n = counts_[i].exchange(0, std::memory_order_relaxed);
      if (n != 0) out.codes.push_back({table().begin() + i, n});
    }
    out.other = other_.exchange(0, std::memory_order_relaxed);
    out.other += unknown_.exchange(0, std::memory_order_relaxed);
    return out;
  }

 private:
  static const detail::taxonomy_category_base& table() noexcept {
    return static_cast<const detail::taxonomy_category_base&>(category<Enum>());
  }
  static bool belongs(const std::error_code& code) noexcept {
    return code.category() == category<Enum>() ||
           std::strcmp(code.category().name(), category<Enum>().name()) == 0;
  }
  std::atomic<std::uint64_t>& slot(int value) noexcept {
    if constexpr (dense_) {
      // Unsigned arithmetic: any int value, INT_MIN included, maps to an offset without overflow.
      const unsigned offset = static_cast<unsigned>(value) - static_cast<unsigned>(first_value_);
      const std::uint16_t row = offset < index_span_ ? row_index_.rows[offset] : 0;
      return row != 0 ? counts_[row - 1u] : unknown_;
    } else {
      const code_info* row = table().find(value);
      return row != nullptr ? counts_[static_cast<std::size_t>(row - table().begin())] : unknown_;
    }
  }

  // Taxonomies whose values span at most 4096 get a direct value -> row index, so counting
  // costs one load instead of a binary search of unpredictable branches.
  static constexpr int first_value_ = code_table<Enum>::codes[0].value;
  static constexpr std::size_t index_span_ =
      static_cast<std::size_t>(code_table<Enum>::codes[size_ - 1].value - first_value_) + 1;
  static constexpr bool dense_ = index_span_ <= 4096;
  static constexpr auto row_index_ = detail::counter_row_index<Enum, dense_ ? index_span_ : 1>();

  std::array<std::atomic<std::uint64_t>, size_> counts_{};
  std::atomic<std::uint64_t> other_{0};
  std::atomic<std::uint64_t> unknown_{0};
};

SLUICE_NAMESPACE_END
