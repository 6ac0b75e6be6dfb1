//! Entities extracted from text: numbers, links, handles, payment identifiers, prices, places.

use serde::{Deserialize, Serialize};

/// Byte offsets `[start, end)` into the item's original `text` (UTF-8).
pub type Span = [usize; 2];

/// The kind of an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityType {
    /// A phone number; `value` is E.164.
    Phone,
    /// A WhatsApp link (wa.me, api.whatsapp.com, chat.whatsapp.com invite).
    Whatsapp,
    /// A Telegram link (t.me, telegram.me) or a handle given as Telegram.
    Telegram,
    /// A Viber link or number given as Viber.
    Viber,
    /// An `@handle` on an unspecified network.
    Handle,
    /// A money-transfer reference near its provider's name (Western Union MTCN, MoneyGram).
    MoneyTransfer,
    /// An IBAN whose checksum is valid.
    Iban,
    /// A checksummed crypto address (Bitcoin, TRON).
    Crypto,
    /// A price with its currency.
    Price,
    /// A place from the gazetteer.
    Place,
}

impl EntityType {
    /// Every entity type, in declaration order.
    pub const ALL: [EntityType; 10] = [
        EntityType::Phone,
        EntityType::Whatsapp,
        EntityType::Telegram,
        EntityType::Viber,
        EntityType::Handle,
        EntityType::MoneyTransfer,
        EntityType::Iban,
        EntityType::Crypto,
        EntityType::Price,
        EntityType::Place,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Phone => "phone",
            EntityType::Whatsapp => "whatsapp",
            EntityType::Telegram => "telegram",
            EntityType::Viber => "viber",
            EntityType::Handle => "handle",
            EntityType::MoneyTransfer => "money_transfer",
            EntityType::Iban => "iban",
            EntityType::Crypto => "crypto",
            EntityType::Price => "price",
            EntityType::Place => "place",
        }
    }
}

/// One extracted entity with where it was found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// The kind of entity.
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    /// The canonical value: E.164 for phones, the link or handle, `2900 LYD` for prices,
    /// the gazetteer name for places.
    pub value: String,
    /// The text as written in the item.
    pub raw: String,
    /// Where `raw` is in the original text.
    pub span: Span,
    /// ISO 3166-1 alpha-2 country (phones, IBANs, places), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// For phones: whether the number is valid (assigned range), not only possible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid: Option<bool>,
    /// For prices: the amount in the stated currency unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    /// For prices: ISO 4217 code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// For payment identifiers and links: the provider or network (`western_union`, `btc`,
    /// `tron`, `telegram`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// For places: `departure`, `transit`, `destination`, `hub`, `detention`, `finance`, `origin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

impl Entity {
    /// A new entity with only the required fields set.
    pub fn new(entity_type: EntityType, value: String, raw: String, span: Span) -> Entity {
        Entity {
            entity_type,
            value,
            raw,
            span,
            country: None,
            valid: None,
            amount: None,
            currency: None,
            provider: None,
            role: None,
        }
    }
}
