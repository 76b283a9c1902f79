// Writes random-weight GGUF models with the shapes of real small models and a
// real tokenizer, so that benchmarks time the work a user's model costs
// without shipping trained weights. Random weights cost exactly what trained
// weights of the same shape and type cost, because the kernels do not look at
// the values.
//
//   bench_make_model --preset qwen2.5-0.5b            (Q8_0, the default type)
//   bench_make_model --preset smollm-135m --type f16 --out /tmp/smollm.gguf
//   bench_make_model --inspect FILE                    (list keys and tensors)

#include <CLI/CLI.hpp>
#include <ggml.h>
#include <gguf.h>
#include <llama.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/run_header.h"

namespace {

// The shape and tokenizer of a real model. Rope theta, norm epsilon and
// context length do not change what a forward pass costs.
struct Preset {
  std::string name;
  std::string architecture;  // llama.cpp's general.architecture
  std::string vocab_file;    // file name under $MOM_LLAMA_PREFIX/share
  int layers = 0;
  int hidden = 0;
  int heads = 0;
  int kv_heads = 0;
  int ffn = 0;
  int context_length = 0;
  float rope_theta = 0;
  float rms_eps = 0;
  bool qkv_bias = false;     // Qwen2 has biases on the Q, K and V projections
  bool tied_embeddings = true;
  std::string chat_template;
};

// ChatML, as used by Qwen2.5 and SmolLM-Instruct, for vocabulary files that
// bring no template. This is the template's core without the tool-calling
// branches of Qwen's own file; llama.cpp recognises it as ChatML by its
// <|im_start|> markers.
constexpr const char* kChatMlTemplate =
    "{%- for message in messages %}"
    "{%- if loop.first and message['role'] != 'system' %}"
    "{{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}"
    "{%- endif %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

std::map<std::string, Preset> presets() {
  std::map<std::string, Preset> all;
  all["qwen2.5-0.5b"] = Preset{
      .name = "qwen2.5-0.5b",
      .architecture = "qwen2",
      .vocab_file = "ggml-vocab-qwen2.gguf",
      .layers = 24,
      .hidden = 896,
      .heads = 14,
      .kv_heads = 2,
      .ffn = 4864,
      .context_length = 32768,
      .rope_theta = 1000000.0f,
      .rms_eps = 1e-6f,
      .qkv_bias = true,
      .tied_embeddings = true,
      .chat_template = kChatMlTemplate,
  };
  // SmolLM's own vocabulary has 49,152 tokens like StarCoder's, which is the
  // closest vocabulary llama.cpp ships; <|im_start|> is not a single token in
  // it, so the chat markers cost a few tokens more than in the real model.
  all["smollm-135m"] = Preset{
      .name = "smollm-135m",
      .architecture = "llama",
      .vocab_file = "ggml-vocab-starcoder.gguf",
      .layers = 30,
      .hidden = 576,
      .heads = 9,
      .kv_heads = 3,
      .ffn = 1536,
      .context_length = 2048,
      .rope_theta = 10000.0f,
      .rms_eps = 1e-5f,
      .qkv_bias = false,
      .tied_embeddings = true,
      .chat_template = kChatMlTemplate,
  };
  return all;
}

struct WeightType {
  ggml_type type;
  llama_ftype file_type;
};

const std::map<std::string, WeightType>& weight_types() {
  static const std::map<std::string, WeightType> types = {
      {"q8_0", {GGML_TYPE_Q8_0, LLAMA_FTYPE_MOSTLY_Q8_0}},
      {"q4_0", {GGML_TYPE_Q4_0, LLAMA_FTYPE_MOSTLY_Q4_0}},
      {"f16", {GGML_TYPE_F16, LLAMA_FTYPE_MOSTLY_F16}},
      {"f32", {GGML_TYPE_F32, LLAMA_FTYPE_ALL_F32}},
  };
  return types;
}

struct GgufDeleter {
  void operator()(gguf_context* context) const { gguf_free(context); }
};
using GgufPtr = std::unique_ptr<gguf_context, GgufDeleter>;

struct GgmlDeleter {
  void operator()(ggml_context* context) const { ggml_free(context); }
};
using GgmlPtr = std::unique_ptr<ggml_context, GgmlDeleter>;

// Normal random numbers from splitmix64 and Box-Muller, written out here so
// that a seed gives the same file with any standard library.
class NormalGenerator {
 public:
  explicit NormalGenerator(uint64_t seed) : state_(seed) {}

  float next(float stddev) {
    if (has_spare_) {
      has_spare_ = false;
      return spare_ * stddev;
    }
    const double u1 = (static_cast<double>(next_bits() >> 11) + 1.0) * 0x1.0p-53;
    const double u2 = static_cast<double>(next_bits() >> 11) * 0x1.0p-53;
    const double radius = std::sqrt(-2.0 * std::log(u1));
    const double angle = 2.0 * M_PI * u2;
    spare_ = static_cast<float>(radius * std::sin(angle));
    has_spare_ = true;
    return static_cast<float>(radius * std::cos(angle)) * stddev;
  }

 private:
  uint64_t next_bits() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  uint64_t state_;
  float spare_ = 0;
  bool has_spare_ = false;
};

// Copies one key of any type from src to dst under the same name.
void copy_key(gguf_context* dst, const gguf_context* src, int64_t key_id) {
  const char* key = gguf_get_key(src, key_id);
  const gguf_type type = gguf_get_kv_type(src, key_id);
  switch (type) {
    case GGUF_TYPE_UINT8: gguf_set_val_u8(dst, key, gguf_get_val_u8(src, key_id)); break;
    case GGUF_TYPE_INT8: gguf_set_val_i8(dst, key, gguf_get_val_i8(src, key_id)); break;
    case GGUF_TYPE_UINT16: gguf_set_val_u16(dst, key, gguf_get_val_u16(src, key_id)); break;
    case GGUF_TYPE_INT16: gguf_set_val_i16(dst, key, gguf_get_val_i16(src, key_id)); break;
    case GGUF_TYPE_UINT32: gguf_set_val_u32(dst, key, gguf_get_val_u32(src, key_id)); break;
    case GGUF_TYPE_INT32: gguf_set_val_i32(dst, key, gguf_get_val_i32(src, key_id)); break;
    case GGUF_TYPE_FLOAT32: gguf_set_val_f32(dst, key, gguf_get_val_f32(src, key_id)); break;
    case GGUF_TYPE_UINT64: gguf_set_val_u64(dst, key, gguf_get_val_u64(src, key_id)); break;
    case GGUF_TYPE_INT64: gguf_set_val_i64(dst, key, gguf_get_val_i64(src, key_id)); break;
    case GGUF_TYPE_FLOAT64: gguf_set_val_f64(dst, key, gguf_get_val_f64(src, key_id)); break;
    case GGUF_TYPE_BOOL: gguf_set_val_bool(dst, key, gguf_get_val_bool(src, key_id)); break;
    case GGUF_TYPE_STRING: gguf_set_val_str(dst, key, gguf_get_val_str(src, key_id)); break;
    case GGUF_TYPE_ARRAY: {
      const gguf_type element_type = gguf_get_arr_type(src, key_id);
      const size_t count = gguf_get_arr_n(src, key_id);
      if (element_type == GGUF_TYPE_STRING) {
        std::vector<const char*> strings(count);
        for (size_t i = 0; i < count; ++i) {
          strings[i] = gguf_get_arr_str(src, key_id, i);
        }
        gguf_set_arr_str(dst, key, strings.data(), count);
      } else {
        gguf_set_arr_data(dst, key, element_type, gguf_get_arr_data(src, key_id), count);
      }
      break;
    }
    default:
      throw std::runtime_error(std::string("unsupported GGUF key type for ") + key);
  }
}

// Opens a GGUF file's metadata only (no tensor data).
GgufPtr open_metadata(const std::string& path) {
  gguf_init_params params{.no_alloc = true, .ctx = nullptr};
  GgufPtr context(gguf_init_from_file(path.c_str(), params));
  if (!context) {
    throw std::runtime_error("cannot read GGUF file " + path +
                             "; check that it exists and is a GGUF file");
  }
  return context;
}

// Copies every tokenizer.* key of the vocabulary file and returns the number
// of tokens, which fixes the embedding matrix's height.
int64_t copy_tokenizer(gguf_context* dst, const std::string& vocab_path) {
  const GgufPtr vocab = open_metadata(vocab_path);
  int64_t token_count = -1;
  for (int64_t id = 0; id < gguf_get_n_kv(vocab.get()); ++id) {
    const std::string key = gguf_get_key(vocab.get(), id);
    if (key.rfind("tokenizer.", 0) != 0) {
      continue;
    }
    copy_key(dst, vocab.get(), id);
    if (key == "tokenizer.ggml.tokens") {
      token_count = static_cast<int64_t>(gguf_get_arr_n(vocab.get(), id));
    }
  }
  if (token_count <= 0) {
    throw std::runtime_error("vocabulary file " + vocab_path + " has no tokenizer.ggml.tokens");
  }
  return token_count;
}

void set_hyperparameters(gguf_context* gguf, const Preset& preset, const WeightType& weight_type,
                         uint64_t seed) {
  const std::string arch = preset.architecture;
  const std::string model_name = preset.name + " (random weights, seed " + std::to_string(seed) + ")";
  gguf_set_val_str(gguf, "general.architecture", arch.c_str());
  gguf_set_val_str(gguf, "general.name", model_name.c_str());
  gguf_set_val_u32(gguf, "general.file_type", static_cast<uint32_t>(weight_type.file_type));
  gguf_set_val_u32(gguf, "general.quantization_version", GGML_QNT_VERSION);
  gguf_set_val_u32(gguf, (arch + ".context_length").c_str(), preset.context_length);
  gguf_set_val_u32(gguf, (arch + ".embedding_length").c_str(), preset.hidden);
  gguf_set_val_u32(gguf, (arch + ".block_count").c_str(), preset.layers);
  gguf_set_val_u32(gguf, (arch + ".feed_forward_length").c_str(), preset.ffn);
  gguf_set_val_u32(gguf, (arch + ".attention.head_count").c_str(), preset.heads);
  gguf_set_val_u32(gguf, (arch + ".attention.head_count_kv").c_str(), preset.kv_heads);
  gguf_set_val_u32(gguf, (arch + ".rope.dimension_count").c_str(), preset.hidden / preset.heads);
  gguf_set_val_f32(gguf, (arch + ".rope.freq_base").c_str(), preset.rope_theta);
  gguf_set_val_f32(gguf, (arch + ".attention.layer_norm_rms_epsilon").c_str(), preset.rms_eps);
  // Keep the vocabulary file's own template (the qwen2 file has Qwen's).
  if (gguf_find_key(gguf, "tokenizer.chat_template") < 0) {
    gguf_set_val_str(gguf, "tokenizer.chat_template", preset.chat_template.c_str());
  }
}

// Name and shape of one tensor; ne0 is the row length (the input dimension of
// a projection), as in ggml.
struct TensorSpec {
  std::string name;
  int64_t ne0 = 0;
  int64_t ne1 = 1;  // 1 for vectors (norms and biases)
  bool is_norm = false;
};

std::vector<TensorSpec> tensor_specs(const Preset& preset, int64_t vocab_size) {
  const int64_t head_dim = preset.hidden / preset.heads;
  const int64_t kv_dim = head_dim * preset.kv_heads;
  std::vector<TensorSpec> specs;
  specs.push_back({"token_embd.weight", preset.hidden, vocab_size});
  specs.push_back({"output_norm.weight", preset.hidden, 1, true});
  if (!preset.tied_embeddings) {
    specs.push_back({"output.weight", preset.hidden, vocab_size});
  }
  for (int layer = 0; layer < preset.layers; ++layer) {
    const std::string prefix = "blk." + std::to_string(layer) + ".";
    specs.push_back({prefix + "attn_norm.weight", preset.hidden, 1, true});
    specs.push_back({prefix + "attn_q.weight", preset.hidden, preset.hidden});
    specs.push_back({prefix + "attn_k.weight", preset.hidden, kv_dim});
    specs.push_back({prefix + "attn_v.weight", preset.hidden, kv_dim});
    if (preset.qkv_bias) {
      specs.push_back({prefix + "attn_q.bias", preset.hidden});
      specs.push_back({prefix + "attn_k.bias", kv_dim});
      specs.push_back({prefix + "attn_v.bias", kv_dim});
    }
    specs.push_back({prefix + "attn_output.weight", preset.hidden, preset.hidden});
    specs.push_back({prefix + "ffn_norm.weight", preset.hidden, 1, true});
    specs.push_back({prefix + "ffn_gate.weight", preset.hidden, preset.ffn});
    specs.push_back({prefix + "ffn_up.weight", preset.hidden, preset.ffn});
    specs.push_back({prefix + "ffn_down.weight", preset.ffn, preset.hidden});
  }
  return specs;
}

// Fills one tensor and converts it to its stored type: matrices get the
// chosen weight type, vectors stay F32 as llama.cpp's quantizer leaves them.
std::vector<uint8_t> make_tensor_data(const TensorSpec& spec, ggml_type matrix_type,
                                      NormalGenerator& generator, float stddev, ggml_type* stored_type) {
  const int64_t count = spec.ne0 * spec.ne1;
  std::vector<float> values(static_cast<size_t>(count));
  for (float& value : values) {
    value = spec.is_norm ? 1.0f : generator.next(stddev);
  }

  const ggml_type type = spec.ne1 == 1 ? GGML_TYPE_F32 : matrix_type;
  *stored_type = type;
  std::vector<uint8_t> data(ggml_row_size(type, spec.ne0) * static_cast<size_t>(spec.ne1));
  if (type == GGML_TYPE_F32) {
    std::memcpy(data.data(), values.data(), data.size());
  } else if (type == GGML_TYPE_F16) {
    ggml_fp32_to_fp16_row(values.data(), reinterpret_cast<ggml_fp16_t*>(data.data()), count);
  } else {
    ggml_quantize_chunk(type, values.data(), data.data(), 0, spec.ne1, spec.ne0, nullptr);
  }
  return data;
}

int64_t parameter_count(const std::vector<TensorSpec>& specs) {
  int64_t total = 0;
  for (const auto& spec : specs) {
    total += spec.ne0 * spec.ne1;
  }
  return total;
}

void write_model(const Preset& preset, const WeightType& weight_type, const std::string& out_path,
                 uint64_t seed, float stddev) {
  const std::string vocab_path = mom::bench::llama_prefix() + "/share/" + preset.vocab_file;
  GgufPtr gguf(gguf_init_empty());
  const int64_t vocab_size = copy_tokenizer(gguf.get(), vocab_path);
  set_hyperparameters(gguf.get(), preset, weight_type, seed);

  const std::vector<TensorSpec> specs = tensor_specs(preset, vocab_size);
  for (const auto& spec : specs) {
    const ggml_type block_type = spec.ne1 == 1 ? GGML_TYPE_F32 : weight_type.type;
    if (spec.ne0 % ggml_blck_size(block_type) != 0) {
      throw std::runtime_error("tensor " + spec.name + " has rows of " + std::to_string(spec.ne0) +
                               " values, not a multiple of the " + ggml_type_name(block_type) +
                               " block size; pick another --type");
    }
  }

  // Tensor descriptors only; the data lives in `buffers` until the file is written.
  ggml_init_params ggml_params{
      .mem_size = (specs.size() + 1) * ggml_tensor_overhead(), .mem_buffer = nullptr, .no_alloc = true};
  GgmlPtr ggml(ggml_init(ggml_params));
  std::vector<std::vector<uint8_t>> buffers;
  buffers.reserve(specs.size());
  NormalGenerator generator(seed);
  for (const auto& spec : specs) {
    ggml_type stored_type = GGML_TYPE_F32;
    buffers.push_back(make_tensor_data(spec, weight_type.type, generator, stddev, &stored_type));
    ggml_tensor* tensor = spec.ne1 == 1 ? ggml_new_tensor_1d(ggml.get(), stored_type, spec.ne0)
                                        : ggml_new_tensor_2d(ggml.get(), stored_type, spec.ne0, spec.ne1);
    ggml_set_name(tensor, spec.name.c_str());
    gguf_add_tensor(gguf.get(), tensor);
    gguf_set_tensor_data(gguf.get(), spec.name.c_str(), buffers.back().data());
  }

  const std::filesystem::path out(out_path);
  if (out.has_parent_path()) {
    std::filesystem::create_directories(out.parent_path());
  }
  // Write to a temporary name first so that an interrupted run never leaves a
  // truncated model under the final name.
  const std::string partial_path = out_path + ".partial";
  if (!gguf_write_to_file(gguf.get(), partial_path.c_str(), false)) {
    throw std::runtime_error("failed to write " + partial_path + "; check free disk space");
  }
  std::filesystem::rename(partial_path, out);

  std::cerr << "wrote " << out_path << ": " << preset.name << ", "
            << ggml_type_name(weight_type.type) << ", " << parameter_count(specs) / 1e6
            << "M parameters, vocabulary " << vocab_size << " tokens from " << preset.vocab_file << ", "
            << std::filesystem::file_size(out) / (1024.0 * 1024.0) << " MiB\n";
}

void inspect(const std::string& path) {
  const GgufPtr gguf = open_metadata(path);
  for (int64_t id = 0; id < gguf_get_n_kv(gguf.get()); ++id) {
    const gguf_type type = gguf_get_kv_type(gguf.get(), id);
    std::cout << gguf_get_key(gguf.get(), id) << " (" << gguf_type_name(type);
    if (type == GGUF_TYPE_ARRAY) {
      std::cout << " of " << gguf_get_arr_n(gguf.get(), id) << " "
                << gguf_type_name(gguf_get_arr_type(gguf.get(), id));
    }
    std::cout << ")";
    if (type == GGUF_TYPE_STRING) {
      std::string value = gguf_get_val_str(gguf.get(), id);
      if (value.size() > 60) {
        value = value.substr(0, 60) + "...";
      }
      std::cout << " = " << value;
    } else if (type == GGUF_TYPE_UINT32) {
      std::cout << " = " << gguf_get_val_u32(gguf.get(), id);
    } else if (type == GGUF_TYPE_FLOAT32) {
      std::cout << " = " << gguf_get_val_f32(gguf.get(), id);
    }
    std::cout << '\n';
  }
  std::cout << gguf_get_n_tensors(gguf.get()) << " tensors\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Writes a random-weight GGUF model with the shape and tokenizer of a real model"};
  std::string preset_name = "qwen2.5-0.5b";
  std::string type_name = "q8_0";
  std::string out_path;
  std::string inspect_path;
  uint64_t seed = 42;
  float stddev = 0.02f;
  bool force = false;
  bool list = false;

  std::vector<std::string> preset_names;
  for (const auto& [name, preset] : presets()) {
    preset_names.push_back(name);
  }
  std::vector<std::string> type_names;
  for (const auto& [name, type] : weight_types()) {
    type_names.push_back(name);
  }
  app.add_option("--preset", preset_name, "model shape and tokenizer to imitate")
      ->check(CLI::IsMember(preset_names))
      ->capture_default_str();
  app.add_option("--type", type_name, "storage type of the weight matrices")
      ->check(CLI::IsMember(type_names))
      ->capture_default_str();
  app.add_option("--out", out_path,
                 "output file; default: <cache>/mom/bench-models/<preset>-<type>.gguf");
  app.add_option("--seed", seed, "random seed; the same seed gives the same file")->capture_default_str();
  app.add_option("--stddev", stddev, "standard deviation of the random weights")->capture_default_str();
  app.add_flag("--force", force, "rewrite the file even if it exists");
  app.add_flag("--list", list, "list the presets and exit");
  app.add_option("--inspect", inspect_path, "print the keys and tensor count of a GGUF file and exit");
  CLI11_PARSE(app, argc, argv);

  try {
    if (list) {
      for (const auto& [name, preset] : presets()) {
        std::cout << name << ": " << preset.architecture << ", " << preset.layers << " layers, hidden "
                  << preset.hidden << ", " << preset.heads << " heads, " << preset.kv_heads
                  << " KV heads, FFN " << preset.ffn << ", vocabulary " << preset.vocab_file << '\n';
      }
      return 0;
    }
    if (!inspect_path.empty()) {
      inspect(inspect_path);
      return 0;
    }

    const Preset preset = presets().at(preset_name);
    if (out_path.empty()) {
      out_path = mom::bench::bench_model_dir() + "/" + preset_name + "-" + type_name + ".gguf";
    }
    if (!force && std::filesystem::exists(out_path)) {
      std::cerr << "exists, not rewritten (use --force): " << out_path << '\n';
    } else {
      write_model(preset, weight_types().at(type_name), out_path, seed, stddev);
    }
    std::cout << out_path << '\n';
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "error: " << error.what() << '\n';
    return 1;
  }
}
