//! `codercrucible push REPO`: publishes a confirmed, scrub-stamped export to a Hugging Face dataset repo.
//!
//! Our part is the dataset folder: the sessions not pushed before (by `agent/session_id`, from a manifest
//! kept in the state directory and committed to the repo as `codercrucible-manifest.json`; when something
//! looks new, the repo's copy is read too, so another machine's pushes count) as new shards
//! `data/train-<hash>.jsonl` (and `.parquet`, feature `parquet`), the manifest, and a regenerated dataset card
//! (`README.md` with a YAML header).
//! The transfer goes through the official `hf` CLI (`hf upload`, which handles large files, Xet and retries);
//! the folder holds only new files and no delete pattern is ever passed, so nothing in the repo is removed.
//! The repo is created private unless `--public`. Token from `HF_TOKEN` or the CLI's login; `HF_ENDPOINT`
//! honoured (the CLI reads both).

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config;
use crate::schema::Session;

use super::record::{self, Confirmation};
use super::scrub_stage;

/// The manifest's name in the repo.
pub const MANIFEST: &str = "codercrucible-manifest.json";
/// A shard is closed at this size.
const SHARD_BYTES: u64 = 512 << 20;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub repo: String,
    pub sessions: BTreeSet<String>,
    pub per_agent: BTreeMap<String, u64>,
    pub shards: Vec<Shard>,
}

impl Manifest {
    /// Adds what another copy of the manifest (the repo's) records.
    pub fn merge(&mut self, other: Manifest) {
        self.sessions.extend(other.sessions);
        for shard in other.shards {
            if !self.shards.iter().any(|s| s.path == shard.path) {
                self.shards.push(shard);
            }
        }
        self.count_agents();
    }

    /// `per_agent` from the session keys (`agent/session_id`).
    fn count_agents(&mut self) {
        self.per_agent.clear();
        for key in &self.sessions {
            let agent = key.split_once('/').map_or(key.as_str(), |(a, _)| a);
            *self.per_agent.entry(agent.to_string()).or_default() += 1;
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Shard {
    /// The JSONL file.
    pub path: String,
    /// The same sessions as Parquet, when built with the `parquet` feature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parquet: Option<String>,
    pub sessions: u64,
    pub bytes: u64,
    pub sha256: String,
    pub pushed: i64,
}

pub struct Job {
    pub repo: String,
    pub file: PathBuf,
    pub private: bool,
    pub license: String,
    /// The `hf` program.
    pub hf: PathBuf,
    /// Build the folder and stop before uploading.
    pub dry_run: bool,
}

#[derive(Debug)]
pub struct Outcome {
    pub new_sessions: u64,
    pub already: u64,
    pub shards: Vec<Shard>,
    pub folder: Option<PathBuf>,
    pub total_sessions: usize,
}

/// `owner/name`, with the characters the Hub allows.
pub fn check_repo_id(repo: &str) -> anyhow::Result<()> {
    let ok = |p: &str| {
        !p.is_empty()
            && p.len() <= 96
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && !p.starts_with(['.', '-'])
    };
    match repo.split_once('/') {
        Some((o, n)) if ok(o) && ok(n) => Ok(()),
        _ => bail!("{repo:?} is not a dataset repo id (expected OWNER/NAME)"),
    }
}

fn manifest_path(repo: &str) -> anyhow::Result<PathBuf> {
    config::state_dir()
        .map(|d| {
            d.join("push")
                .join(format!("{}.json", repo.replace('/', "--")))
        })
        .context("no state directory (set XDG_STATE_HOME or HOME)")
}

/// Checks that the export was confirmed as it stands now.
pub fn check_confirmed(file: &Path) -> anyhow::Result<Confirmation> {
    let cpath = record::confirmation_path(file);
    if !cpath.exists() {
        bail!(
            "{} has not been confirmed: review it with `codercrucible confirm {}` first",
            file.display(),
            file.display()
        );
    }
    let c: Confirmation = record::read_json(&cpath)?;
    let now =
        super::sha256_file(file).with_context(|| format!("cannot read {}", file.display()))?;
    if now != c.sha256 {
        bail!(
            "{} changed after it was confirmed: run `codercrucible confirm` again",
            file.display()
        );
    }
    Ok(c)
}

pub fn push(job: &Job) -> anyhow::Result<Outcome> {
    check_repo_id(&job.repo)?;
    let confirmation = check_confirmed(&job.file)?;
    let mpath = manifest_path(&job.repo)?;
    let mut manifest: Manifest = if mpath.exists() {
        record::read_json(&mpath)?
    } else {
        Manifest {
            repo: job.repo.clone(),
            ..Manifest::default()
        }
    };
    let staging_root = mpath.with_extension("staging");
    let mut staged = stage(job, &staging_root, &manifest, &confirmation)?;
    if staged.1.is_empty() {
        let _ = std::fs::remove_dir_all(&staging_root);
        return Ok(Outcome {
            new_sessions: 0,
            already: staged.2,
            shards: staged.0,
            folder: None,
            total_sessions: manifest.sessions.len(),
        });
    }
    // Something is new here. The repo's own manifest may know more (pushed from another machine, or this
    // state directory was lost): what it lists is not pushed again, and its record is kept.
    let remote = match remote_manifest(job, &staging_root) {
        Ok(r) => r,
        // A dry run needs no `hf` and no network; it says what it could not check.
        Err(e) if job.dry_run => {
            eprintln!(
                "codercrucible: {e:#}\ncodercrucible: dry run: counting against the local manifest only"
            );
            None
        }
        Err(e) => return Err(e),
    };
    if let Some(remote) = remote {
        let known = staged.1.iter().any(|k| remote.sessions.contains(k));
        manifest.merge(remote);
        if known {
            staged = stage(job, &staging_root, &manifest, &confirmation)?;
        }
    }
    let (shards, new_keys, already) = staged;
    let new_sessions = new_keys.len() as u64;
    if new_sessions == 0 {
        let _ = std::fs::remove_dir_all(&staging_root);
        record::write_json(&mpath, &manifest)?;
        return Ok(Outcome {
            new_sessions,
            already,
            shards,
            folder: None,
            total_sessions: manifest.sessions.len(),
        });
    }
    manifest.sessions.extend(new_keys);
    manifest.count_agents();
    manifest.shards.extend(shards.iter().cloned());
    record::write_json(&staging_root.join(MANIFEST), &manifest)?;
    std::fs::write(
        staging_root.join("README.md"),
        dataset_card(&manifest, &job.license, &confirmation.scrub_rules),
    )?;
    if job.dry_run {
        return Ok(Outcome {
            new_sessions,
            already,
            shards,
            folder: Some(staging_root),
            total_sessions: manifest.sessions.len(),
        });
    }
    upload(job, &staging_root, new_sessions)?;
    record::write_json(&mpath, &manifest)?;
    let _ = std::fs::remove_dir_all(&staging_root);
    Ok(Outcome {
        new_sessions,
        already,
        shards,
        folder: None,
        total_sessions: manifest.sessions.len(),
    })
}

/// The shards written, the keys of the sessions in them, and how many sessions were already pushed.
type Shards = (Vec<Shard>, Vec<String>, u64);

/// A fresh staging folder with the shards of what `manifest` does not list.
fn stage(
    job: &Job,
    staging_root: &Path,
    manifest: &Manifest,
    confirmation: &Confirmation,
) -> anyhow::Result<Shards> {
    let _ = std::fs::remove_dir_all(staging_root);
    std::fs::create_dir_all(staging_root.join("data"))
        .with_context(|| format!("cannot create {}", staging_root.display()))?;
    write_shards(&job.file, staging_root, manifest, confirmation)
}

/// The repo's manifest, through `hf download`; `None` when the repo or the file does not exist yet.
fn remote_manifest(job: &Job, staging_root: &Path) -> anyhow::Result<Option<Manifest>> {
    let dir = staging_root.with_extension("remote");
    let _ = std::fs::remove_dir_all(&dir);
    let mut cmd = Command::new(&job.hf);
    cmd.arg("download")
        .arg(&job.repo)
        .arg(MANIFEST)
        .args(["--repo-type", "dataset", "--local-dir"])
        .arg(&dir);
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(hf_missing(job)),
        Err(e) => return Err(e).with_context(|| format!("cannot run {}", job.hf.display())),
    };
    let result = if out.status.success() {
        record::read_json(&dir.join(MANIFEST))
            .map(Some)
            .with_context(|| format!("the {MANIFEST} in {} is not readable", job.repo))
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        if stderr.to_lowercase().contains("not found") {
            Ok(None)
        } else {
            // Pushing without knowing what the repo holds could publish sessions twice.
            Err(anyhow::anyhow!(
                "cannot read {MANIFEST} from {} (`hf download` failed: {}); nothing was pushed",
                job.repo,
                stderr.trim()
            ))
        }
    };
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn hf_missing(job: &Job) -> String {
    format!(
        "the Hugging Face CLI `{}` is not installed: `pip install -U huggingface_hub` (or \
         `pipx install huggingface_hub`) provides `hf`; then `hf auth login` or set HF_TOKEN",
        job.hf.display()
    )
}

/// Reads the export, refusing anything not scrub-stamped, and writes the new sessions as shards.
fn write_shards(
    file: &Path,
    staging: &Path,
    manifest: &Manifest,
    confirmation: &Confirmation,
) -> anyhow::Result<Shards> {
    let f = File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut shards = Vec::new();
    let mut keys = Vec::new();
    let mut already = 0u64;
    let mut seen_now = BTreeSet::new();
    let mut current: Option<ShardWriter> = None;
    for (i, line) in BufReader::with_capacity(1 << 20, f)
        .split(b'\n')
        .enumerate()
    {
        let line = line?;
        let line = line.strip_suffix(b"\r").unwrap_or(&line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let s: Session = serde_json::from_slice(line)
            .with_context(|| format!("{}:{}: not a session", file.display(), i + 1))?;
        match scrub_stage::stamp_rules(s.meta.scrub.as_ref()) {
            None => bail!(
                "{}:{}: session {} has no valid cc-scrub stamp; refusing to publish unscrubbed data",
                file.display(),
                i + 1,
                s.meta.session_id
            ),
            Some(r) if r != confirmation.scrub_rules => bail!(
                "{}:{}: scrubbed with rule set {r}, but the confirmed export says {}",
                file.display(),
                i + 1,
                confirmation.scrub_rules
            ),
            Some(_) => {}
        }
        let key = format!("{}/{}", s.meta.source_agent, s.meta.session_id);
        if manifest.sessions.contains(&key) || !seen_now.insert(key.clone()) {
            already += 1;
            continue;
        }
        if current.as_ref().is_some_and(|c| c.bytes >= SHARD_BYTES) {
            shards.push(current.take().expect("checked").close()?);
        }
        let cur = match &mut current {
            Some(c) => c,
            None => current.insert(ShardWriter::create(staging, shards.len())?),
        };
        cur.push(line, &s)?;
        keys.push(key);
    }
    if let Some(c) = current.take() {
        shards.push(c.close()?);
    }
    Ok((shards, keys, already))
}

/// One shard being written: `data/train-<hash>.jsonl` (the sessions as confirmed, byte for byte) and, with
/// the `parquet` feature, `data/train-<hash>.parquet` (the same sessions as columns); named by the SHA-256 of
/// the JSONL once it is complete.
struct ShardWriter {
    staging: PathBuf,
    jsonl: BufWriter<File>,
    jsonl_tmp: PathBuf,
    #[cfg(feature = "parquet")]
    parquet: super::parquet_shard::ParquetShard,
    #[cfg(feature = "parquet")]
    parquet_tmp: PathBuf,
    hash: Sha256,
    bytes: u64,
    sessions: u64,
}

impl ShardWriter {
    fn create(staging: &Path, n: usize) -> anyhow::Result<ShardWriter> {
        let tmp = |ext: &str| staging.join("data").join(format!("shard-{n}.{ext}.tmp"));
        let jsonl_tmp = tmp("jsonl");
        #[cfg(feature = "parquet")]
        let parquet_tmp = tmp("parquet");
        Ok(ShardWriter {
            staging: staging.to_path_buf(),
            jsonl: BufWriter::new(File::create(&jsonl_tmp)?),
            jsonl_tmp,
            #[cfg(feature = "parquet")]
            parquet: super::parquet_shard::ParquetShard::create(File::create(&parquet_tmp)?)?,
            #[cfg(feature = "parquet")]
            parquet_tmp,
            hash: Sha256::new(),
            bytes: 0,
            sessions: 0,
        })
    }

    fn push(&mut self, line: &[u8], _session: &Session) -> anyhow::Result<()> {
        self.jsonl.write_all(line)?;
        self.jsonl.write_all(b"\n")?;
        self.hash.update(line);
        self.hash.update(b"\n");
        #[cfg(feature = "parquet")]
        self.parquet.push(_session)?;
        self.bytes += line.len() as u64 + 1;
        self.sessions += 1;
        Ok(())
    }

    fn close(mut self) -> anyhow::Result<Shard> {
        self.jsonl.flush()?;
        drop(self.jsonl);
        let sha = super::hex(&self.hash.finalize());
        let stem = format!("data/train-{}", &sha[..16]);
        let path = format!("{stem}.jsonl");
        std::fs::rename(&self.jsonl_tmp, self.staging.join(&path))?;
        #[cfg(feature = "parquet")]
        let parquet = {
            self.parquet.finish()?;
            let p = format!("{stem}.parquet");
            std::fs::rename(&self.parquet_tmp, self.staging.join(&p))?;
            Some(p)
        };
        #[cfg(not(feature = "parquet"))]
        let parquet = None;
        Ok(Shard {
            path,
            parquet,
            sessions: self.sessions,
            bytes: self.bytes,
            sha256: sha,
            pushed: super::now(),
        })
    }
}

fn upload(job: &Job, folder: &Path, new_sessions: u64) -> anyhow::Result<()> {
    let mut cmd = Command::new(&job.hf);
    cmd.arg("upload")
        .arg(&job.repo)
        .arg(folder)
        .arg(".")
        .args(["--repo-type", "dataset"])
        .arg("--commit-message")
        .arg(format!("codercrucible: add {new_sessions} sessions"));
    if job.private {
        cmd.arg("--private");
    }
    let status = match cmd.status() {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(hf_missing(job)),
        Err(e) => return Err(e).with_context(|| format!("cannot run {}", job.hf.display())),
    };
    if !status.success() {
        bail!(
            "`hf upload` failed ({status}); nothing was recorded as pushed, so the next push retries these sessions"
        );
    }
    Ok(())
}

fn size_category(n: usize) -> &'static str {
    match n {
        0..1_000 => "n<1K",
        1_000..10_000 => "1K<n<10K",
        10_000..100_000 => "10K<n<100K",
        100_000..1_000_000 => "100K<n<1M",
        _ => "1M<n<10M",
    }
}

/// The dataset card: YAML header (license, tags, configs, size) and a body with the counts.
pub fn dataset_card(m: &Manifest, license: &str, rules: &str) -> String {
    let total = m.sessions.len();
    let name = m.repo.rsplit('/').next().unwrap_or(&m.repo);
    let mut s = String::new();
    s.push_str("---\n");
    s.push_str(&format!("license: {}\n", yaml_scalar(license)));
    s.push_str(&format!("pretty_name: {}\n", yaml_scalar(name)));
    s.push_str("language:\n- en\n");
    s.push_str("task_categories:\n- text-generation\n");
    s.push_str("tags:\n- codercrucible\n- coding-agents\n- conversations\n- code\n");
    s.push_str(&format!("size_categories:\n- {}\n", size_category(total)));
    // The viewer and `datasets` read the Parquet shards; the JSONL ones are the exact v1 sessions.
    let config = |name: &str, ext: &str| {
        format!("- config_name: {name}\n  data_files:\n  - split: train\n    path: data/train-*.{ext}\n")
    };
    s.push_str("configs:\n");
    if m.shards.iter().any(|sh| sh.parquet.is_some()) {
        s.push_str(&config("default", "parquet"));
        s.push_str(&config("universal", "jsonl"));
    } else {
        s.push_str(&config("default", "jsonl"));
    }
    s.push_str("---\n\n");
    s.push_str(&format!("# {name}\n\n"));
    s.push_str(&format!(
        "Conversations with AI coding assistants, exported with CoderCrucible: \
         {total} sessions in {} shards. `data/train-*.jsonl` has one session per line in the universal schema v1 \
         (`meta` and `messages`); `data/train-*.parquet`, where present, has the same sessions as columns \
         (`messages` as a list of `role`, `content`, `timestamp`, `kind`, `thinking`, `tool_calls` as JSON text; \
         the whole `meta` as JSON text).\n\n",
        m.shards.len()
    ));
    s.push_str("| agent | sessions |\n|---|---:|\n");
    for (a, n) in &m.per_agent {
        s.push_str(&format!("| {a} | {n} |\n"));
    }
    s.push_str(&format!(
        "\nEvery session was scrubbed before publishing (secrets, personal data, home paths and logins, model \
         names, invisible characters) by `cc-scrub` with rule set `{rules}`, and reviewed with `codercrucible \
         confirm`; each carries the stamp in `meta.scrub`. `{MANIFEST}` lists the sessions and shards pushed so far; \
         new pushes add shards and never rewrite or delete earlier ones.\n"
    ));
    s
}

fn yaml_scalar(v: &str) -> String {
    if !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        v.to_string()
    } else {
        serde_json::to_string(v).expect("strings serialize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_ids() {
        assert!(check_repo_id("me/my-data_1.0").is_ok());
        for bad in ["me", "me/", "/x", "a/b/c", "me/../x", "me/x y", "-a/b"] {
            assert!(check_repo_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn card_has_yaml_header_with_counts() {
        let mut m = Manifest {
            repo: "me/sessions".into(),
            ..Manifest::default()
        };
        m.sessions.insert("codex/1".into());
        m.per_agent.insert("codex".into(), 1);
        let card = dataset_card(&m, "cc-by-4.0", "abc");
        assert!(card.starts_with("---\nlicense: cc-by-4.0\n"));
        assert!(card.contains("path: data/train-*.jsonl"));
        assert!(card.contains("- n<1K"));
        assert!(card.contains("| codex | 1 |"));
    }
}
