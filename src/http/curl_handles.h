// RAII owners for libcurl handles.
#pragma once

#include <curl/curl.h>

#include <memory>

namespace mom::http {

struct CurlEasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};

struct CurlMultiDeleter {
  void operator()(CURLM* handle) const { curl_multi_cleanup(handle); }
};

struct CurlSlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// An easy handle (one transfer). It must be removed from any multi handle
// before it is destroyed.
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;

// A multi handle. Destroy it only after every easy handle has been removed.
using CurlMulti = std::unique_ptr<CURLM, CurlMultiDeleter>;

// A header list. It must outlive the transfer that uses it.
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;

}  // namespace mom::http
