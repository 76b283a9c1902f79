#include "http/upstream_error.h"

#include <algorithm>
#include <cctype>

#include "http/openai_wire.h"

namespace mom::http {

namespace {

std::string lowercase(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return result;
}

// llama-server returns the type "exceed_context_size_error"; OpenAI uses the code
// "context_length_exceeded" and says "maximum context length" in the message.
bool mentions_context_limit(const UpstreamErrorBody& error) {
  std::string text = lowercase(error.type + " " + error.message);
  return text.find("context_size") != std::string::npos || text.find("context_length") != std::string::npos ||
         text.find("context length") != std::string::npos || text.find("context size") != std::string::npos;
}

bool is_http_url(std::string_view url) {
  std::string scheme = lowercase(url.substr(0, 8));
  return scheme.starts_with("http://") || scheme.starts_with("https://");
}

}  // namespace

Error error_from_status(long status, std::string_view body) {
  UpstreamErrorBody upstream = parse_error_body(body);
  Error error;
  error.upstream_status = static_cast<int>(status);
  error.message = "upstream returned HTTP " + std::to_string(status) + ": " + upstream.message;

  if (status == 429) {
    error.code = ErrorCode::kRateLimited;
    error.retryable = true;
  } else if (status >= 500 && status <= 599) {
    error.code = ErrorCode::kUpstream;
    error.retryable = status != 501;
  } else if (status == 401 || status == 403) {
    error.code = ErrorCode::kUnauthorized;
  } else if (status == 404) {
    error.code = ErrorCode::kNotFound;
  } else if (status == 408) {
    error.code = ErrorCode::kTimeout;
    error.retryable = true;
  } else if (status == 413) {
    error.code = ErrorCode::kPayloadTooLarge;
  } else if (status == 400 && mentions_context_limit(upstream)) {
    error.code = ErrorCode::kContextExceeded;
  } else if (status >= 400 && status <= 499) {
    error.code = ErrorCode::kInvalidRequest;
  } else {
    error.code = ErrorCode::kUpstream;
  }
  return error;
}

Error error_from_transport(CURLcode code, std::string_view curl_message, std::string_view endpoint) {
  std::string detail = std::string(endpoint) + ": " + std::string(curl_message);
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return {ErrorCode::kUnavailable, "cannot connect to " + detail, 0, true};
    case CURLE_OPERATION_TIMEDOUT:
      return {ErrorCode::kTimeout, "timed out connecting to or reading from " + detail, 0, true};
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return {ErrorCode::kUpstream, "connection lost to " + detail, 0, true};
    case CURLE_UNSUPPORTED_PROTOCOL:
      // libcurl also reports a reply that is not HTTP (an HTTP/0.9 body, an
      // unknown version in the status line) with this code. With an http or
      // https URL only the upstream can be at fault.
      if (is_http_url(endpoint)) {
        return {ErrorCode::kUpstream, "upstream sent an invalid HTTP response from " + detail, 0, false};
      }
      return {ErrorCode::kInvalidRequest, "invalid miner URL " + detail + "; use http://host:port/v1", 0, false};
    case CURLE_URL_MALFORMAT:
      return {ErrorCode::kInvalidRequest, "invalid miner URL " + detail + "; use http://host:port/v1", 0, false};
    case CURLE_WEIRD_SERVER_REPLY:
      return {ErrorCode::kUpstream, "upstream sent an invalid HTTP response from " + detail, 0, false};
    default:
      return {ErrorCode::kUpstream, "request failed to " + detail, 0, false};
  }
}

std::string redact_url(std::string_view url) {
  std::string_view rest = url;
  std::string scheme;
  if (size_t separator = rest.find("://"); separator != std::string_view::npos) {
    scheme = std::string(rest.substr(0, separator + 3));
    rest.remove_prefix(separator + 3);
  }
  size_t authority_end = std::min(rest.find('/'), rest.size());
  if (size_t at = rest.substr(0, authority_end).rfind('@'); at != std::string_view::npos) {
    rest.remove_prefix(at + 1);
  }
  if (size_t query = rest.find_first_of("?#"); query != std::string_view::npos) {
    rest = rest.substr(0, query);
  }
  return scheme + std::string(rest);
}

}  // namespace mom::http
