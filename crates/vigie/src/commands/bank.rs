//! `vigie bank`: create, fill, import, export, list and match hash banks.

use super::{output, Status};
use crate::args::BankCommand;
use crate::media::{self, Content};
use anyhow::{bail, Context};
use serde_json::json;
use std::io::Write;
use std::path::Path;
use vigie_core::Hash256;
use vigie_index::{
    parse_label, BankSet, EntryKind, EntryValue, ExportOptions, Format, ImportOptions, NewEntry,
};
use vigie_media::decode::DecodeLimits;
use vigie_media::vpdq::VpdqOptions;

pub fn run(command: BankCommand) -> anyhow::Result<Status> {
    match command {
        BankCommand::Create {
            name,
            label,
            description,
            dir,
        } => {
            let label = parse_label(&label)?;
            vigie_index::validate_bank_name(&name)?;
            let mut set = open(&dir.banks)?;
            set.create_bank(&name, label, &description)?;
            eprintln!(
                "created bank {name} ({}) in {}",
                label.as_str(),
                dir.banks.display()
            );
            Ok(Status::Clean)
        }
        BankCommand::Add {
            name,
            values,
            files,
            kind,
            source,
            tags,
            dir,
        } => {
            let mut set = open_existing(&dir.banks)?;
            let bank = set.require_mut(&name)?;
            let kind = parse_kind(kind)?;
            let mut new = Vec::new();
            for v in &values {
                let kind = kind.unwrap_or(if v.len() == 32 {
                    EntryKind::Md5
                } else {
                    EntryKind::Pdq
                });
                new.push((v.clone(), EntryValue::parse(kind, v)?));
            }
            let mut failed = 0;
            for f in &files {
                match media::hash_file(f, &DecodeLimits::default(), &VpdqOptions::default()) {
                    Ok(h) => {
                        let perceptual = match h.content {
                            Content::Image(image) => {
                                let pdq = image.pdq;
                                if pdq.quality < vigie_media::pdq::MIN_USEFUL_QUALITY {
                                    eprintln!("vigie: {}: PDQ quality {} is low: the hash may match unrelated images", f.display(), pdq.quality);
                                }
                                EntryValue::Pdq(pdq.hashes[0])
                            }
                            Content::Video { frames } => EntryValue::Vpdq(frames),
                        };
                        new.push((f.display().to_string(), perceptual));
                        new.push((
                            f.display().to_string(),
                            EntryValue::parse(EntryKind::Md5, &h.digests.md5)?,
                        ));
                    }
                    Err(e) => {
                        failed += 1;
                        eprintln!("vigie: {}: {e}", f.display());
                    }
                }
            }
            if new.is_empty() && failed == 0 {
                bail!("nothing to add: give hash values or --file FILE");
            }
            for (what, value) in new {
                let mut entry = NewEntry::new(value, source.clone());
                entry.tags = tags.clone();
                match bank.add(entry) {
                    Ok(id) => println!("{}", json!({"bank": name, "entry": id, "added": what})),
                    Err(e) => {
                        failed += 1;
                        eprintln!("vigie: {what}: {e}");
                    }
                }
            }
            Ok(if failed > 0 {
                Status::SkippedLines
            } else {
                Status::Clean
            })
        }
        BankCommand::Import {
            name,
            file,
            format,
            kind,
            source,
            tags,
            dir,
        } => {
            let mut set = open_existing(&dir.banks)?;
            let bank = set.require_mut(&name)?;
            let opts = ImportOptions {
                format: format.as_deref().map(parse_format).transpose()?,
                kind: parse_kind(kind)?,
                source,
                tags,
            };
            let report = bank.import_file(&file, &opts)?;
            for issue in &report.skipped {
                eprintln!("vigie: {}:{issue}", file.display());
            }
            eprintln!(
                "{}: {} added, {} duplicates, {} lines skipped (format {})",
                file.display(),
                report.added,
                report.duplicates,
                report.skipped.len(),
                report.format.map_or("none", |f| f.as_str())
            );
            Ok(if report.skipped.is_empty() {
                Status::Clean
            } else {
                Status::SkippedLines
            })
        }
        BankCommand::Export {
            name,
            format,
            kind,
            out,
            dir,
        } => {
            let set = open_existing(&dir.banks)?;
            let bank = set
                .bank(&name)
                .with_context(|| format!("no bank named {name} in {}", dir.banks.display()))?;
            let mut opts = ExportOptions::new(parse_format(&format)?);
            opts.kind = parse_kind(kind)?;
            let written = match &out {
                Some(path) => bank.export_file(path, &opts)?,
                None => {
                    let mut w = output(None)?;
                    let n = bank.export(&mut w, &opts)?;
                    w.flush()?;
                    n
                }
            };
            eprintln!("{written} entries exported from {name}");
            Ok(Status::Clean)
        }
        BankCommand::List { name, dir } => {
            let set = open_existing(&dir.banks)?;
            let mut out = output(None)?;
            match name {
                Some(name) => {
                    let bank = set
                        .bank(&name)
                        .with_context(|| format!("no bank named {name}"))?;
                    for e in bank.entries() {
                        writeln!(out, "{}", e.to_json_line())?;
                    }
                }
                None => {
                    for b in set.banks() {
                        let kinds: serde_json::Map<String, serde_json::Value> = b
                            .kind_counts()
                            .into_iter()
                            .map(|(k, n)| (k.as_str().to_string(), n.into()))
                            .collect();
                        let line = json!({"bank": b.name(), "label": b.label().as_str(), "entries": b.len(),
                            "kinds": kinds, "description": b.description(), "created": b.created()});
                        writeln!(out, "{line}")?;
                    }
                }
            }
            out.flush()?;
            Ok(Status::Clean)
        }
        BankCommand::Remove {
            name,
            id,
            disable,
            enable,
            dir,
        } => {
            let mut set = open_existing(&dir.banks)?;
            let bank = set.require_mut(&name)?;
            let found = if disable || enable {
                bank.set_enabled(id, enable)?
            } else {
                bank.remove(id)?
            };
            if !found {
                bail!("bank {name} has no entry {id}");
            }
            let what = if disable {
                "disabled"
            } else if enable {
                "enabled"
            } else {
                "removed"
            };
            eprintln!("entry {id} of {name} {what}");
            Ok(Status::Clean)
        }
        BankCommand::Match {
            queries,
            radius,
            dihedral,
            dir,
        } => {
            let set = open_existing(&dir.banks)?;
            let mut out = output(None)?;
            let mut any = false;
            for q in &queries {
                let matches = match_one(&set, q, radius, dihedral)
                    .with_context(|| format!("matching {q}"))?;
                any |= !matches.is_empty();
                writeln!(out, "{}", json!({"query": q, "matches": matches}))?;
            }
            out.flush()?;
            Ok(if any {
                Status::Clean
            } else {
                Status::SkippedLines
            })
        }
    }
}

/// One query: a hex hash, or a media file to hash.
fn match_one(
    set: &BankSet,
    query: &str,
    radius: u32,
    dihedral: bool,
) -> anyhow::Result<Vec<vigie_index::BankMatch>> {
    let path = Path::new(query);
    if !path.exists() {
        return Ok(match query.len() {
            32 => set.match_md5(query)?,
            64 => {
                let h: Hash256 = query.parse()?;
                let mut m = set.match_pdq(&h, radius)?;
                m.extend(set.match_sha256(query)?);
                m
            }
            _ => bail!("not a file, a PDQ hash (64 hex) or an MD5 (32 hex)"),
        });
    }
    let hashed = media::hash_file(path, &DecodeLimits::default(), &VpdqOptions::default())
        .map_err(anyhow::Error::msg)?;
    let mut matches = set.match_sha256(&hashed.digests.sha256)?;
    matches.extend(set.match_md5(&hashed.digests.md5)?);
    match hashed.content {
        Content::Image(image) => {
            let pdq = image.pdq;
            let queries = if dihedral {
                &pdq.hashes[..]
            } else {
                &pdq.hashes[..1]
            };
            matches.extend(set.match_pdq_any(queries, radius)?);
        }
        Content::Video { frames } => {
            let t = vigie_index::VpdqThresholds::default();
            matches.extend(set.match_video(
                &frames,
                &t,
                vigie_index::PYTX_QUERY_MATCH_THRESHOLD_PERCENT,
                vigie_index::PYTX_INDEX_MATCH_THRESHOLD_PERCENT,
            ));
        }
    }
    Ok(matches)
}

/// Opens (or creates) a banks directory, reporting what could not be loaded.
fn open(dir: &Path) -> anyhow::Result<BankSet> {
    let set =
        BankSet::open(dir).with_context(|| format!("opening the banks in {}", dir.display()))?;
    for p in set.load_problems() {
        match p.line {
            Some(line) => eprintln!("vigie: {}:{line}: {} (skipped)", p.file.display(), p.reason),
            None => eprintln!("vigie: {}: {} (skipped)", p.file.display(), p.reason),
        }
    }
    Ok(set)
}

/// Opens a banks directory that must exist.
pub fn open_existing(dir: &Path) -> anyhow::Result<BankSet> {
    if !dir.is_dir() {
        bail!("no banks directory {} (make one with `vigie bank create NAME --label LABEL --banks {}`)", dir.display(), dir.display());
    }
    open(dir)
}

fn parse_kind(kind: Option<String>) -> anyhow::Result<Option<EntryKind>> {
    kind.map(|k| k.parse::<EntryKind>())
        .transpose()
        .map_err(anyhow::Error::msg)
}

fn parse_format(format: &str) -> anyhow::Result<Format> {
    format.parse::<Format>().map_err(anyhow::Error::msg)
}
