#include "server/metrics.h"

#include <sstream>

namespace mom {
namespace {

// Escapes a label value as the exposition format requires.
std::string label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void header(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
}

}  // namespace

void Metrics::Histogram::observe(double seconds) {
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++counts[i];
    }
  }
  ++count;
  sum += seconds;
}

void Metrics::record_request(const std::string& model, int status, const std::string& error_code, double seconds,
                             double first_token_seconds, const Usage& usage) {
  std::lock_guard lock(mutex_);
  ModelStats& stats = models_[model];
  ++stats.requests_by_status[status];
  if (!error_code.empty()) {
    ++stats.errors_by_code[error_code];
  }
  stats.latency.observe(seconds);
  if (first_token_seconds >= 0) {
    stats.first_token.observe(first_token_seconds);
  }
  stats.prompt_tokens += usage.prompt_tokens;
  stats.completion_tokens += usage.completion_tokens;
}

void Metrics::add_in_flight(int delta) {
  std::lock_guard lock(mutex_);
  in_flight_ += delta;
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::ostringstream out;

  header(out, "mom_requests_total", "counter", "Chat completion requests by model and HTTP status.");
  for (const auto& [model, stats] : models_) {
    for (const auto& [status, count] : stats.requests_by_status) {
      out << "mom_requests_total{model=\"" << label(model) << "\",status=\"" << status << "\"} " << count << "\n";
    }
  }

  header(out, "mom_request_errors_total", "counter", "Failed chat completion requests by model and error code.");
  for (const auto& [model, stats] : models_) {
    for (const auto& [code, count] : stats.errors_by_code) {
      out << "mom_request_errors_total{model=\"" << label(model) << "\",code=\"" << label(code) << "\"} " << count
          << "\n";
    }
  }

  auto histogram = [&](const char* name, const char* help, Histogram ModelStats::*member) {
    header(out, name, "histogram", help);
    for (const auto& [model, stats] : models_) {
      const Histogram& h = stats.*member;
      std::string model_label = "model=\"" + label(model) + "\"";
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        out << name << "_bucket{" << model_label << ",le=\"" << kBuckets[i] << "\"} " << h.counts[i] << "\n";
      }
      out << name << "_bucket{" << model_label << ",le=\"+Inf\"} " << h.count << "\n";
      out << name << "_sum{" << model_label << "} " << h.sum << "\n";
      out << name << "_count{" << model_label << "} " << h.count << "\n";
    }
  };
  histogram("mom_request_duration_seconds", "Time from request to the end of the response.",
            &ModelStats::latency);
  histogram("mom_time_to_first_token_seconds", "Time from request to the first generated text.",
            &ModelStats::first_token);

  header(out, "mom_tokens_total", "counter", "Tokens processed by model and kind (prompt or completion).");
  for (const auto& [model, stats] : models_) {
    out << "mom_tokens_total{model=\"" << label(model) << "\",kind=\"prompt\"} " << stats.prompt_tokens << "\n";
    out << "mom_tokens_total{model=\"" << label(model) << "\",kind=\"completion\"} " << stats.completion_tokens
        << "\n";
  }

  header(out, "mom_requests_in_flight", "gauge", "Chat completion requests in progress.");
  out << "mom_requests_in_flight " << in_flight_ << "\n";
  return out.str();
}

}  // namespace mom
