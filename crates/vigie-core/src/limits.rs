//! Documented input limits. An item over a limit is rejected with an [`crate::ItemError`]
//! naming the field and the limit; nothing else in the batch is lost.

/// Largest accepted `text` field, in UTF-8 bytes (1 MiB). Posts, even long page descriptions,
/// are far below this; a larger field is almost always a bug or an attack on the pipeline.
pub const MAX_TEXT_BYTES: usize = 1 << 20;

/// Largest accepted `id`, in bytes.
pub const MAX_ID_BYTES: usize = 512;

/// Largest accepted JSON line (one item), in bytes (4 MiB): room for the text limit plus
/// escapes, media references and context.
pub const MAX_LINE_BYTES: usize = 4 << 20;

/// Most media references accepted on one item.
pub const MAX_MEDIA: usize = 64;
