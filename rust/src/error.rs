//! Typed errors of the core. The kind decides which DuckDB exception the C++ glue throws, so
//! user mistakes surface as `Binder Error` / `Catalog Error` / `Parser Error` like DuckDB's own.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A request or expression that cannot be bound (unknown member, fan trap, ...).
    Binder,
    /// A missing or duplicate catalog object (semantic view, table).
    Catalog,
    /// Text that does not parse (definition JSON, names, SQL fragments).
    Parser,
    /// Anything else the user supplied that is invalid.
    InvalidInput,
    /// A bug on our side (including a caught panic).
    Internal,
}

impl ErrorKind {
    /// One-letter code carried across the cxx bridge in front of the message.
    pub fn code(self) -> char {
        match self {
            ErrorKind::Binder => 'B',
            ErrorKind::Catalog => 'C',
            ErrorKind::Parser => 'P',
            ErrorKind::InvalidInput => 'I',
            ErrorKind::Internal => 'X',
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into() }
    }
    pub fn binder(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Binder, message)
    }
    pub fn catalog(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Catalog, message)
    }
    pub fn parser(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Parser, message)
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
    /// Prefixes the message with context, e.g. the semantic view's name.
    pub fn context(mut self, prefix: impl fmt::Display) -> Self {
        self.message = format!("{prefix}: {}", self.message);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// "Did you mean" helper: the closest candidate by Jaro-Winkler similarity, if close enough.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Formats a list of names for messages: `a, b, c` (or `(none)`).
pub fn name_list<S: AsRef<str>>(names: &[S]) -> String {
    if names.is_empty() {
        "(none)".to_string()
    } else {
        names.iter().map(|n| n.as_ref()).collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(did_you_mean("revenu", ["revenue", "region"]), Some("revenue"));
        assert_eq!(did_you_mean("zzz", ["revenue", "region"]), None);
    }
}
