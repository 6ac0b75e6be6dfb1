//! Notices, interstitials and messages: one template per file and language
//! (`data/notices/<template>/<lang>.txt`), laws per country (`laws.tsv`) and per-language
//! phrases (`phrases.tsv`), rendered for one decision.
//!
//! A template file starts with front matter (`template`, `lang`, `status`: `machine-draft` or
//! `reviewed`) between `---` lines; the body uses the placeholders `{facts}`, `{law}`,
//! `{automated}`, `{helplines}` and `{appeal}`. `{appeal}` is left in the rendered text for the
//! platform to replace with its own appeal link. The language is chosen by the fallback chain:
//! the requested locale, then the item's language, then English.

use std::collections::HashMap;
use vigie_core::Notice;

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 5] = ["facts", "law", "automated", "helplines", "appeal"];

/// A notice file that failed to load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("notices {file}: {message}")]
pub struct NoticeError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

#[derive(Debug, Clone)]
struct Template {
    status: String,
    body: String,
}

#[derive(Debug, Clone)]
struct Law {
    law: String,
    helplines: String,
}

/// What a rendering fills in.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fill<'a> {
    /// The facts of the decision, one line each.
    pub facts: &'a [String],
    /// The author's country (ISO 3166-1 alpha-2), for the law and help lines.
    pub country: Option<&'a str>,
    /// Whether the decision was automated.
    pub automated: bool,
}

/// The loaded notices.
#[derive(Debug, Clone, Default)]
pub struct Notices {
    templates: HashMap<(String, String), Template>,
    laws: HashMap<String, Law>,
    phrases: HashMap<String, (String, String)>,
}

impl Notices {
    /// Loads notice files given as `(path relative to the notices directory, contents)`.
    pub fn from_files(files: &[(&str, &str)]) -> Result<Notices, NoticeError> {
        let mut notices = Notices::default();
        for (path, contents) in files {
            let fail = |message: String| NoticeError {
                file: path.to_string(),
                message,
            };
            match *path {
                "laws.tsv" => {
                    for (line, fields) in tsv(contents, 3).map_err(fail)? {
                        let _ = line;
                        notices.laws.insert(
                            fields[0].to_string(),
                            Law {
                                law: fields[1].to_string(),
                                helplines: fields[2].to_string(),
                            },
                        );
                    }
                }
                "phrases.tsv" => {
                    for (_, fields) in tsv(contents, 3).map_err(fail)? {
                        notices.phrases.insert(
                            fields[0].to_string(),
                            (fields[1].to_string(), fields[2].to_string()),
                        );
                    }
                }
                _ if path.ends_with(".txt") => {
                    let Some((template, file)) = path.rsplit_once('/') else {
                        continue;
                    };
                    let lang = file.trim_end_matches(".txt");
                    let parsed = parse_template(contents).map_err(fail)?;
                    if parsed.0 != template || parsed.1 != lang {
                        return Err(fail(format!(
                            "front matter says template `{}` lang `{}`, the path says `{template}` `{lang}`",
                            parsed.0, parsed.1
                        )));
                    }
                    notices.templates.insert(
                        (template.to_string(), lang.to_string()),
                        Template {
                            status: parsed.2,
                            body: parsed.3,
                        },
                    );
                }
                _ => {}
            }
        }
        if !notices.laws.contains_key("default") {
            return Err(NoticeError {
                file: "laws.tsv".to_string(),
                message: "needs a `default` row".to_string(),
            });
        }
        Ok(notices)
    }

    /// The templates and the languages each is written in.
    pub fn catalogue(&self) -> Vec<(String, Vec<String>)> {
        let mut by_template: HashMap<&str, Vec<String>> = HashMap::new();
        for (template, lang) in self.templates.keys() {
            by_template.entry(template).or_default().push(lang.clone());
        }
        let mut out: Vec<(String, Vec<String>)> = by_template
            .into_iter()
            .map(|(t, mut langs)| {
                langs.sort();
                (t.to_string(), langs)
            })
            .collect();
        out.sort();
        out
    }

    /// `true` if a template exists in at least one language.
    pub fn has_template(&self, template: &str) -> bool {
        self.templates.keys().any(|(t, _)| t == template)
    }

    /// Renders `template` in the first language of `langs` that has it, then English.
    /// `None` if the template does not exist at all.
    pub fn render(&self, template: &str, langs: &[&str], fill: Fill<'_>) -> Option<Notice> {
        let chosen = langs
            .iter()
            .map(|l| primary(l))
            .chain(std::iter::once("en"))
            .find(|l| {
                self.templates
                    .contains_key(&(template.to_string(), l.to_string()))
            })?;
        let entry = &self.templates[&(template.to_string(), chosen.to_string())];
        let law = fill
            .country
            .and_then(|c| self.laws.get(&c.to_ascii_uppercase()))
            .unwrap_or(&self.laws["default"]);
        let (automated, reviewed) = self
            .phrases
            .get(chosen)
            .or_else(|| self.phrases.get("en"))
            .cloned()
            .unwrap_or_else(|| {
                (
                    "with automated tools".to_string(),
                    "by a reviewer".to_string(),
                )
            });
        let facts = if fill.facts.is_empty() {
            String::new()
        } else {
            format!("- {}", fill.facts.join("\n- "))
        };
        let text = entry
            .body
            .replace("{facts}", &facts)
            .replace("{law}", &law.law)
            .replace("{helplines}", &law.helplines)
            .replace(
                "{automated}",
                if fill.automated {
                    &automated
                } else {
                    &reviewed
                },
            );
        Some(Notice {
            lang: chosen.to_string(),
            status: entry.status.clone(),
            text,
        })
    }
}

/// `fr-CI` → `fr`, `ar-Latn` → `ar`.
fn primary(lang: &str) -> &str {
    lang.split(['-', '_']).next().unwrap_or(lang)
}

type Parsed = (String, String, String, String);

fn parse_template(contents: &str) -> Result<Parsed, String> {
    let rest = contents
        .strip_prefix("---\n")
        .ok_or("must start with a `---` front-matter line")?;
    let (front, body) = rest
        .split_once("\n---\n")
        .ok_or("front matter must end with a `---` line")?;
    let mut fields: HashMap<&str, &str> = HashMap::new();
    for line in front.lines() {
        let (key, value) = line
            .split_once(':')
            .ok_or_else(|| format!("front-matter line `{line}` is not `key: value`"))?;
        fields.insert(key.trim(), value.trim());
    }
    let get = |key: &str| {
        fields
            .get(key)
            .map(|v| v.to_string())
            .ok_or_else(|| format!("front matter lacks `{key}`"))
    };
    let status = get("status")?;
    if status != "machine-draft" && status != "reviewed" {
        return Err(format!(
            "`status` is `{status}`, not `machine-draft` or `reviewed`"
        ));
    }
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').ok_or("a `{` without its `}`")?;
        let name = &rest[open + 1..open + close];
        if !PLACEHOLDERS.contains(&name) {
            return Err(format!(
                "unknown placeholder `{{{name}}}` (known: {})",
                PLACEHOLDERS.join(", ")
            ));
        }
        rest = &rest[open + close + 1..];
    }
    Ok((
        get("template")?,
        get("lang")?,
        status,
        body.trim().to_string(),
    ))
}

fn tsv(contents: &str, n: usize) -> Result<Vec<(usize, Vec<&str>)>, String> {
    let mut out = Vec::new();
    for (idx, line) in contents.lines().enumerate().skip(1) {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        if fields.len() != n {
            return Err(format!(
                "line {}: expected {n} tab-separated fields, found {}",
                idx + 1,
                fields.len()
            ));
        }
        out.push((idx + 1, fields));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notices() -> Notices {
        Notices::from_files(&[
            ("laws.tsv", "country\tlaw\thelplines\ndefault\tUN Protocol Art. 6\tIOM; UNHCR\nLY\tLibya Law No. 19 of 2010; UN Protocol Art. 6\tIOM Libya\n"),
            ("phrases.tsv", "lang\tautomated\treviewed\nen\twith automated tools\tby a reviewer\nfr\tà l'aide d'outils automatisés\tpar un modérateur\n"),
            ("smuggling.illegal/en.txt", "---\ntemplate: smuggling.illegal\nlang: en\nstatus: reviewed\n---\nRemoved.\n{facts}\nDecided {automated}. Law: {law}. Appeal: {appeal}\n"),
            ("smuggling.illegal/fr.txt", "---\ntemplate: smuggling.illegal\nlang: fr\nstatus: machine-draft\n---\nRetiré.\n{facts}\nDécision prise {automated}. Loi : {law}.\n"),
        ])
        .unwrap()
    }

    #[test]
    fn renders_with_the_fallback_chain() {
        let n = notices();
        let facts = vec!["phone +218912345678".to_string()];
        let fill = Fill {
            facts: &facts,
            country: Some("LY"),
            automated: true,
        };
        let fr = n
            .render("smuggling.illegal", &["fr-CI", "ar"], fill)
            .unwrap();
        assert_eq!(fr.lang, "fr");
        assert_eq!(fr.status, "machine-draft");
        assert!(fr.text.contains("- phone +218912345678"));
        assert!(fr.text.contains("Libya Law No. 19 of 2010"));
        assert!(fr.text.contains("à l'aide d'outils automatisés"));
        // Tigrinya asked, none written: the item's language, then English.
        let en = n.render("smuggling.illegal", &["ti", "ti"], fill).unwrap();
        assert_eq!(en.lang, "en");
        assert!(en.text.contains("{appeal}"), "left for the platform");
        assert!(n.render("nope", &["en"], fill).is_none());
    }

    #[test]
    fn bad_files_are_named() {
        let err = Notices::from_files(&[
            ("laws.tsv", "country\tlaw\thelplines\ndefault\tx\ty\n"),
            (
                "seeker.help/so.txt",
                "---\ntemplate: seeker.help\nlang: so\nstatus: draft\n---\nx\n",
            ),
        ])
        .unwrap_err();
        assert_eq!(err.file, "seeker.help/so.txt");
        assert!(err.message.contains("`status`"));
        let err = Notices::from_files(&[
            ("laws.tsv", "country\tlaw\thelplines\ndefault\tx\ty\n"),
            (
                "seeker.help/so.txt",
                "---\ntemplate: seeker.help\nlang: so\nstatus: reviewed\n---\n{phone}\n",
            ),
        ])
        .unwrap_err();
        assert!(
            err.message.contains("unknown placeholder `{phone}`"),
            "{err}"
        );
    }
}
