#pragma once

#include "inference/HostTensor.h"
#include "inference/ModelMetadata.h"

#include <atalaya/Result.h>

#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

namespace atalaya {

// The declared preprocessing step of text models ("word_tokenizer" in model.json): lowercase
// ASCII, tokens are maximal runs of [a-z0-9'], the first maxTokens are kept, unknown words map
// to unkId and rows are right-padded with padId. tools/models/atalaya_export.py implements the
// same rule for training; docs/models.md states it.
//
// Immutable after load(); thread-safe.
class WordTokenizer {
public:
    static Result<WordTokenizer> load(const TokenizerSpec& spec);

    // INT64 [texts.size(), maxTokens].
    HostTensor encode(std::span<const std::string> texts) const;
    std::size_t vocabularySize() const { return m_ids.size(); }

private:
    void encodeRow(std::string_view text, std::int64_t* row) const;

    TokenizerSpec m_spec;
    std::unordered_map<std::string, std::int64_t> m_ids;
};

}  // namespace atalaya
