#include "local/local_models.h"

#include <map>
#include <mutex>
#include <system_error>

#include "local/engine.h"
#include "local/local_log.h"
#include "local/local_miner.h"

namespace mom {

struct LocalModels::Impl {
  std::mutex mutex;
  std::map<std::filesystem::path, std::shared_ptr<local::Engine>> engines;  // key: canonical path
};

LocalModels::LocalModels() : impl_(std::make_unique<Impl>()) {}
LocalModels::~LocalModels() = default;

Result<std::shared_ptr<Miner>> LocalModels::create_miner(const MinerConfig& config) {
  std::error_code ec;
  std::filesystem::path key = std::filesystem::weakly_canonical(config.model_path, ec);
  if (ec) {
    key = config.model_path;
  }

  std::lock_guard lock(impl_->mutex);
  auto it = impl_->engines.find(key);
  if (it == impl_->engines.end()) {
    local::EngineOptions options;
    options.parallel = config.parallel > 0 ? config.parallel : options.parallel;
    options.context_size = config.context_size > 0 ? config.context_size : options.context_size;
    options.threads = config.threads;
    options.batch_size = config.batch_size;
    auto engine = local::Engine::load(config.model_path, options);
    if (!engine) {
      return engine.error();
    }
    it = impl_->engines.emplace(key, std::move(engine.value())).first;
  } else if ((config.parallel > 0 && config.parallel != it->second->parallel()) ||
             (config.context_size > 0 && config.context_size != it->second->context_size()) ||
             (config.batch_size > 0 && config.batch_size != it->second->requested_batch_size() &&
              config.batch_size != it->second->batch_size())) {
    local::logger()->warn(
        "miner shares an already loaded model and keeps its settings miner={} file={} parallel={} context={} "
        "batch_size={}",
        config.name, key.string(), it->second->parallel(), it->second->context_size(), it->second->batch_size());
  }
  return std::shared_ptr<Miner>(std::make_shared<local::LocalMiner>(it->second, config));
}

}  // namespace mom
