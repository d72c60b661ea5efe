//! The confirm step's report: one self-contained HTML file (inline style, no script, no external asset, no
//! network) that a person reads in a browser before sharing.

use std::fmt::Write;

use super::confirm::Review;

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#1b1f24;background:#fff}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #d0d7de}
.verdict{padding:.8em 1em;border-radius:6px;font-weight:600;margin:1em 0}
.ok{background:#dafbe1;border:1px solid #4ac26b}.bad{background:#ffebe9;border:1px solid #ff8182}
.cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #d0d7de;border-radius:6px;padding:.6em 1em;min-width:9em}
.card .n{font-size:1.8em;font-weight:700}.card .l{color:#57606a}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #d0d7de;padding:.25em .6em;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
code,.ctx{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}
.ctx{white-space:pre-wrap;word-break:break-all}.ph{background:#fff8c5;border:1px solid #d4a72c;border-radius:3px;padding:0 .2em}
.muted{color:#57606a}";

pub fn render(r: &Review) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <title>CoderCrucible export review</title><style>{STYLE}</style></head><body>\n"
    );
    let _ = writeln!(
        h,
        "<h1>Export review</h1><p class=\"muted\"><code>{}</code> · {} · sha256 <code>{}</code></p>",
        escape(&r.file.display().to_string()),
        super::human_bytes(r.bytes),
        &r.sha256[..16.min(r.sha256.len())]
    );
    if r.passes() {
        let _ = writeln!(
            h,
            "<div class=\"verdict ok\" id=\"verdict\">Leak gate passed: no finding in {} sessions; every session carries the scrub stamp.</div>",
            r.sessions
        );
    } else {
        let _ = writeln!(
            h,
            "<div class=\"verdict bad\" id=\"verdict\">Not ready to share: {} leak finding(s), {} unstamped session(s), {} invalid line(s).</div>",
            r.total_leaks(),
            r.unstamped,
            r.invalid_lines
        );
    }
    let _ = writeln!(
        h,
        "<div class=\"cards\">\
         <div class=\"card\"><div class=\"n\" id=\"sessions\">{}</div><div class=\"l\">sessions</div></div>\
         <div class=\"card\"><div class=\"n\" id=\"messages\">{}</div><div class=\"l\">messages</div></div>\
         <div class=\"card\"><div class=\"n\" id=\"redactions\">{}</div><div class=\"l\">redactions</div></div>\
         <div class=\"card\"><div class=\"n\" id=\"projects\">{}</div><div class=\"l\">projects</div></div>\
         <div class=\"card\"><div class=\"n\" id=\"leaks\">{}</div><div class=\"l\">leak findings</div></div>\
         </div>",
        r.sessions,
        r.messages,
        r.total_redactions(),
        r.projects.len(),
        r.total_leaks()
    );

    h.push_str("<h2>Redactions per kind</h2>\n");
    table(
        &mut h,
        "kinds",
        ("kind", "count"),
        r.redactions.iter().map(|(k, n)| (k.as_str(), *n)),
    );
    h.push_str("<h2>Agents</h2>\n");
    table(
        &mut h,
        "agents",
        ("agent", "sessions"),
        r.per_agent.iter().map(|(k, n)| (k.as_str(), *n)),
    );
    h.push_str("<h2>Projects</h2>\n");
    table(
        &mut h,
        "project-list",
        ("project", "sessions"),
        r.projects.iter().map(|(k, n)| (k.as_str(), *n)),
    );

    h.push_str("<h2>Sample redactions in context</h2>\n");
    if r.samples.is_empty() {
        h.push_str("<p class=\"muted\">No redaction to show (or no audit log).</p>\n");
    } else {
        h.push_str("<table id=\"samples\"><tr><th>kind</th><th>rule</th><th>where</th><th>in context</th></tr>\n");
        for s in &r.samples {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td class=\"ctx\">…{}<span class=\"ph\">{}</span>{}…</td></tr>",
                escape(&s.kind),
                escape(&s.rule),
                escape(&s.pointer),
                escape(&s.before),
                escape(&s.placeholder),
                escape(&s.after)
            );
        }
        h.push_str("</table>\n");
    }
    if !r.leaks.is_empty() {
        h.push_str("<h2>Leak gate findings</h2>\n<table id=\"leak-list\"><tr><th>line</th><th>field</th><th>kind</th><th>rule</th><th>context (masked)</th></tr>\n");
        for l in r.leaks.iter().take(500) {
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td class=\"ctx\">{}</td></tr>",
                escape(&l.location),
                escape(&l.pointer),
                escape(&l.kind),
                escape(&l.rule),
                escape(&l.excerpt)
            );
        }
        h.push_str("</table>\n");
    }
    let _ = writeln!(
        h,
        "<h2>Provenance</h2><p>Scrub rule set <code>{}</code>. Audit log: <code>{}</code>.</p>\n\
         <p class=\"muted\">Generated by codercrucible confirm. This page loads nothing from the network.</p>\n</body></html>",
        escape(&r.scrub_rules),
        escape(
            &r.audit_log
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "none".into())
        )
    );
    h
}

fn table<'a>(
    h: &mut String,
    id: &str,
    head: (&str, &str),
    rows: impl Iterator<Item = (&'a str, u64)>,
) {
    let _ = writeln!(
        h,
        "<table id=\"{id}\"><tr><th>{}</th><th>{}</th></tr>",
        head.0, head.1
    );
    for (k, n) in rows {
        let _ = writeln!(h, "<tr><td>{}</td><td class=\"n\">{n}</td></tr>", escape(k));
    }
    h.push_str("</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_is_self_contained_and_escaped() {
        let mut r = Review {
            sessions: 3,
            sha256: "ab".repeat(32),
            ..Review::default()
        };
        r.projects.insert("<script>alert(1)</script>".into(), 3);
        r.redactions.insert("email".into(), 2);
        let html = render(&r);
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("http://") && !html.contains("https://"));
        assert!(html.contains("<div class=\"n\" id=\"sessions\">3</div>"));
        assert!(html.contains("<div class=\"n\" id=\"redactions\">2</div>"));
    }
}
