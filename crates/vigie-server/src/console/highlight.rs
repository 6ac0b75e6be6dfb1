//! The item's text cut into segments for display: evidence (lexicon terms, entities, places)
//! marked in place, and invisible direction controls shown as visible, inert markers.
//!
//! Segments are plain strings; the template escapes them. Nothing here produces markup.

use vigie_core::Span;

/// One piece of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The text of the piece (for a control character, its visible name).
    pub text: String,
    /// `None` for plain text; else the CSS class of the mark (`term-offer`, `entity-phone`,
    /// `bidi`).
    pub class: Option<String>,
    /// What the mark means, shown on hover (`offer: "passeur"`).
    pub title: String,
}

/// A span of evidence: where, its class and its meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// Byte offsets in the text.
    pub span: Span,
    /// CSS class.
    pub class: String,
    /// Hover text.
    pub title: String,
}

/// Unicode controls that reorder or hide text: a classic way to make a link or a number read
/// differently from what it is. They are shown by name, never applied.
pub(super) fn control_name(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{200B}' => "ZWSP",
        '\u{200E}' => "LRM",
        '\u{200F}' => "RLM",
        '\u{202A}' => "LRE",
        '\u{202B}' => "RLE",
        '\u{202C}' => "PDF",
        '\u{202D}' => "LRO",
        '\u{202E}' => "RLO",
        '\u{2066}' => "LRI",
        '\u{2067}' => "RLI",
        '\u{2068}' => "FSI",
        '\u{2069}' => "PDI",
        '\u{061C}' => "ALM",
        '\u{FEFF}' => "BOM",
        _ => return None,
    })
}

/// Cuts `text` into segments: marks win in order of start (an overlapping later mark is
/// dropped), spans off a character boundary or out of range are ignored, and direction
/// controls become their own visible segments wherever they are.
pub fn segments(text: &str, marks: &[Mark]) -> Vec<Segment> {
    let mut marks: Vec<&Mark> = marks
        .iter()
        .filter(|m| {
            let [start, end] = m.span;
            start < end
                && end <= text.len()
                && text.is_char_boundary(start)
                && text.is_char_boundary(end)
        })
        .collect();
    marks.sort_by_key(|m| (m.span[0], std::cmp::Reverse(m.span[1])));
    let mut out = Vec::new();
    let mut at = 0;
    for mark in marks {
        let [start, end] = mark.span;
        if start < at {
            continue;
        }
        plain(&text[at..start], None, "", &mut out);
        plain(
            &text[start..end],
            Some(mark.class.as_str()),
            &mark.title,
            &mut out,
        );
        at = end;
    }
    plain(&text[at..], None, "", &mut out);
    out
}

/// Pushes `text` with one class, splitting out direction controls.
fn plain(text: &str, class: Option<&str>, title: &str, out: &mut Vec<Segment>) {
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut Vec<Segment>| {
        if !run.is_empty() {
            out.push(Segment {
                text: std::mem::take(run),
                class: class.map(str::to_string),
                title: title.to_string(),
            });
        }
    };
    for c in text.chars() {
        match control_name(c) {
            Some(name) => {
                flush(&mut run, out);
                out.push(Segment {
                    text: format!("[{name}]"),
                    class: Some("bidi".to_string()),
                    title: format!(
                        "invisible control U+{:04X} ({name}) in the original text, shown and not applied",
                        c as u32
                    ),
                });
            }
            None => run.push(c),
        }
    }
    flush(&mut run, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(start: usize, end: usize, class: &str) -> Mark {
        Mark {
            span: [start, end],
            class: class.to_string(),
            title: class.to_string(),
        }
    }

    #[test]
    fn evidence_is_marked_in_place_in_arabic() {
        let text = "رحلة إلى لامبيدوزا اتصل 0912345678";
        let trip = text.find("رحلة").unwrap();
        let phone = text.find("0912345678").unwrap();
        let segs = segments(
            text,
            &[
                mark(phone, text.len(), "entity-phone"),
                mark(trip, trip + "رحلة".len(), "term-offer"),
            ],
        );
        let joined: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(joined, text);
        assert_eq!(segs[0].class.as_deref(), Some("term-offer"));
        assert_eq!(segs[0].text, "رحلة");
        assert_eq!(segs.last().unwrap().class.as_deref(), Some("entity-phone"));
    }

    #[test]
    fn overlapping_and_broken_spans_are_dropped_not_panicking() {
        let text = "passeur Zuwara";
        let segs = segments(
            text,
            &[
                mark(0, 7, "term-actor"),
                mark(3, 10, "term-offer"),
                mark(2, 99, "x"),
            ],
        );
        assert_eq!(segs.len(), 2);
        assert_eq!(segs[0].text, "passeur");
        // A span inside a multi-byte character is ignored.
        let segs = segments("ሰላም", &[mark(1, 3, "x")]);
        assert_eq!(segs.len(), 1);
        assert_eq!(segs[0].class, None);
    }

    #[test]
    fn direction_overrides_are_shown_by_name() {
        let text = "click \u{202E}gnp.exe\u{202C} now";
        let segs = segments(text, &[]);
        let classes: Vec<Option<&str>> = segs.iter().map(|s| s.class.as_deref()).collect();
        assert_eq!(
            classes,
            [None, Some("bidi"), None, Some("bidi"), None],
            "{segs:?}"
        );
        assert_eq!(segs[1].text, "[RLO]");
        assert!(segs.iter().all(|s| !s.text.contains('\u{202E}')));
    }
}
