//! Model names become family labels (`<model-anthropic>`, ...); provider self-identification and agent
//! trailers become neutral text. Names are matched on token boundaries, never inside identifiers or paths
//! like `llama.cpp`, `-O3` or "Claude Shannon".

use std::ops::Range;

use super::finding::Kind;
use super::rules::{Check, Reach, Rule};

/// Neither a word character nor `-` right before, no word character right after.
fn bounded(text: &str, whole: Range<usize>, _: Range<usize>) -> bool {
    let b = text.as_bytes();
    let before_ok = whole.start == 0
        || !matches!(b[whole.start - 1], b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-');
    let after_ok = !matches!(b.get(whole.end), Some(c) if c.is_ascii_alphanumeric() || *c == b'_');
    before_ok && after_ok
}

macro_rules! model {
    ($id:literal, [$($a:literal),*], $p:literal, $ph:literal) => {
        Rule { id: $id, kind: Kind::Model, anchors: &[$($a),*], context: false, fallback: false, pattern: $p, check: Check::Custom(bounded), placeholder: $ph, reach: Reach::Whole }
    };
}
macro_rules! phrase {
    ($id:literal, [$($a:literal),*], $p:literal, $ph:literal) => {
        Rule { id: $id, kind: Kind::ProviderPhrase, anchors: &[$($a),*], context: false, fallback: false, pattern: $p, check: Check::Always, placeholder: $ph, reach: Reach::Whole }
    };
}

pub static RULES: &[Rule] = &[
    model!(
        "model-anthropic",
        ["claude"],
        r"(?i)(?:(?:[a-z]{2,4}\.)?anthropic\.)?claude(?:-instant)?-\d(?:-\d{8}|[.-]\d)?(?:-(?:opus|sonnet|haiku))?(?:-\d{8}|-latest)?(?:-v\d(?::\d+)?)?(?:@\d{8})?(?:\[1m\])?",
        "<model-anthropic>"
    ),
    model!(
        "model-anthropic-named",
        ["claude"],
        r"(?i)(?:(?:[a-z]{2,4}\.)?anthropic\.)?claude-(?:opus|sonnet|haiku)(?:-\d(?:-\d{8}|[.-]\d(?:-\d{8})?)?)?(?:-latest)?(?:-v\d(?::\d+)?)?(?:@\d{8})?(?:\[1m\])?",
        "<model-anthropic>"
    ),
    model!(
        "model-anthropic-prose",
        ["claude"],
        r"\bClaude (?:\d(?:\.\d)? (?:Opus|Sonnet|Haiku)|(?:Opus|Sonnet|Haiku) \d(?:\.\d)?|Instant(?: \d(?:\.\d)?)?|\d\.\d)",
        "<model-anthropic>"
    ),
    model!(
        "model-openai",
        ["gpt-", "gpt "],
        r"(?i)gpt[- ](?:3\.5|4\.1|4\.5|4o|4|5(?:\.\d)?|oss)(?:-(?:turbo|mini|nano|codex|pro|preview|max|high|low|instruct|chat|latest|vision|search|audio|realtime|transcribe|\d{4}(?:-\d\d-\d\d)?|\d+k|\d+b))*",
        "<model-openai>"
    ),
    model!(
        "model-openai-o",
        ["o1-", "o3-", "o4-"],
        r"(?i)o[134](?:-(?:preview|mini|pro|deep-research|high|low))+(?:-\d{4}-\d\d-\d\d)?",
        "<model-openai>"
    ),
    model!(
        "model-openai-legacy",
        ["davinci", "codex-mini", "chatgpt"],
        r"(?i)(?:text-)?davinci-00\d|codex-mini(?:-latest)?|chatgpt(?:-4o)?(?:-latest)?",
        "<model-openai>"
    ),
    model!(
        "model-google",
        ["gemini-", "gemini ", "gemma-", "-bison", "palm"],
        r"(?i)gemini-(?:\d(?:\.\d)?-(?:pro|flash|ultra)(?:-lite)?|pro|ultra|exp)(?:-[a-z0-9]+)*|gemma-?\d(?:n)?(?:-\d+b)(?:-it)?|(?:text|chat)-bison(?:-\d+)?|palm-?2|Gemini \d(?:\.\d)? (?:Pro|Flash)(?: Lite)?",
        "<model-google>"
    ),
    model!(
        "model-meta",
        ["llama"],
        r"(?i)(?:meta-llama/)?(?:code)?llama[-_ ]?\d(?:\.\d)?(?::\d+b|(?:-\d+b)?(?:-(?:instruct|chat|hf|scout|maverick)(?:-[a-z0-9]+)*)?)",
        "<model-meta>"
    ),
    model!(
        "model-mistral",
        [
            "mistral",
            "mixtral",
            "codestral",
            "ministral",
            "devstral",
            "magistral",
            "pixtral"
        ],
        r"(?i)(?:open-)?(?:mistral(?:-[a-z0-9.]+)+|(?:mixtral|codestral|ministral|devstral|magistral|pixtral)(?:-[a-z0-9.]+)*)",
        "<model-mistral>"
    ),
    model!(
        "model-deepseek",
        ["deepseek"],
        r"(?i)deepseek-(?:chat|reasoner|coder(?:-v\d)?|v\d(?:\.\d)?|r1)(?:-[a-z0-9.:]+)*",
        "<model-deepseek>"
    ),
    model!(
        "model-qwen",
        ["qwen", "qwq"],
        r"(?i)qwen\d(?:\.\d)?(?:-[a-z0-9.]+)*|qwen-(?:max|plus|turbo|long|coder|vl|audio|math|omni)(?:-[a-z0-9.]+)*|qwq-\d+b(?:-[a-z0-9]+)*",
        "<model-qwen>"
    ),
    model!(
        "model-xai",
        ["grok-"],
        r"(?i)grok-(?:\d(?:\.\d)?|beta|code|vision)(?:-[a-z0-9]+)*",
        "<model-xai>"
    ),
    model!(
        "model-cohere",
        ["command-", "command r", "aya-"],
        r"(?i:command-(?:r(?:7b)?|a|light|nightly)(?:-plus)?(?:-\d\d-\d{4})?(?:-[a-z0-9]+)*|aya-(?:expanse|vision|23|101)(?:-[a-z0-9]+)*)|Command R\+?",
        "<model-cohere>"
    ),
    model!(
        "model-microsoft",
        ["phi-"],
        r"(?i)phi-\d(?:\.\d)?(?:-(?:mini|medium|small|moe|vision|multimodal|reasoning))*(?:-\d+k)?(?:-instruct)?",
        "<model-microsoft>"
    ),
    model!(
        "model-amazon",
        ["amazon."],
        r"(?i)amazon\.(?:nova|titan)-[a-z0-9-]+(?::\d)?",
        "<model-amazon>"
    ),
    model!(
        "model-other",
        ["kimi-", "moonshot-", "glm-", "yi-", "jamba-"],
        r"(?i)kimi-k\d[a-z0-9.-]*|moonshot-v\d-[a-z0-9-]+|glm-\d(?:\.\d)?(?:-[a-z0-9.]+)*|yi-(?:large|34b|6b|lightning)(?:-[a-z0-9]+)*|jamba-[a-z0-9.-]+",
        "<model-other>"
    ),
    phrase!(
        "provider-as-an-ai",
        ["as an ai"],
        r"(?i)as an ai(?: language model| assistant| model)?,? (?:developed|created|trained|made|built) by (?:anthropic|openai|google(?: deepmind)?|meta(?: ai)?|xai|alibaba cloud|deepseek|mistral ai|cohere|microsoft)",
        "As an AI assistant"
    ),
    phrase!(
        "provider-i-am",
        ["i'm ", "i am "],
        r"(?i)\bI(?:'m| am) (?:Claude|ChatGPT|Gemini|Llama|Grok|Qwen|DeepSeek|Copilot|Codex)\b(?:,? (?:a large language model|an AI assistant|an AI model|a helpful assistant|an AI))?(?:,? (?:made|built|created|developed|trained) by (?:Anthropic|OpenAI|Google(?: DeepMind)?|Meta(?: AI)?|xAI|Alibaba Cloud|DeepSeek|Mistral AI|Cohere|Microsoft|GitHub))?(?:\. I am a helpful assistant\.)?",
        "I am an AI assistant"
    ),
    phrase!(
        "provider-claude-code-prompt",
        ["you are claude code"],
        r"(?i)You are Claude Code, Anthropic's official CLI for Claude\.?",
        "You are a coding assistant."
    ),
    phrase!(
        "provider-generated-with",
        ["generated with", "generated by"],
        r"(?i)(?:\xF0\x9F\xA4\x96)?\s?Generated (?:with|by) \[?(?:Claude Code|Codex|Gemini CLI|Cursor|Aider|GitHub Copilot|Copilot|Qwen Code|opencode|Amp|Windsurf)\]?(?:\([^)\s]*\))?",
        ""
    ),
    phrase!(
        "provider-coauthor-trailer",
        ["co-authored-by"],
        r"(?i)Co-Authored-By:\s*(?:Claude|ChatGPT|Codex|Gemini|Copilot|aider|Cursor|Qwen|opencode|Amp)[^<\n\\]*(?:<[^>\n\\]*>)?",
        ""
    ),
];
