#include "local/engine.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <limits>
#include <mutex>
#include <thread>
#include <utility>

#include <spdlog/fmt/fmt.h>

#include "local/chat_prompt.h"
#include "local/llama_handles.h"
#include "local/local_log.h"
#include "local/model_loader.h"
#include "local/text_streamer.h"

namespace mom::local {
namespace {

// Threads for a model when the config sets none: every core, except for
// models under 50M parameters, whose per-token work is so small that waking
// and joining the other threads costs more than it saves (measured on 2
// cores: stories260K generated 40 tokens in 0.02 s with 1 thread and 7 to
// 18 s with 2 while another process kept the cores busy).
int default_threads(const llama_model* model) {
  constexpr uint64_t kSmallModelParameters = 50'000'000;
  if (llama_model_n_params(model) < kSmallModelParameters) {
    return 1;
  }
  return static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
}


double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

size_t common_prefix(const std::vector<llama_token>& a, const std::vector<llama_token>& b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) {
    ++i;
  }
  return i;
}

SamplerPtr make_sampler(const GenerationParams& params) {
  llama_sampler_chain_params chain_params = llama_sampler_chain_default_params();
  chain_params.no_perf = true;
  SamplerPtr chain(llama_sampler_chain_init(chain_params));
  if (params.temperature <= 0.0f) {
    llama_sampler_chain_add(chain.get(), llama_sampler_init_greedy());
    return chain;
  }
  if (params.top_k > 0) {
    llama_sampler_chain_add(chain.get(), llama_sampler_init_top_k(params.top_k));
  }
  if (params.top_p < 1.0f) {
    llama_sampler_chain_add(chain.get(), llama_sampler_init_top_p(params.top_p, 1));
  }
  llama_sampler_chain_add(chain.get(), llama_sampler_init_temp(params.temperature));
  llama_sampler_chain_add(chain.get(), llama_sampler_init_dist(params.seed));
  return chain;
}

// One request, shared between the calling thread and the worker thread. The
// worker writes the outcome fields, then fulfils `done`; the caller reads them
// only after done.
struct Job {
  bool scoring = false;
  std::vector<llama_token> prompt;
  GenerationParams params;
  std::vector<std::vector<llama_token>> choices;
  const TokenSink* sink = nullptr;
  CancelToken cancel;
  std::optional<Clock::time_point> deadline;
  Clock::time_point submitted = Clock::now();

  std::optional<Error> error;
  Completion completion;
  ChoiceScores scores;
  std::promise<void> done;
};

// One sequence of the KV cache and the request it serves.
struct Slot {
  llama_seq_id seq = 0;
  std::vector<llama_token> cached;  // tokens whose keys and values are in the cache, position i at index i
  uint64_t last_used = 0;           // loop step of the last admission or finish, for least-recently-used eviction
  uint64_t admission = 0;           // admission number of the current request, lower numbers read their prompts first
  int wait_for = -1;                // index of the slot decoding the prefix this one waits for, -1: none
  size_t wait_tokens = 0;           // length of that shared prefix

  std::shared_ptr<Job> job;  // null: free
  size_t prompt_pos = 0;     // next prompt token to decode
  int cached_prompt = 0;     // prompt tokens reused from the cache
  SamplerPtr sampler;
  std::optional<TextStreamer> streamer;
  int generated = 0;
  std::optional<llama_token> pending;  // sampled but not yet decoded
  int step_tokens = 0;                 // tokens of this slot in the current batch
  int output_index = -1;               // batch index of this slot's logits, -1: none this step
  Clock::time_point admitted;
  Clock::time_point prompt_done;
  std::optional<Clock::time_point> first_token;
};

}  // namespace

struct Engine::Impl {
  std::filesystem::path path;
  ModelPtr model;
  ContextPtr context;
  const llama_vocab* vocab = nullptr;
  std::string chat_template;
  int context_size = 0;
  int parallel = 0;
  int batch_size = 0;            // after the limits of llama.cpp
  int requested_batch_size = 0;  // from the options, or the default

  // Guarded by mutex: the queue, stopping, and the ownership hand-over of jobs.
  mutable std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::shared_ptr<Job>> queue;
  bool stopping = false;
  // Set with stopping; read by the abort callback while llama_decode runs.
  std::atomic<bool> unloading{false};

  // Owned by the worker thread.
  std::vector<Slot> slots;
  uint64_t step = 0;
  uint64_t admissions = 0;
  std::atomic<int> free_slots{0};
  std::thread worker;

  // Written by the worker thread, read by stats().
  mutable std::mutex stats_mutex;
  EngineStats counters;

  Status submit(const std::shared_ptr<Job>& job);
  void run();
  void run_step(Batch& batch);
  void admit_queued();
  void admit(Slot& slot, std::shared_ptr<Job> job);
  Slot& pick_free_slot(const std::vector<llama_token>& prompt);
  void start_from_cache(Slot& slot);
  void resolve_prefix_waits();
  bool drop_least_recent_prefix();
  bool end_if_cancelled(Slot& slot, Clock::time_point now);
  void fill_batch(Batch& batch);
  void handle_decode_failure(int32_t code, int tokens);
  bool decode_abandoned() const;
  void handle_abandoned_decode();
  void after_decode();
  void sample(Slot& slot);
  void score(Slot& slot);
  void finish(Slot& slot, std::optional<Error> error, FinishReason reason = FinishReason::kStop);
  void fail_all(const Error& error);
  std::string piece(llama_token token) const;
};

namespace {

void complete_job(Job& job, std::optional<Error> error) {
  job.error = std::move(error);
  job.done.set_value();
}

}  // namespace

Result<std::shared_ptr<Engine>> Engine::load(const std::filesystem::path& path, const EngineOptions& options) {
  auto model = load_model_file(path);
  if (!model) {
    return model.error();
  }

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->model = std::move(model.value());
  impl->vocab = llama_model_get_vocab(impl->model.get());
  impl->parallel = options.parallel > 0 ? options.parallel : 4;
  impl->requested_batch_size = options.batch_size > 0 ? options.batch_size : 512;
  // llama.cpp needs room for one output per sequence in a batch (it aborts
  // the process otherwise), so the batch has room for at least `parallel` tokens.
  impl->batch_size = std::max(impl->requested_batch_size, impl->parallel);
  const int train_context = llama_model_n_ctx_train(impl->model.get());
  impl->context_size = options.context_size > 0 ? options.context_size : 2048;
  if (train_context > 0) {
    impl->context_size = std::min(impl->context_size, train_context);
  }

  const int threads = options.threads > 0 ? options.threads : default_threads(impl->model.get());
  llama_context_params params = llama_context_default_params();
  params.n_ctx = static_cast<uint32_t>(impl->context_size * impl->parallel);
  params.n_batch = static_cast<uint32_t>(impl->batch_size);
  params.n_ubatch = static_cast<uint32_t>(impl->batch_size);
  params.n_seq_max = static_cast<uint32_t>(impl->parallel);
  params.n_threads = threads;
  params.n_threads_batch = threads;
  // A unified cache lets llama_memory_seq_cp share prefix cells between
  // sequences without copying them.
  // NOTE: attention then spans every cell up to the highest one in use, for
  // all sequences, which may cost more than per-sequence streams.
  params.kv_unified = true;
  params.no_perf = true;
  impl->context.reset(llama_init_from_model(impl->model.get(), params));
  if (!impl->context) {
    return Error{ErrorCode::kLoadFailed,
                 fmt::format("failed to create a llama.cpp context for model file {} (context {} x {} sequences, "
                             "batch {}); lower context_size, parallel or batch_size",
                             path.string(), impl->context_size, impl->parallel, impl->batch_size)};
  }
  // llama.cpp caps the batch at the context size, and a larger llama_batch
  // would make llama_decode fail.
  impl->batch_size = static_cast<int>(llama_n_batch(impl->context.get()));
  // ggml calls this between graph nodes, so a long prompt chunk stops soon
  // after every request in it is cancelled or past its deadline.
  llama_set_abort_callback(
      impl->context.get(), [](void* data) { return static_cast<const Impl*>(data)->decode_abandoned(); },
      impl.get());

  if (const char* tmpl = llama_model_chat_template(impl->model.get(), nullptr); tmpl != nullptr) {
    if (apply_chat_template(tmpl, {{"user", "hello"}})) {
      impl->chat_template = tmpl;
    } else {
      logger()->warn("chat template of the model is not supported by llama.cpp; using the plain-text format file={}",
                     path.string());
    }
  }

  impl->slots.resize(impl->parallel);
  for (int i = 0; i < impl->parallel; ++i) {
    impl->slots[i].seq = i;
  }
  impl->free_slots = impl->parallel;

  logger()->info("model loaded file={} context={} parallel={} batch={} threads={} chat_template={}", path.string(),
                 impl->context_size, impl->parallel, impl->batch_size, threads, !impl->chat_template.empty());

  std::shared_ptr<Engine> engine(new Engine(std::move(impl)));
  engine->impl_->worker = std::thread([raw = engine->impl_.get()] { raw->run(); });
  return engine;
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Engine::~Engine() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->unloading = true;
  impl_->wake.notify_all();
  if (impl_->worker.joinable()) {
    impl_->worker.join();
  }

  const EngineStats totals = stats();
  const double tokens_per_call =
      totals.decode_calls > 0 ? static_cast<double>(totals.decoded_tokens) / static_cast<double>(totals.decode_calls)
                              : 0.0;
  logger()->info(
      "engine stopped file={} requests={} prompt_tokens={} reused_prompt_tokens={} prefix_waits={} decode_calls={} "
      "decoded_tokens={} tokens_per_call={:.1f} multi_sequence_calls={} max_sequences_in_batch={} "
      "max_prompt_sequences_in_batch={} decode_seconds={:.2f} abandoned_decodes={}",
      impl_->path.filename().string(), totals.requests, totals.prompt_tokens, totals.reused_prompt_tokens,
      totals.prefix_waits, totals.decode_calls, totals.decoded_tokens, tokens_per_call, totals.multi_sequence_calls,
      totals.max_sequences_in_batch, totals.max_prompt_sequences_in_batch, totals.decode_seconds,
      totals.abandoned_decodes);
}

const std::filesystem::path& Engine::path() const { return impl_->path; }
const llama_model* Engine::model() const { return impl_->model.get(); }
int Engine::context_size() const { return impl_->context_size; }
int Engine::parallel() const { return impl_->parallel; }
int Engine::batch_size() const { return impl_->batch_size; }
int Engine::requested_batch_size() const { return impl_->requested_batch_size; }
const std::string& Engine::chat_template() const { return impl_->chat_template; }
int Engine::free_slots() const { return impl_->free_slots.load(); }

int Engine::queued_requests() const {
  std::lock_guard lock(impl_->mutex);
  return static_cast<int>(impl_->queue.size());
}

EngineStats Engine::stats() const {
  std::lock_guard lock(impl_->stats_mutex);
  return impl_->counters;
}

namespace {

std::vector<llama_token> tokenize_or_throw(const llama_vocab* vocab, std::string_view text, bool add_bos,
                                           bool parse_special) {
  const auto length = static_cast<int32_t>(text.size());
  int32_t n = llama_tokenize(vocab, text.data(), length, nullptr, 0, add_bos, parse_special);
  if (n == std::numeric_limits<int32_t>::min()) {
    return {};
  }
  std::vector<llama_token> tokens(static_cast<size_t>(std::abs(n)));
  n = llama_tokenize(vocab, text.data(), length, tokens.data(), static_cast<int32_t>(tokens.size()), add_bos,
                     parse_special);
  tokens.resize(static_cast<size_t>(std::max(n, 0)));
  return tokens;
}

size_t utf8_sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

// Replaces each character the vocabulary cannot encode with a space.
std::string replace_unencodable(const llama_vocab* vocab, std::string_view text) {
  std::string cleaned;
  cleaned.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t length = std::min(utf8_sequence_length(static_cast<unsigned char>(text[i])), text.size() - i);
    std::string_view character = text.substr(i, length);
    try {
      tokenize_or_throw(vocab, character, false, false);
      cleaned.append(character);
    } catch (const std::exception&) {
      cleaned.push_back(' ');
    }
    i += length;
  }
  return cleaned;
}

}  // namespace

std::vector<llama_token> Engine::tokenize(std::string_view text, bool add_bos, bool parse_special) const {
  try {
    return tokenize_or_throw(impl_->vocab, text, add_bos, parse_special);
  } catch (const std::exception& e) {
    // A SentencePiece vocabulary without byte-fallback tokens (TinyStories-656K
    // is one) cannot encode characters missing from it, such as "(" or "é",
    // and llama.cpp throws std::out_of_range for them.
    logger()->debug("tokenizer rejected a character ({}); replacing such characters with spaces",
                          e.what());
  }
  try {
    return tokenize_or_throw(impl_->vocab, replace_unencodable(impl_->vocab, text), add_bos, parse_special);
  } catch (const std::exception& e) {
    logger()->warn("tokenization failed: {}", e.what());
    return {};
  }
}

Result<Completion> Engine::generate(std::vector<llama_token> prompt, const GenerationParams& params,
                                    const TokenSink& sink, const CancelToken& cancel,
                                    std::optional<Clock::time_point> deadline) {
  auto job = std::make_shared<Job>();
  job->prompt = std::move(prompt);
  job->params = params;
  job->sink = sink ? &sink : nullptr;
  job->cancel = cancel;
  job->deadline = deadline;
  if (auto submitted = impl_->submit(job); !submitted) {
    return submitted.error();
  }
  job->done.get_future().wait();
  if (job->error) {
    return *job->error;
  }
  return std::move(job->completion);
}

Result<ChoiceScores> Engine::score(std::vector<llama_token> prompt, std::vector<std::vector<llama_token>> choices,
                                   const CancelToken& cancel, std::optional<Clock::time_point> deadline) {
  auto job = std::make_shared<Job>();
  job->scoring = true;
  job->prompt = std::move(prompt);
  job->choices = std::move(choices);
  job->cancel = cancel;
  job->deadline = deadline;
  if (auto submitted = impl_->submit(job); !submitted) {
    return submitted.error();
  }
  job->done.get_future().wait();
  if (job->error) {
    return *job->error;
  }
  return std::move(job->scores);
}

Status Engine::Impl::submit(const std::shared_ptr<Job>& job) {
  if (job->prompt.empty()) {
    return Error::invalid("the prompt is empty after tokenization");
  }
  if (static_cast<int>(job->prompt.size()) > context_size) {
    return Error{ErrorCode::kContextExceeded,
                 fmt::format("the prompt has {} tokens but the context of model {} holds {} tokens per sequence; "
                             "shorten the prompt or raise context_size",
                             job->prompt.size(), path.filename().string(), context_size)};
  }
  {
    std::lock_guard lock(mutex);
    if (stopping) {
      return Error::cancelled("the model is being unloaded");
    }
    queue.push_back(job);
  }
  wake.notify_one();
  return {};
}

void Engine::Impl::run() {
  Batch batch(batch_size);
  while (true) {
    {
      std::unique_lock lock(mutex);
      const bool busy = free_slots.load() < parallel;
      if (!busy) {
        wake.wait(lock, [&] { return stopping || !queue.empty(); });
      }
      if (stopping) {
        break;
      }
    }
    try {
      run_step(batch);
    } catch (const std::exception& e) {
      logger()->error("batching loop failed file={} error={}", path.string(), e.what());
      fail_all(Error::internal(std::string("local engine failed: ") + e.what()));
    }
  }
  fail_all(Error::cancelled("the model is being unloaded"));
}

void Engine::Impl::run_step(Batch& batch) {
  ++step;
  // Waiting slots copy finished prefixes before admission can reassign the
  // slots that hold them.
  resolve_prefix_waits();
  admit_queued();

  const auto now = Clock::now();
  for (Slot& slot : slots) {
    if (slot.job) {
      end_if_cancelled(slot, now);
    }
  }

  fill_batch(batch);
  if (batch.size() == 0) {
    return;
  }

  const auto decode_start = Clock::now();
  int32_t code = llama_decode(context.get(), batch.get());
  // No room in the KV cache: drop the prefixes kept by idle slots, least
  // recently used first, until the batch fits.
  while (code == 1 && drop_least_recent_prefix()) {
    code = llama_decode(context.get(), batch.get());
  }
  if (code == 2 && decode_abandoned()) {
    handle_abandoned_decode();
    return;
  }
  if (code != 0) {
    handle_decode_failure(code, batch.size());
    return;
  }

  {
    std::lock_guard lock(stats_mutex);
    ++counters.decode_calls;
    counters.decoded_tokens += batch.size();
    counters.decode_seconds += std::chrono::duration<double>(Clock::now() - decode_start).count();
  }
  after_decode();
}

bool Engine::Impl::drop_least_recent_prefix() {
  Slot* oldest = nullptr;
  for (Slot& slot : slots) {
    if (!slot.job && !slot.cached.empty() && (oldest == nullptr || slot.last_used < oldest->last_used)) {
      oldest = &slot;
    }
  }
  if (oldest == nullptr) {
    return false;
  }
  logger()->debug("KV cache full; dropping the cached prefix of an idle slot file={} seq={} tokens={}",
                  path.filename().string(), oldest->seq, oldest->cached.size());
  llama_memory_seq_rm(llama_get_memory(context.get()), oldest->seq, -1, -1);
  oldest->cached.clear();
  return true;
}

void Engine::Impl::admit_queued() {
  std::deque<std::shared_ptr<Job>> ended;
  std::vector<std::shared_ptr<Job>> admitted;
  {
    std::lock_guard lock(mutex);
    const auto now = Clock::now();
    for (auto it = queue.begin(); it != queue.end();) {
      const auto& job = *it;
      if (job->cancel.cancelled() || (job->deadline && now >= *job->deadline)) {
        ended.push_back(job);
        it = queue.erase(it);
      } else {
        ++it;
      }
    }
    int free = free_slots.load();
    while (free > 0 && !queue.empty()) {
      admitted.push_back(std::move(queue.front()));
      queue.pop_front();
      --free;
    }
  }

  for (const auto& job : ended) {
    complete_job(*job, job->cancel.cancelled() ? Error::cancelled("the request was cancelled while queued")
                                               : Error::timeout("timed out while queued: the deadline passed before a sequence was free"));
  }
  for (auto& job : admitted) {
    Slot& slot = pick_free_slot(job->prompt);
    admit(slot, std::move(job));
  }
}

Slot& Engine::Impl::pick_free_slot(const std::vector<llama_token>& prompt) {
  // start_from_cache copies a shared prefix from whichever slot has it, so
  // this choice only decides whose cached tokens are overwritten. The order is
  // fewest tokens lost (an empty slot, or one whose tokens the prompt extends),
  // then longest shared prefix (no copy needed), then the slot used longest ago.
  Slot* best = nullptr;
  size_t best_lost = 0;
  size_t best_common = 0;
  for (Slot& slot : slots) {
    if (slot.job) {
      continue;
    }
    const size_t common = common_prefix(slot.cached, prompt);
    const size_t lost = slot.cached.size() - common;
    const bool better = best == nullptr || lost < best_lost ||
                        (lost == best_lost && (common > best_common ||
                                               (common == best_common && slot.last_used < best->last_used)));
    if (better) {
      best = &slot;
      best_lost = lost;
      best_common = common;
    }
  }
  return *best;  // admit_queued admits no more jobs than there are free slots
}

namespace {

// A shared prefix shorter than this is decoded again rather than waited for,
// because waiting delays the request by at least one loop step.
constexpr size_t kMinPrefixToWaitFor = 16;

bool reading_prompt(const Slot& slot) {
  return slot.job && slot.wait_for < 0 && !slot.pending && slot.prompt_pos < slot.job->prompt.size();
}

}  // namespace

void Engine::Impl::admit(Slot& slot, std::shared_ptr<Job> job) {
  slot.job = std::move(job);
  slot.last_used = step;
  slot.admission = ++admissions;
  slot.prompt_pos = 0;
  slot.cached_prompt = 0;
  slot.generated = 0;
  slot.pending.reset();
  slot.first_token.reset();
  slot.admitted = Clock::now();
  if (!slot.job->scoring) {
    slot.sampler = make_sampler(slot.job->params);
    slot.streamer.emplace(slot.job->params.stop);
  }
  free_slots.fetch_sub(1);

  // The last prompt token is always decoded again because its logits are needed.
  const std::vector<llama_token>& prompt = slot.job->prompt;
  const size_t limit = prompt.size() - 1;
  size_t cached_common = 0;
  for (const Slot& other : slots) {
    cached_common = std::max(cached_common, std::min(common_prefix(other.cached, prompt), limit));
  }

  // A slot still reading a longer shared prefix will have it in the cache
  // soon, so the request waits for it instead of decoding the same tokens twice.
  int source = -1;
  size_t source_common = cached_common;
  for (size_t i = 0; i < slots.size(); ++i) {
    const Slot& other = slots[i];
    if (&other == &slot || !reading_prompt(other)) {
      continue;
    }
    const size_t common = std::min(common_prefix(other.job->prompt, prompt), limit);
    if (common >= source_common + kMinPrefixToWaitFor) {
      source = static_cast<int>(i);
      source_common = common;
    }
  }
  if (source >= 0) {
    slot.wait_for = source;
    slot.wait_tokens = source_common;
    std::lock_guard lock(stats_mutex);
    ++counters.prefix_waits;
    return;
  }
  start_from_cache(slot);
}

void Engine::Impl::resolve_prefix_waits() {
  for (Slot& slot : slots) {
    if (!slot.job || slot.wait_for < 0) {
      continue;
    }
    const Slot& source = slots[static_cast<size_t>(slot.wait_for)];
    const bool ready = common_prefix(source.cached, slot.job->prompt) >= slot.wait_tokens;
    if (ready || !reading_prompt(source)) {
      start_from_cache(slot);
    }
  }
}

void Engine::Impl::start_from_cache(Slot& slot) {
  llama_memory_t memory = llama_get_memory(context.get());
  const std::vector<llama_token>& prompt = slot.job->prompt;
  const size_t limit = prompt.size() - 1;
  slot.wait_for = -1;
  slot.wait_tokens = 0;

  size_t own_common = std::min(common_prefix(slot.cached, prompt), limit);
  const Slot* source = nullptr;
  size_t source_common = own_common;
  for (const Slot& other : slots) {
    if (&other == &slot) {
      continue;
    }
    const size_t common = std::min(common_prefix(other.cached, prompt), limit);
    if (common > source_common) {
      source = &other;
      source_common = common;
    }
  }

  size_t reused = own_common;
  if (source != nullptr) {
    llama_memory_seq_rm(memory, slot.seq, -1, -1);
    llama_memory_seq_cp(memory, source->seq, slot.seq, 0, static_cast<llama_pos>(source_common));
    slot.cached.assign(source->cached.begin(), source->cached.begin() + static_cast<ptrdiff_t>(source_common));
    reused = source_common;
  } else if (!llama_memory_seq_rm(memory, slot.seq, static_cast<llama_pos>(own_common), -1)) {
    // Some memory types cannot drop a partial sequence; start it over.
    llama_memory_seq_rm(memory, slot.seq, -1, -1);
    reused = 0;
  }
  slot.cached.resize(reused);
  slot.prompt_pos = reused;
  slot.cached_prompt = static_cast<int>(reused);

  std::lock_guard lock(stats_mutex);
  ++counters.requests;
  counters.prompt_tokens += static_cast<int64_t>(prompt.size());
  counters.reused_prompt_tokens += static_cast<int64_t>(reused);
}

bool Engine::Impl::end_if_cancelled(Slot& slot, Clock::time_point now) {
  if (slot.job->cancel.cancelled()) {
    finish(slot, Error::cancelled("the request was cancelled"));
    return true;
  }
  if (slot.job->deadline && now >= *slot.job->deadline) {
    finish(slot, Error::timeout(fmt::format("timed out: the deadline passed after {} generated tokens", slot.generated)));
    return true;
  }
  return false;
}

void Engine::Impl::fill_batch(Batch& batch) {
  batch.clear();
  int sequences = 0;
  int prompt_sequences = 0;

  // Generating sequences first: one token each keeps every stream moving.
  std::vector<Slot*> readers;
  for (Slot& slot : slots) {
    slot.step_tokens = 0;
    slot.output_index = -1;
    if (slot.job && slot.pending && batch.size() < batch.capacity()) {
      const auto pos = static_cast<llama_pos>(slot.cached.size());
      slot.output_index = batch.add(*slot.pending, pos, slot.seq, true);
      slot.step_tokens = 1;
      ++sequences;
    } else if (reading_prompt(slot)) {
      readers.push_back(&slot);
    }
  }

  // Prompt chunks fill the rest of the batch, earliest admission first, so a
  // request is never overtaken by one admitted after it.
  std::sort(readers.begin(), readers.end(), [](const Slot* a, const Slot* b) { return a->admission < b->admission; });
  for (Slot* slot : readers) {
    const size_t room = static_cast<size_t>(batch.capacity() - batch.size());
    const size_t count = std::min(room, slot->job->prompt.size() - slot->prompt_pos);
    if (count == 0) {
      break;
    }
    for (size_t i = 0; i < count; ++i) {
      const size_t pos = slot->prompt_pos + i;
      const bool last = pos + 1 == slot->job->prompt.size();
      const int index = batch.add(slot->job->prompt[pos], static_cast<llama_pos>(pos), slot->seq, last);
      if (last) {
        slot->output_index = index;
      }
    }
    slot->step_tokens = static_cast<int>(count);
    ++sequences;
    ++prompt_sequences;
  }

  std::lock_guard lock(stats_mutex);
  counters.max_sequences_in_batch = std::max(counters.max_sequences_in_batch, sequences);
  counters.max_prompt_sequences_in_batch = std::max(counters.max_prompt_sequences_in_batch, prompt_sequences);
  if (sequences > 1) {
    ++counters.multi_sequence_calls;
  }
}

bool Engine::Impl::decode_abandoned() const {
  if (unloading.load(std::memory_order_relaxed)) {
    return true;
  }
  const auto now = Clock::now();
  bool any = false;
  for (const Slot& slot : slots) {
    if (!slot.job || slot.step_tokens == 0) {
      continue;
    }
    any = true;
    const Job& job = *slot.job;
    if (!job.cancel.cancelled() && !(job.deadline && now >= *job.deadline)) {
      return false;
    }
  }
  return any;
}

void Engine::Impl::handle_abandoned_decode() {
  {
    std::lock_guard lock(stats_mutex);
    ++counters.abandoned_decodes;
  }
  logger()->debug("llama_decode stopped early: every request in the batch was cancelled or timed out file={}",
                  path.filename().string());
  // llama.cpp removes the positions of the stopped batch. Anything past the
  // slot's known tokens goes too, so the cache matches slot.cached.
  llama_memory_t memory = llama_get_memory(context.get());
  const auto now = Clock::now();
  for (Slot& slot : slots) {
    if (!slot.job || slot.step_tokens == 0) {
      continue;
    }
    llama_memory_seq_rm(memory, slot.seq, static_cast<llama_pos>(slot.cached.size()), -1);
    slot.pending.reset();
    slot.step_tokens = 0;
    slot.output_index = -1;
    // While unloading, the loop ends the remaining requests after this step.
    end_if_cancelled(slot, now);
  }
}

void Engine::Impl::handle_decode_failure(int32_t code, int tokens) {
  logger()->error("llama_decode failed file={} code={} tokens={}", path.string(), code, tokens);
  llama_memory_t memory = llama_get_memory(context.get());
  for (Slot& slot : slots) {
    if (slot.job && slot.step_tokens > 0) {
      // Part of the batch may be in the cache now, so the sequence starts over.
      llama_memory_seq_rm(memory, slot.seq, -1, -1);
      slot.cached.clear();
      finish(slot, Error::internal(fmt::format("llama_decode failed with code {}", code)));
    }
  }
}

void Engine::Impl::after_decode() {
  for (Slot& slot : slots) {
    if (!slot.job || slot.step_tokens == 0) {
      continue;
    }
    if (slot.pending) {
      slot.cached.push_back(*slot.pending);
      slot.pending.reset();
    } else {
      const auto begin = slot.job->prompt.begin() + static_cast<ptrdiff_t>(slot.prompt_pos);
      slot.cached.insert(slot.cached.end(), begin, begin + slot.step_tokens);
      slot.prompt_pos += static_cast<size_t>(slot.step_tokens);
      if (slot.prompt_pos == slot.job->prompt.size()) {
        slot.prompt_done = Clock::now();
      }
    }
    if (slot.output_index < 0) {
      continue;
    }
    if (slot.job->scoring) {
      score(slot);
    } else {
      sample(slot);
    }
  }
}

void Engine::Impl::sample(Slot& slot) {
  const GenerationParams& params = slot.job->params;
  if (slot.generated >= params.max_tokens) {
    finish(slot, std::nullopt, FinishReason::kLength);
    return;
  }

  const llama_token token = llama_sampler_sample(slot.sampler.get(), context.get(), slot.output_index);
  if (!slot.first_token) {
    slot.first_token = Clock::now();
  }
  if (llama_vocab_is_eog(vocab, token) && !params.ignore_eos) {
    finish(slot, std::nullopt, FinishReason::kStop);
    return;
  }

  ++slot.generated;
  const std::string out = slot.streamer->append(piece(token));
  if (!out.empty() && slot.job->sink != nullptr) {
    (*slot.job->sink)(out);
  }
  if (slot.streamer->stopped()) {
    finish(slot, std::nullopt, FinishReason::kStop);
  } else if (slot.generated >= params.max_tokens || static_cast<int>(slot.cached.size()) >= context_size) {
    finish(slot, std::nullopt, FinishReason::kLength);
  } else {
    slot.pending = token;
  }
}

void Engine::Impl::score(Slot& slot) {
  const float* logits = llama_get_logits_ith(context.get(), slot.output_index);
  const int n_vocab = llama_vocab_n_tokens(vocab);

  // log_softmax(x)_i = x_i - max - log(sum(exp(x_j - max)))
  const float max_logit = *std::max_element(logits, logits + n_vocab);
  double sum = 0;
  for (int i = 0; i < n_vocab; ++i) {
    sum += std::exp(static_cast<double>(logits[i] - max_logit));
  }
  const double log_norm = max_logit + std::log(sum);

  std::vector<double>& logprobs = slot.job->scores.logprobs;
  logprobs.clear();
  for (const auto& candidates : slot.job->choices) {
    double best = -std::numeric_limits<double>::infinity();
    for (llama_token token : candidates) {
      if (token >= 0 && token < n_vocab) {
        best = std::max(best, static_cast<double>(logits[token]) - log_norm);
      }
    }
    logprobs.push_back(best);
  }
  finish(slot, std::nullopt);
}

void Engine::Impl::finish(Slot& slot, std::optional<Error> error, FinishReason reason) {
  Job& job = *slot.job;
  const auto now = Clock::now();
  Usage usage;
  usage.prompt_tokens = static_cast<int>(job.prompt.size());
  usage.cached_prompt_tokens = slot.cached_prompt;
  usage.completion_tokens = slot.generated;
  Timings timings;
  timings.queue_ms = ms_between(job.submitted, slot.admitted);
  timings.prompt_ms = slot.prompt_pos == job.prompt.size() ? ms_between(slot.admitted, slot.prompt_done) : 0;
  timings.first_token_ms = slot.first_token ? ms_between(job.submitted, *slot.first_token) : 0;
  timings.total_ms = ms_between(job.submitted, now);

  if (!error && job.scoring) {
    job.scores.usage = usage;
    job.scores.timings = timings;
  } else if (!error) {
    const std::string rest = slot.streamer->flush();
    if (!rest.empty() && job.sink != nullptr) {
      (*job.sink)(rest);
    }
    job.completion.text = slot.streamer->text();
    job.completion.finish_reason = reason;
    job.completion.usage = usage;
    job.completion.timings = timings;
  }
  logger()->debug(
      "request ended file={} seq={} tokens_in={} reused={} computed={} tokens_out={} queue_ms={:.1f} ms={:.1f} "
      "error={}",
      path.filename().string(), slot.seq, usage.prompt_tokens, usage.cached_prompt_tokens,
      slot.prompt_pos - static_cast<size_t>(slot.cached_prompt), usage.completion_tokens, timings.queue_ms,
      timings.total_ms, error ? error_code_name(error->code) : "none");

  // The slot keeps its cached tokens for prefix reuse; only the request leaves.
  std::shared_ptr<Job> ended = std::move(slot.job);
  slot.job.reset();
  slot.sampler.reset();
  slot.streamer.reset();
  slot.pending.reset();
  slot.step_tokens = 0;
  slot.output_index = -1;
  slot.wait_for = -1;
  slot.wait_tokens = 0;
  slot.last_used = step;
  free_slots.fetch_add(1);
  complete_job(*ended, std::move(error));
}

void Engine::Impl::fail_all(const Error& error) {
  for (Slot& slot : slots) {
    if (slot.job) {
      finish(slot, error);
    }
  }
  std::deque<std::shared_ptr<Job>> waiting;
  {
    std::lock_guard lock(mutex);
    waiting.swap(queue);
  }
  for (const auto& job : waiting) {
    complete_job(*job, error);
  }
}

std::string Engine::Impl::piece(llama_token token) const {
  std::string text(64, '\0');
  int32_t n = llama_token_to_piece(vocab, token, text.data(), static_cast<int32_t>(text.size()), 0, false);
  if (n < 0) {
    text.resize(static_cast<size_t>(-n));
    n = llama_token_to_piece(vocab, token, text.data(), static_cast<int32_t>(text.size()), 0, false);
  }
  text.resize(static_cast<size_t>(std::max(n, 0)));
  return text;
}

}  // namespace mom::local
