//! The tantivy schema: scored text fields (one per BM25F field), filter fields, and what a hit needs stored.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, STORED,
};

/// Name under which [`super::tokenizer::CodeTokenizer`] is registered.
pub const TOKENIZER: &str = "cc_code";
/// Name under which [`super::tokenizer::KeyTokenizer`] is registered.
pub const KEY_TOKENIZER: &str = "cc_key";

/// The BM25F fields, with their weight (how much one occurrence counts) and length normalisation `b`.
/// Titles and file paths are short and deliberate, so an occurrence there says more than one in a
/// tool's output; thinking and output are long and noisy. A title is the best summary a session has:
/// a query that is its title should come out near full confidence.
pub const SCORED: &[(&str, f32, f32)] = &[
    ("title", 6.0, 0.5),
    ("user", 1.5, 0.75),
    ("assistant", 1.0, 0.75),
    ("thinking", 0.5, 0.75),
    ("code", 1.0, 0.75),
    ("tool", 0.8, 0.5),
    ("output", 0.4, 0.75),
    ("path", 1.5, 0.5),
    ("symbol", 2.0, 0.5),
];

#[derive(Clone)]
pub struct Fields {
    pub scored: Vec<Field>,
    /// `agent\u{1f}session_id`: what a re-indexed session replaces.
    pub skey: Field,
    /// How many documents back the session's own document is (0 on it). A session's documents are
    /// added as one batch, so they are consecutive in one segment, and merges keep their order.
    pub back: Field,
    /// Names of the scored fields a document has text in, so average lengths count only those documents.
    pub has: Field,
    pub agent: Field,
    pub role: Field,
    pub lang: Field,
    pub toolname: Field,
    pub def: Field,
    pub call: Field,
    pub import: Field,
    pub project: Field,
    pub ts: Field,
    /// Message index (0 on the session document, which `back` tells apart).
    pub msg: Field,
    /// Stored on the session document only.
    pub session_id: Field,
    pub source_agent: Field,
    pub title_stored: Field,
    /// What snippets are cut from (see [`super::document::STORED_CHARS`]).
    pub text: Field,
}

/// [`super::document::Doc::msg`] of the one document per session that holds its identity and title
/// (and scores on the title).
pub const SESSION_DOC: u64 = u64::MAX;

pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let scored_opts = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let filter_opts = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    );
    let raw = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    );
    // Filters read these columns; nothing searches their terms.
    let column = || NumericOptions::default().set_fast();
    let key = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(KEY_TOKENIZER)
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    );
    let scored = SCORED
        .iter()
        .map(|(name, _, _)| b.add_text_field(name, scored_opts.clone()))
        .collect();
    let fields = Fields {
        scored,
        skey: b.add_text_field("skey", key),
        back: b.add_u64_field("back", column()),
        has: b.add_text_field("has", raw.clone()),
        agent: b.add_text_field("agent", raw.clone()),
        role: b.add_text_field("role", raw.clone()),
        lang: b.add_text_field("lang", raw.clone()),
        toolname: b.add_text_field("toolname", raw),
        def: b.add_text_field("def", filter_opts.clone()),
        call: b.add_text_field("call", filter_opts.clone()),
        import: b.add_text_field("import", filter_opts.clone()),
        project: b.add_text_field("project", filter_opts),
        ts: b.add_i64_field("ts", column()),
        msg: b.add_u64_field("msg", column()),
        session_id: b.add_text_field("session_id", STORED),
        source_agent: b.add_text_field("source_agent", STORED),
        title_stored: b.add_text_field("title_text", STORED),
        text: b.add_text_field("text", STORED),
    };
    (b.build(), fields)
}

pub fn scored_index(name: &str) -> Option<usize> {
    SCORED.iter().position(|(n, _, _)| *n == name)
}
