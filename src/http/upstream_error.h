// Mapping of HTTP and transport failures of remote miners to mom::Error.
#pragma once

#include <string>
#include <string_view>

#include <curl/curl.h>

#include "core/error.h"

namespace mom::http {

// Error for a response with a non-2xx status. The message quotes the
// upstream's error message (OpenAI error object, else the shortened body).
// 429 is kRateLimited; 5xx other than 501 is kUpstream; both are retryable.
// 401 and 403 are kUnauthorized, 404 kNotFound, 408 kTimeout, 413
// kPayloadTooLarge, a 400 about the context length kContextExceeded, other
// 4xx kInvalidRequest.
Error error_from_status(long status, std::string_view body);

// Error for a transfer that libcurl ended without a complete response.
// endpoint is named in the message, so it must hold no credentials.
// Connection failures are kUnavailable, a connect timeout kTimeout, a
// connection lost mid-response kUpstream; all three are retryable. A reply
// that is not valid HTTP is kUpstream and a URL libcurl cannot use is
// kInvalidRequest; neither is retryable.
Error error_from_transport(CURLcode code, std::string_view curl_message, std::string_view endpoint);

// The URL without user information ("user:password@") or query string, safe
// to show in logs and messages.
std::string redact_url(std::string_view url);

}  // namespace mom::http
