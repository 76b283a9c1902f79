#include "eval/results_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace mom {

nlohmann::json record_to_json(const ResultRecord& record) {
  nlohmann::json json = {
      {"question_id", record.question_id},
      {"subject", record.subject},
      {"row", record.row},
      {"category", record.category},
      {"system", record.system},
      {"kind", record.kind},
      {"prompt_hash", record.prompt_hash},
      {"text", record.text},
      {"letter", record.letter ? nlohmann::json(*record.letter) : nlohmann::json(nullptr)},
      {"answer", record.answer},
      {"correct", record.correct},
      {"unparsed", record.unparsed},
      {"error", record.error ? nlohmann::json(*record.error) : nlohmann::json(nullptr)},
      {"latency_ms", record.latency_ms},
      {"prompt_tokens", record.prompt_tokens},
      {"completion_tokens", record.completion_tokens},
  };
  if (record.kind == "mixture") {
    json["aggregator_error"] =
        record.aggregator_error ? nlohmann::json(*record.aggregator_error) : nlohmann::json(nullptr);
    json["answered_with_best_proposal"] = record.answered_with_best_proposal;
  }
  return json;
}

Result<ResultRecord> record_from_json(const nlohmann::json& json) {
  if (!json.is_object()) {
    return Error::invalid("result line is not a JSON object");
  }
  ResultRecord record;
  try {
    record.question_id = json.at("question_id").get<std::string>();
    record.subject = json.at("subject").get<std::string>();
    record.row = json.at("row").get<int>();
    record.category = json.value("category", "");
    record.system = json.at("system").get<std::string>();
    record.kind = json.value("kind", "miner");
    record.prompt_hash = json.value("prompt_hash", "");
    record.text = json.value("text", "");
    if (json.contains("letter") && json["letter"].is_string()) {
      record.letter = json["letter"].get<std::string>();
    }
    record.answer = json.at("answer").get<std::string>();
    record.correct = json.at("correct").get<bool>();
    record.unparsed = json.value("unparsed", false);
    if (json.contains("error") && json["error"].is_string()) {
      record.error = json["error"].get<std::string>();
    }
    record.latency_ms = json.value("latency_ms", 0.0);
    record.prompt_tokens = json.value("prompt_tokens", 0);
    record.completion_tokens = json.value("completion_tokens", 0);
    if (json.contains("aggregator_error") && json["aggregator_error"].is_string()) {
      record.aggregator_error = json["aggregator_error"].get<std::string>();
    }
    record.answered_with_best_proposal = json.value("answered_with_best_proposal", false);
  } catch (const nlohmann::json::exception& e) {
    return Error::invalid(std::string("result line has a missing or mistyped field: ") + e.what());
  }
  return record;
}

ResultsLog::ResultsLog(std::filesystem::path path, int fd)
    : path_(std::move(path)), fd_(fd), last_sync_(std::chrono::steady_clock::now()) {}

ResultsLog::~ResultsLog() {
  if (fd_ >= 0) {
    ::fsync(fd_);
    ::close(fd_);
  }
}

Result<std::unique_ptr<ResultsLog>> ResultsLog::open(const std::filesystem::path& path) {
  std::string content;
  if (std::filesystem::exists(path)) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return Error::not_found("cannot read " + path.string());
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    content = buffer.str();
  }

  std::vector<ResultRecord> records;
  bool torn = false;
  size_t good_end = 0;  // bytes of whole, parsed lines
  size_t start = 0;
  int line_number = 0;
  while (start < content.size()) {
    ++line_number;
    size_t newline = content.find('\n', start);
    bool last = newline == std::string::npos || newline + 1 == content.size();
    std::string_view line(content.data() + start,
                          (newline == std::string::npos ? content.size() : newline) - start);
    auto json = nlohmann::json::parse(line, nullptr, false);
    Result<ResultRecord> record =
        json.is_discarded() ? Result<ResultRecord>(Error::invalid("not valid JSON")) : record_from_json(json);
    if (newline == std::string::npos || !record.ok()) {
      if (last) {
        torn = true;
        break;
      }
      return Error::invalid(path.string() + ":" + std::to_string(line_number) + ": " +
                            (record.ok() ? std::string("line is cut short") : record.error().message) +
                            "; fix or delete that line, or start over in a new output folder");
    }
    records.push_back(std::move(*record));
    start = newline + 1;
    good_end = start;
  }

  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Error::not_found("cannot open " + path.string() + " for appending: " + std::strerror(errno));
  }
  if (torn && ::ftruncate(fd, static_cast<off_t>(good_end)) != 0) {
    int saved = errno;
    ::close(fd);
    return Error::internal("cannot truncate the torn last line of " + path.string() + ": " +
                           std::strerror(saved));
  }
  auto log = std::unique_ptr<ResultsLog>(new ResultsLog(path, fd));
  log->existing_ = std::move(records);
  log->dropped_torn_line_ = torn;
  return log;
}

Status ResultsLog::append(const std::vector<ResultRecord>& records) {
  if (records.empty()) {
    return {};
  }
  std::string lines;
  for (const ResultRecord& record : records) {
    lines += record_to_json(record).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    lines += '\n';
  }
  const char* data = lines.data();
  size_t left = lines.size();
  // One write() normally takes the whole batch; the loop only covers a
  // partial write (a full disk or a signal), which is then reported.
  while (left > 0) {
    ssize_t written = ::write(fd_, data, left);
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Error::internal("writing " + path_.string() + " failed: " + std::strerror(errno));
    }
    data += written;
    left -= static_cast<size_t>(written);
  }

  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  if (now - last_sync_ >= sync_interval_) {
    last_sync_ = now;
    if (::fsync(fd_) != 0) {
      return Error::internal("flushing " + path_.string() + " to disk failed: " + std::strerror(errno));
    }
  }
  return {};
}

}  // namespace mom
