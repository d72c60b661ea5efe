//! A one-line progress display on stderr: sessions, MB, MB/s and ETA. Drawn only when stderr is a terminal
//! (never into a log or a pipe), at most ten times a second, in colour unless `NO_COLOR` is set.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

pub struct Progress {
    enabled: bool,
    color: bool,
    started: Instant,
    last_draw: Option<Instant>,
    label: &'static str,
    total_bytes: u64,
    bytes: u64,
    sessions: u64,
}

impl Progress {
    /// A progress line for a stage reading `total_bytes`; silent unless stderr is a terminal.
    pub fn new(label: &'static str, total_bytes: u64) -> Progress {
        Progress::with_output(label, total_bytes, std::io::stderr().is_terminal())
    }

    pub fn with_output(label: &'static str, total_bytes: u64, enabled: bool) -> Progress {
        Progress {
            enabled,
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            started: Instant::now(),
            last_draw: None,
            label,
            total_bytes,
            bytes: 0,
            sessions: 0,
        }
    }

    pub fn advance(&mut self, bytes: u64, sessions: u64) {
        self.bytes += bytes;
        self.sessions += sessions;
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if self
            .last_draw
            .is_some_and(|t| now.duration_since(t) < Duration::from_millis(100))
        {
            return;
        }
        self.last_draw = Some(now);
        let line = self.line();
        let _ = write!(std::io::stderr().lock(), "\r\x1b[2K{line}");
    }

    /// The text of the line (also used by tests).
    pub fn line(&self) -> String {
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = self.bytes as f64 / secs;
        let mb = self.bytes as f64 / 1e6;
        let eta = if rate > 0.0 && self.total_bytes > self.bytes {
            let s = ((self.total_bytes - self.bytes) as f64 / rate) as u64;
            format!("ETA {}:{:02}", s / 60, s % 60)
        } else {
            "ETA -:--".to_string()
        };
        let pct = if self.total_bytes > 0 {
            (self.bytes as f64 * 100.0 / self.total_bytes as f64).min(100.0)
        } else {
            100.0
        };
        let label = if self.color {
            format!("\x1b[1;36m{}\x1b[0m", self.label)
        } else {
            self.label.to_string()
        };
        format!(
            "{label} {pct:>5.1}%  {} sessions  {mb:.1} MB  {:.1} MB/s  {eta}",
            self.sessions,
            rate / 1e6
        )
    }

    /// Clears the line.
    pub fn finish(&mut self) {
        if self.enabled && self.last_draw.is_some() {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_shows_counts_and_no_color_when_disabled() {
        let mut p = Progress::with_output("export", 2_000_000, false);
        p.color = false;
        p.advance(1_000_000, 7);
        let l = p.line();
        assert!(l.starts_with("export  50.0%  7 sessions  1.0 MB"), "{l}");
        assert!(!l.contains('\x1b'));
    }
}
