// The only translation unit that includes LibTorch (its headers cost ~20 s to compile).
#include "torch/TorchModelRunner.h"

#include "core/Logging.h"

#include <torch/cuda.h>
#include <torch/script.h>
#include <torch/version.h>

#include <ATen/Parallel.h>

#include <mutex>

namespace atalaya {
namespace {

// A TorchScript error carries the interpreter's traceback, with the source paths of whoever
// exported the model. Clients get its last line (the exception, e.g. "RuntimeError: ...");
// the whole text goes to the log only.
Status modelError(const std::string& full) {
    qCWarning(lcModels, "model error: %s", full.c_str());
    std::string_view text(full);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    const auto lastBreak = text.rfind('\n');
    std::string_view last = lastBreak == std::string_view::npos ? text : text.substr(lastBreak + 1);
    while (!last.empty() && last.front() == ' ') last.remove_prefix(1);
    return internalError("model error: " + std::string(last), "model_error");
}


std::optional<at::ScalarType> scalarTypeFor(DataType type) {
    switch (type) {
        case DataType::Bool: return at::kBool;
        case DataType::UInt8: return at::kByte;
        case DataType::Int8: return at::kChar;
        case DataType::Int16: return at::kShort;
        case DataType::Int32: return at::kInt;
        case DataType::Int64: return at::kLong;
        case DataType::Fp32: return at::kFloat;
        case DataType::Fp64: return at::kDouble;
        case DataType::Bytes: return std::nullopt;
    }
    return std::nullopt;
}

std::optional<DataType> dataTypeFor(at::ScalarType type) {
    for (DataType t : {DataType::Bool, DataType::UInt8, DataType::Int8, DataType::Int16,
                       DataType::Int32, DataType::Int64, DataType::Fp32, DataType::Fp64}) {
        if (scalarTypeFor(t) == type) return t;
    }
    return std::nullopt;
}

Result<HostTensor> toHost(const at::Tensor& tensor) {
    const auto type = dataTypeFor(tensor.scalar_type());
    if (!type) {
        return internalError(std::string("model returned an unsupported dtype ") +
                                 std::string(c10::toString(tensor.scalar_type())),
                             "bad_output");
    }
    const at::Tensor host = tensor.to(at::kCPU).contiguous();
    HostTensor out;
    out.type = *type;
    out.shape.assign(host.sizes().begin(), host.sizes().end());
    const auto bytes = static_cast<std::size_t>(host.numel()) * host.element_size();
    out.data.resize(bytes);
    std::memcpy(out.data.data(), host.data_ptr(), bytes);
    return out;
}

Result<std::vector<HostTensor>> collectOutputs(const c10::IValue& value) {
    std::vector<HostTensor> outputs;
    auto add = [&](const c10::IValue& item) -> Status {
        if (!item.isTensor()) return internalError("model returned a non-tensor", "bad_output");
        ATALAYA_ASSIGN_OR_RETURN(auto host, toHost(item.toTensor()));
        outputs.push_back(std::move(host));
        return Status::ok();
    };
    if (value.isTuple()) {
        for (const auto& item : value.toTupleRef().elements()) ATALAYA_RETURN_IF_ERROR(add(item));
    } else if (value.isTensorList()) {
        for (const at::Tensor& item : value.toTensorVector()) ATALAYA_RETURN_IF_ERROR(add(item));
    } else {
        ATALAYA_RETURN_IF_ERROR(add(value));
    }
    return outputs;
}

class TorchModelRunner final : public ModelRunner {
public:
    TorchModelRunner(torch::jit::script::Module module, torch::Device device)
        : m_module(std::move(module)), m_device(device) {}

    Result<std::vector<HostTensor>> run(const std::vector<HostTensor>& inputs) override {
        try {
            const c10::InferenceMode inferenceMode;
            std::vector<c10::IValue> arguments;
            arguments.reserve(inputs.size());
            for (const auto& input : inputs) {
                const auto type = scalarTypeFor(input.type);
                if (!type) return internalError("BYTES input reached the model untokenized");
                // from_blob borrows the batch buffer: no copy on CPU.
                auto tensor = torch::from_blob(const_cast<std::byte*>(input.data.data()),
                                               input.shape, torch::TensorOptions(*type));
                arguments.emplace_back(m_device.is_cpu() ? tensor : tensor.to(m_device));
            }
            return collectOutputs(m_module.forward(arguments));
        } catch (const c10::Error& error) {
            return modelError(error.msg());
        } catch (const std::exception& error) {
            return modelError(error.what());
        }
    }

    std::string describe() const override { return "torchscript " + m_device.str(); }

private:
    torch::jit::script::Module m_module;
    torch::Device m_device;
};

class TorchRunnerFactory final : public ModelRunnerFactory {
public:
    Result<std::unique_ptr<ModelRunner>> load(const std::filesystem::path& modelFile,
                                              const RunnerOptions& options) override {
        try {
            const torch::Device device(options.device);
            if (device.is_cuda() && !torch::cuda::is_available()) {
                return Status(StatusCode::FailedPrecondition,
                              "device cuda asked, but this LibTorch has no usable CUDA",
                              "device_unavailable");
            }
            auto module = torch::jit::load(modelFile.string(), device);
            module.eval();
            return std::unique_ptr<ModelRunner>(
                std::make_unique<TorchModelRunner>(std::move(module), device));
        } catch (const c10::Error& error) {
            return invalidArgument("not a loadable TorchScript file: " + error.msg(),
                                   "model_load_failed");
        } catch (const std::exception& error) {
            return invalidArgument(std::string("cannot load model: ") + error.what(),
                                   "model_load_failed");
        }
    }
};

}  // namespace

std::unique_ptr<ModelRunnerFactory> makeTorchRunnerFactory() {
    return std::make_unique<TorchRunnerFactory>();
}

void configureTorchRuntime(int intraOpThreads) {
    static std::once_flag once;
    std::call_once(once, [intraOpThreads] {
        if (intraOpThreads > 0) at::set_num_threads(intraOpThreads);
        // Batches are already parallel across models; inter-op parallelism would oversubscribe.
        at::set_num_interop_threads(1);
    });
}

void setTorchIntraOpThreads(int threads) {
    // With Debian's OpenMP backend this is omp_set_num_threads on the calling thread plus the
    // default that other threads pick up on their first parallel region.
    if (threads > 0)
        at::set_num_threads(threads);
}

TorchRuntimeInfo torchRuntimeInfo() {
    return {.version = TORCH_VERSION,
            .intraOpThreads = at::get_num_threads(),
            .cudaAvailable = torch::cuda::is_available()};
}

}  // namespace atalaya
