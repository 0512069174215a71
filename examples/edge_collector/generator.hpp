// The edge collector's built-in input: a seeded, realistic NDJSON stream.
//
// Events from several partitions arrive with per-partition lag and jitter (out of order),
// some far behind (late), some retried by their producer (duplicates) or replayed after a
// consumer restart; customer CDC records insert, update, delete and re-insert customers,
// sometimes late, replayed or in conflict; about one line in eighty is malformed on purpose.
// Every line carries its ground truth (what it is, or the code a strict reader must give it),
// so tests can check a pipeline against values computed without its parser.
//
//   edge::stream_config config;           // seed 2024, 40'000 events, 8 partitions
//   for (const edge::generated_line& line : edge::generate_stream(config))
//     collector.push_line(line.text);
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <sluice/errors.hpp>

#include "records.hpp"

namespace edge {

// Shape of the generated stream. Rates are per mille of the records they apply to.
struct stream_config {
  std::uint64_t seed = 2024;
  std::size_t events = 40'000;
  std::uint32_t partitions = 8;
  std::size_t customers = 2'000;
  std::int64_t start_ms = 1'717'200'000'000;  // 2024-06-01T00:00:00Z
  std::int64_t span_ms = 20 * 60 * 1000;     // event times cover twenty minutes
  unsigned retry_per_mille = 40;             // producer retries: a copy a few seconds later
  unsigned replay_per_mille = 5;             // replays minutes later (late by then)
  unsigned straggler_per_mille = 15;         // events delayed 20-120 s (late)
  unsigned malformed_per_mille = 12;         // of all well-formed lines
  unsigned cdc_late_per_mille = 30;          // CDC records delayed 30-300 s
  unsigned cdc_replay_per_mille = 30;        // CDC records sent twice
  unsigned cdc_conflict_per_mille = 5;       // a second, different change at the same time
};

// What a generated line is.
struct line_truth {
  enum class kind : std::uint8_t { event, customer, malformed };
  kind what = kind::malformed;
  sluice::errc expected = sluice::errc::unclassified;  // malformed: the code a strict reader gives
  // event
  std::string event_id;
  std::int64_t event_time = 0;
  std::int32_t partition = 0;
  // customer
  customer change;
};

struct generated_line {
  std::string text;
  line_truth truth;
};

namespace detail {

// splitmix64: the same numbers for the same seed on every platform.
class random {
 public:
  explicit random(std::uint64_t seed) noexcept : state_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) noexcept { return next() % n; }
  std::int64_t between(std::int64_t lo, std::int64_t hi) noexcept {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1u));
  }
  bool per_mille(unsigned rate) noexcept { return below(1000) < rate; }
  template <class T, std::size_t N>
  const T& pick(const T (&items)[N]) noexcept {
    return items[below(N)];
  }

 private:
  std::uint64_t state_;
};

// A JSON object written member by member; `escape_unicode` writes non-ASCII as \u escapes
// and `spaced` adds blanks around separators, so readers see more than one spelling.
class object_writer {
 public:
  object_writer(bool spaced, bool escape_unicode) : spaced_(spaced), escape_unicode_(escape_unicode) {
    text_ = "{";
  }
  object_writer& raw(std::string_view name, std::string_view literal) {
    key(name);
    text_ += literal;
    return *this;
  }
  object_writer& number(std::string_view name, std::int64_t value) { return raw(name, std::to_string(value)); }
  object_writer& string(std::string_view name, std::string_view value) {
    key(name);
    quote(value);
    return *this;
  }
  std::string finish() {
    text_ += spaced_ ? " }" : "}";
    return std::move(text_);
  }

 private:
  void key(std::string_view name) {
    if (text_.size() > 1) text_ += spaced_ ? ", " : ",";
    quote(name);
    text_ += spaced_ ? ": " : ":";
  }
  void quote(std::string_view value) {
    static const char hex[] = "0123456789abcdef";
    text_ += '"';
    for (std::size_t i = 0; i < value.size(); ++i) {
      const auto c = static_cast<unsigned char>(value[i]);
      if (c == '"' || c == '\\') {
        text_ += '\\';
        text_ += static_cast<char>(c);
      } else if (c < 0x20) {
        text_ += "\\u00";
        text_ += hex[c >> 4];
        text_ += hex[c & 15];
      } else if (c >= 0x80 && escape_unicode_) {
        // Decode one (valid) sequence and write it as one or two \u escapes.
        std::size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        std::uint32_t cp = c & (length == 2 ? 0x1Fu : length == 3 ? 0x0Fu : 0x07u);
        for (std::size_t k = 1; k < length; ++k) cp = (cp << 6) | (static_cast<unsigned char>(value[i + k]) & 0x3Fu);
        i += length - 1;
        auto unit = [&](std::uint32_t u) {
          text_ += "\\u";
          for (int shift = 12; shift >= 0; shift -= 4) text_ += hex[(u >> shift) & 15];
        };
        if (cp >= 0x10000) {
          unit(0xD800 + ((cp - 0x10000) >> 10));
          unit(0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
          unit(cp);
        }
      } else {
        text_ += static_cast<char>(c);
      }
    }
    text_ += '"';
  }

  std::string text_;
  bool spaced_;
  bool escape_unicode_;
};

struct pending_line {
  std::int64_t arrival;
  std::uint64_t order;
  generated_line line;
};

inline constexpr const char* actions[] = {"view", "view", "view", "click", "search", "add_to_cart", "purchase"};
inline constexpr const char* first_names[] = {"Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Zoë",
                                              "José", "Ana \"Nan\"", "Łukasz", "Søren", "Amélie", "Yūki", "Chidi"};
inline constexpr const char* last_names[] = {"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson",
                                             "Nakamura", "Okafor", "Müller", "Kowalski", "Ng", "O'Brien"};
inline constexpr const char* cities[] = {"London", "Paris", "New York", "Zürich", "São Paulo", "Kraków",
                                         "Malmö", "Reykjavík", "Tokyo", "Lagos", "Montréal", "Berlin",
                                         "Austin", "Москва", "İzmir", "Nairobi", "Hà Nội", "Lima"};

// Draws in separate statements: the order of evaluation of function arguments is
// unspecified, and the stream must be the same on every compiler and platform.
inline std::string full_name(random& rng) {
  std::string name = rng.pick(first_names);
  name += ' ';
  name += rng.pick(last_names);
  return name;
}

inline std::string event_line(const line_truth& t, std::int64_t offset, std::int64_t user, std::string_view action,
                              bool spaced) {
  return object_writer(spaced, false)
      .string("type", "event")
      .number("partition", t.partition)
      .number("offset", offset)
      .string("event_id", t.event_id)
      .number("event_time", t.event_time)
      .number("user_id", user)
      .string("action", action)
      .finish();
}

inline std::string customer_line(const customer& c, bool spaced, bool escape_unicode) {
  object_writer out(spaced, escape_unicode);
  out.string("type", "customer")
      .number("customer_id", static_cast<std::int64_t>(c.customer_id))
      .string("op", c.op == 'D' ? "D" : "U")
      .number("updated_at", c.updated_at);
  if (c.op != 'D') out.string("name", c.name.view()).string("city", c.city.view()).string("email", c.email.view());
  return out.finish();
}

// A malformed variant of a well-formed event line, and the code a strict reader must give it.
inline generated_line malform(random& rng, const line_truth& base, std::int64_t offset, std::int64_t user) {
  generated_line out;
  out.truth.what = line_truth::kind::malformed;
  const std::string id = base.event_id;
  auto writer = [&] {
    object_writer w(false, false);
    w.string("type", "event").number("partition", base.partition).number("offset", offset);
    return w;
  };
  switch (rng.below(10)) {
    case 0: {  // a member without ':'
      std::string text = event_line(base, offset, user, "view", false);
      text.erase(text.find(':', text.find("\"user_id\"")), 1);
      out.text = text;
      out.truth.expected = sluice::errc::json_parse_error;
      break;
    }
    case 1: {  // a trailing comma
      std::string text = event_line(base, offset, user, "click", false);
      text.insert(text.size() - 1, ",");
      out.text = text;
      out.truth.expected = sluice::errc::json_parse_error;
      break;
    }
    case 2: {  // cut short on a character boundary
      std::string text = event_line(base, offset, user, "search", false);
      std::size_t cut = 1 + static_cast<std::size_t>(rng.below(text.size() - 1));
      out.text = text.substr(0, cut);
      out.truth.expected = sluice::errc::truncated_record;
      break;
    }
    case 3:  // no event_time
      out.text = writer().string("event_id", id).number("user_id", user).string("action", "view").finish();
      out.truth.expected = sluice::errc::missing_field;
      break;
    case 4:  // event_time as a string
      out.text = writer()
                     .string("event_id", id)
                     .string("event_time", std::to_string(base.event_time))
                     .number("user_id", user)
                     .string("action", "view")
                     .finish();
      out.truth.expected = sluice::errc::type_mismatch;
      break;
    case 5: {  // invalid UTF-8 in a string
      static const char* const bad[] = {"vi\377ew", "\xC0\xAF", "cl\x80ick", "\xED\xA0\x80", "\xF5\x80\x80\x80"};
      out.text = writer()
                     .string("event_id", id)
                     .number("event_time", base.event_time)
                     .number("user_id", user)
                     .string("action", bad[rng.below(5)])
                     .finish();
      out.truth.expected = sluice::errc::invalid_utf8;
      break;
    }
    case 6:  // a null id
      out.text = writer()
                     .raw("event_id", "null")
                     .number("event_time", base.event_time)
                     .number("user_id", user)
                     .string("action", "view")
                     .finish();
      out.truth.expected = sluice::errc::null_violation;
      break;
    case 7:  // an integer beyond 64 bits
      out.text = object_writer(false, false)
                     .string("type", "event")
                     .number("partition", base.partition)
                     .raw("offset", "184467440737095516160")
                     .string("event_id", id)
                     .number("event_time", base.event_time)
                     .number("user_id", user)
                     .string("action", "view")
                     .finish();
      out.truth.expected = sluice::errc::number_out_of_range;
      break;
    case 8:  // a CDC record with an unknown operation
      out.text = object_writer(false, false)
                     .string("type", "customer")
                     .number("customer_id", user)
                     .string("op", "X")
                     .number("updated_at", base.event_time)
                     .finish();
      out.truth.expected = sluice::errc::range_violation;
      break;
    default:  // a field the schema does not know
      out.text = writer()
                     .string("event_id", id)
                     .number("event_time", base.event_time)
                     .number("user_id", user)
                     .string("action", "view")
                     .raw("debug", "true")
                     .finish();
      out.truth.expected = sluice::errc::unknown_field;
      break;
  }
  return out;
}

}  // namespace detail

// The stream for `config`, in arrival order; the same lines for the same config everywhere.
inline std::vector<generated_line> generate_stream(const stream_config& config) {
  using detail::pending_line;
  detail::random rng(config.seed);
  std::vector<pending_line> lines;
  lines.reserve(config.events + config.events / 8 + config.customers * 4);
  std::uint64_t order = 0;
  auto add = [&](std::int64_t arrival, generated_line line) {
    lines.push_back(pending_line{arrival, order++, std::move(line)});
  };
  const std::uint32_t partitions = config.partitions == 0 ? 1 : config.partitions;

  std::vector<std::int64_t> lag(partitions), next_offset(partitions, 0);
  for (auto& l : lag) l = rng.between(0, 3000);
  const std::int64_t step = config.events == 0 ? 1 : std::max<std::int64_t>(1, config.span_ms / static_cast<std::int64_t>(config.events));
  std::size_t well_formed = 0;

  for (std::size_t i = 0; i < config.events; ++i) {
    line_truth t;
    t.what = line_truth::kind::event;
    t.partition = static_cast<std::int32_t>(rng.below(partitions));
    const std::int64_t offset = next_offset[static_cast<std::size_t>(t.partition)]++;
    t.event_id = "p" + std::to_string(t.partition) + "-" + std::to_string(offset);
    t.event_time = config.start_ms + static_cast<std::int64_t>(i) * step + rng.between(0, 200);
    const std::int64_t user = rng.between(1, 5000);
    const char* action = rng.pick(detail::actions);
    std::int64_t arrival = t.event_time + lag[static_cast<std::size_t>(t.partition)] + rng.between(0, 1500);
    if (rng.per_mille(config.straggler_per_mille)) arrival += rng.between(20'000, 120'000);
    const bool spaced = rng.per_mille(50);
    generated_line line{detail::event_line(t, offset, user, action, spaced), t};
    if (rng.per_mille(config.retry_per_mille)) add(arrival + rng.between(50, 8000), line);
    if (rng.per_mille(config.replay_per_mille)) add(arrival + rng.between(120'000, 240'000), line);
    if (rng.per_mille(config.malformed_per_mille * 8 / 10)) {
      const std::int64_t bad_arrival = arrival + rng.between(0, 1000);
      add(bad_arrival, detail::malform(rng, t, offset, user));
    }
    add(arrival, std::move(line));
    ++well_formed;
  }

  auto emit_change = [&](const customer& c) {
    line_truth t;
    t.what = line_truth::kind::customer;
    t.change = c;
    std::int64_t arrival = c.updated_at + rng.between(0, 2000);
    if (rng.per_mille(config.cdc_late_per_mille)) arrival += rng.between(30'000, 300'000);
    const bool spaced = rng.per_mille(50);
    const bool escaped = rng.per_mille(200);
    generated_line line{detail::customer_line(c, spaced, escaped), t};
    if (rng.per_mille(config.cdc_replay_per_mille)) add(arrival + rng.between(1000, 60'000), line);
    if (rng.per_mille(config.cdc_conflict_per_mille) && c.op == 'U') {
      customer other = c;
      other.city.assign(rng.pick(detail::cities));
      if (other.city != c.city) {
        line_truth ot = t;
        ot.change = other;
        const std::int64_t other_arrival = arrival + rng.between(0, 5000);
        add(other_arrival, generated_line{detail::customer_line(other, false, false), ot});
        ++well_formed;
      }
    }
    add(arrival, std::move(line));
    ++well_formed;
  };

  for (std::size_t k = 1; k <= config.customers; ++k) {
    customer c;
    c.customer_id = k;
    c.op = 'U';
    c.updated_at = config.start_ms + rng.between(0, config.span_ms / 4);
    c.name.assign(detail::full_name(rng));
    c.city.assign(rng.pick(detail::cities));
    unsigned email_version = 0;
    c.email.assign("c" + std::to_string(k) + "@example.com");
    emit_change(c);
    const std::uint64_t updates = rng.below(6);
    for (std::uint64_t u = 0; u < updates; ++u) {
      c.updated_at += rng.between(5'000, 240'000);
      const std::uint64_t roll = rng.below(100);
      if (c.op == 'D') {  // re-insert after a delete
        c.op = 'U';
      } else if (roll < 45) {
        c.city.assign(rng.pick(detail::cities));
      } else if (roll < 65) {
        c.name.assign(detail::full_name(rng));
      } else if (roll < 90) {
        c.email.assign("c" + std::to_string(k) + "." + std::to_string(++email_version) + "@example.org");
      } else {
        c.op = 'D';
      }
      if (c.op == 'D') {
        customer gone;
        gone.customer_id = c.customer_id;
        gone.updated_at = c.updated_at;
        gone.op = 'D';
        emit_change(gone);
      } else {
        emit_change(c);
      }
    }
  }

  // Malformed CDC lines: a missing key and a wrong type.
  const std::size_t cdc_bad = config.customers * config.malformed_per_mille / 250;
  for (std::size_t i = 0; i < cdc_bad; ++i) {
    generated_line bad;
    bad.truth.what = line_truth::kind::malformed;
    const auto id = static_cast<std::int64_t>(1 + rng.below(config.customers == 0 ? 1 : config.customers));
    const std::int64_t at = config.start_ms + rng.between(0, config.span_ms);
    if (i % 2 == 0) {
      bad.text = detail::object_writer(false, false)
                     .string("type", "customer")
                     .number("customer_id", id)
                     .number("updated_at", at)
                     .string("name", "Nobody")
                     .string("city", "Nowhere")
                     .string("email", "n@example.com")
                     .finish();
      bad.truth.expected = sluice::errc::missing_field;
    } else {
      bad.text = detail::object_writer(false, false)
                     .string("type", "customer")
                     .string("customer_id", std::to_string(id))
                     .string("op", "U")
                     .number("updated_at", at)
                     .finish();
      bad.truth.expected = sluice::errc::type_mismatch;
    }
    add(at + rng.between(0, 2000), std::move(bad));
  }
  (void)well_formed;

  std::stable_sort(lines.begin(), lines.end(), [](const pending_line& a, const pending_line& b) {
    return a.arrival < b.arrival || (a.arrival == b.arrival && a.order < b.order);
  });
  std::vector<generated_line> out;
  out.reserve(lines.size());
  for (pending_line& p : lines) out.push_back(std::move(p.line));
  return out;
}

}  // namespace edge
