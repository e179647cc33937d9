#include "inference/WordTokenizer.h"

#include <fstream>

#include "core/TextTokens.h"

namespace atalaya {

Result<WordTokenizer> WordTokenizer::load(const TokenizerSpec& spec) {
    std::ifstream in(spec.vocabFile);
    if (!in) return notFound("vocabulary file " + spec.vocabFile.string() + " is missing");
    WordTokenizer tokenizer;
    tokenizer.m_spec = spec;
    std::string line;
    std::int64_t id = 0;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        tokenizer.m_ids.emplace(line, id++);
    }
    if (id <= std::max(spec.padId, spec.unkId)) {
        return invalidArgument("vocabulary " + spec.vocabFile.string() +
                               " is shorter than its pad and unk ids");
    }
    return tokenizer;
}

HostTensor WordTokenizer::encode(std::span<const std::string> texts) const {
    auto tensor = HostTensor::zeros(
        DataType::Int64, {static_cast<std::int64_t>(texts.size()), m_spec.maxTokens});
    auto ids = tensor.values<std::int64_t>();
    for (std::size_t i = 0; i < texts.size(); ++i) {
        encodeRow(texts[i], ids.data() + i * static_cast<std::size_t>(m_spec.maxTokens));
    }
    return tensor;
}

void WordTokenizer::encodeRow(std::string_view text, std::int64_t* row) const {
    std::string token;
    int count = 0;
    auto flush = [&] {
        if (token.empty() || count >= m_spec.maxTokens) return;
        const auto it = m_ids.find(token);
        row[count++] = it == m_ids.end() ? m_spec.unkId : it->second;
        token.clear();
    };
    for (const char raw : text) {
        const char c = m_spec.lowercase ? lowerAscii(raw) : raw;
        if (isTokenChar(c)) {
            token.push_back(c);
        } else {
            flush();
            token.clear();
        }
        if (count >= m_spec.maxTokens) break;
    }
    flush();
    for (int i = count; i < m_spec.maxTokens; ++i) row[i] = m_spec.padId;
}

}  // namespace atalaya
