//! Code in conversations: fenced blocks, their language, and (feature `ast`) the symbols they define,
//! call and import.

#[cfg(feature = "ast")]
pub mod facts;
pub mod fence;
pub mod lang;

/// What a piece of code names. Order is first appearance; no duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub defs: Vec<String>,
    pub calls: Vec<String>,
    pub imports: Vec<String>,
}

/// Facts for code, from a shared cache; empty without the `ast` feature or for languages without a grammar.
#[derive(Default)]
pub struct CodeFacts {
    #[cfg(feature = "ast")]
    cache: facts::FactCache,
}

impl CodeFacts {
    /// With the cache saved at `path` by an earlier run, if any.
    pub fn load(path: &std::path::Path) -> CodeFacts {
        #[cfg(feature = "ast")]
        {
            CodeFacts {
                cache: facts::FactCache::load(path),
            }
        }
        #[cfg(not(feature = "ast"))]
        {
            let _ = path;
            CodeFacts::default()
        }
    }

    /// Saves the cache to `path` for the next run (nothing without the `ast` feature).
    pub fn save(&self, path: &std::path::Path) -> std::io::Result<()> {
        #[cfg(feature = "ast")]
        {
            self.cache.save(path)
        }
        #[cfg(not(feature = "ast"))]
        {
            let _ = path;
            Ok(())
        }
    }

    pub fn facts(&self, lang: &str, code: &str) -> Option<std::sync::Arc<Facts>> {
        #[cfg(feature = "ast")]
        {
            self.cache.facts(lang, code)
        }
        #[cfg(not(feature = "ast"))]
        {
            let _ = (lang, code);
            None
        }
    }
}
