//! Searching sessions: the query language, ranking against the index, and the stream filter.

pub mod query;
pub mod rank;
pub mod snippet;
pub mod stream;
