// Declaring your own error codes with sluice's taxonomy machinery, then using them like
// sluice's: std::error_code, conditions, counters and dead-letter envelopes.
#include <cstdio>
#include <string>

#include <sluice/dead_letter.hpp>
#include <sluice/errors.hpp>

// 1. Your enum. Values are stable forever; 0 is reserved for "no error".
namespace billing {
enum class errc : std::uint16_t { unknown_account = 1, card_declined = 2, fx_rate_stale = 3 };
}

// 2. Its table, in ascending value order. A duplicate value or name fails to compile.
template <>
struct sluice::code_table<billing::errc> {
  static constexpr std::string_view domain = "billing";
  static constexpr code_info codes[] = {
      {1, "UNKNOWN_ACCOUNT", error_family::validation, false, severity::error,
       "The account id is not known to billing."},
      {2, "CARD_DECLINED", error_family::validation, false, severity::warning,
       "The card issuer declined the charge."},
      {3, "FX_RATE_STALE", error_family::io, true, severity::warning,
       "The exchange-rate feed is behind; retry shortly."},
  };
};

// 3. The two hooks std::error_code needs.
namespace billing {
inline std::error_code make_error_code(errc code) noexcept {
  return sluice::make_taxonomy_error_code(code);
}
}  // namespace billing
template <>
struct std::is_error_code_enum<billing::errc> : std::true_type {};

int main() {
  sluice::register_taxonomy<billing::errc>();  // lets decoders resolve "billing" from the start

  std::error_code ec = billing::errc::fx_rate_stale;
  std::printf("%s:%d %s (retryable: %s)\n", ec.category().name(), ec.value(), sluice::name_of(ec),
              ec == sluice::condition::retryable ? "yes" : "no");

  sluice::error_counters<billing::errc> counters;
  counters.add(billing::errc::card_declined, 2);
  counters.add(ec);
  for (const sluice::code_count& entry : counters.snapshot())
    std::printf("  %-16s %llu\n", entry.code->name.data(), static_cast<unsigned long long>(entry.count));

  sluice::dead_letter<std::string> letter;
  letter.error = ec;
  letter.stage = sluice::pipeline_stage::enrich;
  letter.source = {"payments", 4, 1812};
  letter.set_detail("EUR/USD rate is 93 s old");
  letter.payload = R"({"account":"A-17","amount":"12.50","currency":"EUR"})";
  std::string line = sluice::to_json_line(letter);
  std::fputs(line.c_str(), stdout);

  auto back = sluice::parse_json_line<std::string>(line);
  std::printf("parsed back: %s\n", back && *back == letter ? "identical" : "DIFFERENT");
  return back && *back == letter ? 0 : 1;
}
