//! Reading the project's TSV data files: a header line, tab-separated fields, `#` comments.

use crate::DataError;

/// The data records of a TSV file as `(line number, fields)`, after checking that the header
/// and every record have exactly `n_fields` fields. Blank lines and `#` comments are skipped.
pub fn records<'a>(
    file: &str,
    contents: &'a str,
    n_fields: usize,
) -> Result<Vec<(usize, Vec<&'a str>)>, DataError> {
    let mut out = Vec::new();
    let mut header_seen = false;
    for (idx, line) in contents.lines().enumerate() {
        let line_no = idx + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        if fields.len() != n_fields {
            return Err(DataError::new(
                file,
                line_no,
                format!(
                    "expected {n_fields} tab-separated fields, found {}",
                    fields.len()
                ),
            ));
        }
        if !header_seen {
            header_seen = true;
            continue;
        }
        out.push((line_no, fields));
    }
    Ok(out)
}
