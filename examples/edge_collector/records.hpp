// The two record kinds of the edge collector's input and their schema checks.
//
//   {"type":"event","partition":3,"offset":1207,"event_id":"p3-1207","event_time":1717200012345,
//    "user_id":812,"action":"view"}
//   {"type":"customer","customer_id":17,"op":"U","updated_at":1717200004000,"name":"Ada Lovelace",
//    "city":"London","email":"ada@example.com"}
//
// Times are milliseconds since the Unix epoch. A customer record is a CDC change: op "U"
// (upsert: name, city and email required) or "D" (delete: they may be absent). Customer
// columns are short fixed-width text (at most 31 bytes), so every byte a record holds lives in
// the structure that holds the record and counts against its memory budget.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string_view>
#include <tuple>

#include <sluice/errors.hpp>

#include "flat_json.hpp"

namespace edge {

// Up to 31 bytes of UTF-8, stored inline; compares like std::string_view.
struct short_text {
  static constexpr std::size_t capacity = 31;
  char bytes[capacity] = {};
  std::uint8_t size = 0;

  static bool fits(std::string_view text) noexcept { return text.size() <= capacity; }
  void assign(std::string_view text) noexcept {
    size = static_cast<std::uint8_t>(text.size() < capacity ? text.size() : capacity);
    std::memcpy(bytes, text.data(), size);
  }
  std::string_view view() const noexcept { return std::string_view(bytes, size); }
  friend bool operator==(const short_text& a, const short_text& b) noexcept { return a.view() == b.view(); }
  friend bool operator!=(const short_text& a, const short_text& b) noexcept { return !(a == b); }
  friend bool operator<(const short_text& a, const short_text& b) noexcept { return a.view() < b.view(); }
};

// An interaction event from one of the partitions of the source.
struct event {
  std::string_view event_id;  // the deduplication key (views the batch arena)
  std::int64_t event_time = 0;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t user_id = 0;
  std::string_view action;
  std::uint32_t line = 0;        // index of the line within its micro-batch
  std::uint32_t line_bytes = 0;  // size of the raw line, for the pretend output files
};

// A CDC change of the customer dimension.
struct customer {
  std::uint64_t customer_id = 0;
  std::int64_t updated_at = 0;
  char op = 'U';  // 'U' upsert, 'D' delete
  short_text name, city, email;
};

// How sluice::scd2::history reads a customer: name and city are history columns (a change
// opens a version), email is updated in place.
struct customer_traits {
  using record = customer;
  static std::uint64_t key(const customer& c) noexcept { return c.customer_id; }
  static std::int64_t sequence(const customer& c) noexcept { return c.updated_at; }
  static bool is_delete(const customer& c) noexcept { return c.op == 'D'; }
  static auto tracked(const customer& c) noexcept { return std::tie(c.name, c.city); }
  static auto untracked(const customer& c) noexcept { return std::tie(c.email); }
};

// Which kind of record a line holds.
enum class record_kind : std::uint8_t { event, customer };

// A schema failure: the code, the field it concerns and a message.
struct schema_failure {
  sluice::errc code = sluice::errc::unclassified;
  std::string_view field;
  const char* message = nullptr;
  explicit operator bool() const noexcept { return message != nullptr; }
};

namespace detail {

inline schema_failure require(const flat_object& object, std::string_view name, json_type type,
                              const json_field*& out) noexcept {
  out = object.find(name);
  if (out == nullptr) return {sluice::errc::missing_field, name, "required field is absent"};
  if (out->type == json_type::null) return {sluice::errc::null_violation, name, "required field is null"};
  if (out->type != type) return {sluice::errc::type_mismatch, name, type == json_type::string ? "expected a string" : "expected an integer"};
  return {};
}

inline bool known(std::string_view name, std::initializer_list<std::string_view> names) noexcept {
  for (std::string_view candidate : names)
    if (candidate == name) return true;
  return false;
}

inline schema_failure unknown_fields(const flat_object& object,
                                     std::initializer_list<std::string_view> names) noexcept {
  for (const json_field& field : object)
    if (!known(field.name, names)) return {sluice::errc::unknown_field, field.name, "field not in the schema"};
  return {};
}

inline schema_failure text_column(const flat_object& object, std::string_view name, bool required,
                                  short_text& out) noexcept {
  const json_field* field = object.find(name);
  if (field == nullptr || field->type == json_type::null) {
    if (!required) return {};
    return {field == nullptr ? sluice::errc::missing_field : sluice::errc::null_violation, name,
            field == nullptr ? "required field is absent" : "required field is null"};
  }
  if (field->type != json_type::string) return {sluice::errc::type_mismatch, name, "expected a string"};
  if (!short_text::fits(field->text)) return {sluice::errc::range_violation, name, "longer than 31 bytes"};
  out.assign(field->text);
  return {};
}

}  // namespace detail

// The kind named by the object's "type" field.
inline schema_failure kind_of(const flat_object& object, record_kind& kind) noexcept {
  const json_field* type = nullptr;
  if (schema_failure f = detail::require(object, "type", json_type::string, type)) return f;
  if (type->text == "event") {
    kind = record_kind::event;
    return {};
  }
  if (type->text == "customer") {
    kind = record_kind::customer;
    return {};
  }
  return {sluice::errc::range_violation, "type", "type is neither \"event\" nor \"customer\""};
}

// Checks an event object and fills `out` (its strings view the object's strings).
inline schema_failure to_event(const flat_object& object, event& out) noexcept {
  if (schema_failure f = detail::unknown_fields(
          object, {"type", "partition", "offset", "event_id", "event_time", "user_id", "action"}))
    return f;
  const json_field *partition, *offset, *id, *time, *user, *action;
  if (schema_failure f = detail::require(object, "partition", json_type::integer, partition)) return f;
  if (schema_failure f = detail::require(object, "offset", json_type::integer, offset)) return f;
  if (schema_failure f = detail::require(object, "event_id", json_type::string, id)) return f;
  if (schema_failure f = detail::require(object, "event_time", json_type::integer, time)) return f;
  if (schema_failure f = detail::require(object, "user_id", json_type::integer, user)) return f;
  if (schema_failure f = detail::require(object, "action", json_type::string, action)) return f;
  if (partition->integer < 0 || partition->integer > 0xFFFF)
    return {sluice::errc::range_violation, "partition", "partition outside [0, 65535]"};
  if (id->text.empty()) return {sluice::errc::range_violation, "event_id", "empty event id"};
  out.partition = static_cast<std::int32_t>(partition->integer);
  out.offset = offset->integer;
  out.event_id = id->text;
  out.event_time = time->integer;
  out.user_id = user->integer;
  out.action = action->text;
  return {};
}

// Checks a customer object and fills `out`.
inline schema_failure to_customer(const flat_object& object, customer& out) noexcept {
  if (schema_failure f = detail::unknown_fields(
          object, {"type", "customer_id", "op", "updated_at", "name", "city", "email"}))
    return f;
  const json_field *id, *op, *updated;
  if (schema_failure f = detail::require(object, "customer_id", json_type::integer, id)) return f;
  if (schema_failure f = detail::require(object, "op", json_type::string, op)) return f;
  if (schema_failure f = detail::require(object, "updated_at", json_type::integer, updated)) return f;
  if (id->integer < 0) return {sluice::errc::range_violation, "customer_id", "negative customer id"};
  if (op->text != "U" && op->text != "D") return {sluice::errc::range_violation, "op", "op is neither \"U\" nor \"D\""};
  out = customer{};
  out.customer_id = static_cast<std::uint64_t>(id->integer);
  out.updated_at = updated->integer;
  out.op = op->text[0];
  const bool upsert = out.op == 'U';
  if (schema_failure f = detail::text_column(object, "name", upsert, out.name)) return f;
  if (schema_failure f = detail::text_column(object, "city", upsert, out.city)) return f;
  if (schema_failure f = detail::text_column(object, "email", upsert, out.email)) return f;
  return {};
}

}  // namespace edge
