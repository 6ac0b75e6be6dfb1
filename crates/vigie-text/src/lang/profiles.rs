//! Function-word profiles: the short, frequent words that give a language away.
//!
//! Words are in normalised form (lowercase, Latin diacritics stripped, Arabic folded). A word
//! shared by two languages votes for both. Lists are short on purpose: they are evidence for a
//! vote, not a dictionary.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

const ENGLISH: &[&str] = &[
    "the", "and", "is", "are", "to", "of", "for", "you", "with", "this", "that", "have", "we",
    "in", "on", "my", "your", "from", "will", "not", "who", "what", "anyone", "know", "please",
    "was", "were", "they", "our", "has", "it", "be", "there", "people", "how", "want", "need",
    "any", "can", "been", "would", "about", "his", "her", "he", "she", "by", "at", "or",
];
const FRENCH: &[&str] = &[
    "le", "la", "les", "de", "des", "un", "une", "et", "est", "pour", "avec", "dans", "je", "tu",
    "nous", "vous", "qui", "que", "pas", "sur", "du", "au", "aux", "mon", "ma", "mes", "cherche",
    "suis", "sont", "il", "elle", "ce", "cette", "moi", "svp", "merci", "aussi", "tres", "depuis",
    "vers", "par", "mais", "ou", "quel", "quelle", "faut", "veux", "ont", "avoir", "leur",
];
const ITALIAN: &[&str] = &[
    "il", "lo", "gli", "di", "che", "per", "con", "sono", "una", "uno", "della", "del", "dei",
    "nel", "alla", "questo", "come", "anche", "ma", "cerco", "quanto", "costa", "viaggio", "ci",
    "non", "da", "sul", "hanno", "perche", "dalla", "degli", "essere", "siamo",
];
const SPANISH: &[&str] = &[
    "el", "los", "las", "de", "que", "por", "con", "para", "una", "uno", "es", "del", "al", "como",
    "pero", "busco", "cuanto", "cuesta", "y", "muy", "esta", "estan", "somos", "hay", "nosotros",
    "ustedes", "tambien", "donde", "quien", "viaje", "desde", "hasta",
];
const PORTUGUESE: &[&str] = &[
    "o", "os", "as", "um", "uma", "do", "da", "dos", "das", "em", "no", "na", "que", "para", "com",
    "nao", "voce", "muito", "tambem", "estou", "sao",
];
const GERMAN: &[&str] = &[
    "der", "die", "das", "und", "ist", "nicht", "ich", "sie", "wir", "mit", "fur", "auf", "ein",
    "eine", "zu", "von", "den", "dem", "auch", "wie", "nach",
];
const TURKISH: &[&str] = &[
    "ve",
    "bir",
    "bu",
    "icin",
    "ile",
    "cok",
    "var",
    "yok",
    "gibi",
    "ama",
    "olarak",
    "daha",
    "kisi",
    "fiyat",
    "basi",
    "yazin",
    "ne",
    "mi",
    "degil",
    "olan",
    "her",
    "sonra",
    "kadar",
    "gecis",
    "yunanistan",
    "istanbul",
];
const SOMALI: &[&str] = &[
    "iyo",
    "waa",
    "ku",
    "ka",
    "ayaa",
    "oo",
    "waxaan",
    "waxay",
    "waxaa",
    "ee",
    "si",
    "aan",
    "ma",
    "hadii",
    "lacag",
    "walaal",
    "walaalkay",
    "hooyo",
    "inaan",
    "kuwa",
    "ayuu",
    "ayay",
    "soo",
    "laga",
    "lagu",
    "wax",
    "dhan",
    "aad",
    "xagee",
    "maxaa",
    "baan",
    "haddii",
    "dadka",
    "uu",
    "waxuu",
    "wuxuu",
    "ahayd",
    "yahay",
    "qof",
    "kale",
    "rabaan",
    "hayaa",
    "wiilkeyga",
    // Greetings and everyday words of short posts and reports ("Salaan, sawirkan eeg" was
    // read as Dutch).
    "salaan",
    "eeg",
    "fadlan",
    "sawir",
    "sawirkan",
    "sawirka",
    "mahadsanid",
];
const HAUSA: &[&str] = &[
    "da", "ne", "ce", "ba", "ya", "ta", "mu", "su", "kuma", "zuwa", "amma", "wannan", "akwai",
    "yana", "suna", "shi", "ita", "mai", "cikin", "daga", "babu", "tafiya", "kudi", "ina", "yaya",
    "sannu", "wani", "dan", "don", "allah", "ku", "min", "mana", "kasar", "aiki", "taimaka",
    "turai", "yanzu", "sai", "za", "zai", "muna", "masu", "nan",
];
const WOLOF: &[&str] = &[
    "dafa", "dama", "ci", "ak", "bi", "yi", "mi", "gi", "nga", "naa", "ngi", "nanga", "def",
    "jerejef", "waaw", "deet", "dem", "xam", "begg", "nit", "nu", "danu", "gaal", "ndax", "lan",
    "sama", "rekk", "yow", "moo", "dinaa", "dinanu", "fii", "tey", "leegi", "seen", "sunu", "doom",
    "yalla", "jang", "xaalis", "mbekk", "mbeuk", "boroom", "dafay", "dinga",
];
const PIDGIN: &[&str] = &[
    "dey", "una", "wetin", "abeg", "sabi", "pikin", "wahala", "comot", "wey", "sef", "oya", "dem",
    "na", "im", "wan", "don", "oga", "dis", "dat", "waka", "chop", "sha", "jare", "di", "pesin",
    "abi", "shey", "wen", "gree",
];
const ARABIZI: &[&str] = &[
    "w",
    "fi",
    "ila",
    "men",
    "mn",
    "bech",
    "bach",
    "nta",
    "enti",
    "ana",
    "rani",
    "wach",
    "wesh",
    "kifach",
    "chkoun",
    "chkon",
    "chnowa",
    "ya",
    "khouya",
    "khoya",
    "sahbi",
    "inchallah",
    "nchallah",
    "wallah",
    "yalla",
    "mouch",
    "mech",
    "barcha",
    "bzaf",
    "brabi",
    "nheb",
    "nbi",
    "famma",
    "kayen",
    "kayn",
    "lazem",
    "bghit",
    "nroh",
    "nemchi",
    "fel",
    "mel",
    "bel",
    "elli",
    "lli",
    "hadi",
    "hada",
    "kifech",
    "kif",
    "ghir",
    "walou",
    "flous",
    "drahem",
    "bled",
    "lbled",
    "jma",
    "hna",
    "ntouma",
    "homa",
    "l",
    "el",
    "b",
    "el7",
    "mta",
    "mte",
    "hedha",
];

/// Tigrinya function words (Ge'ez script).
pub const TIGRINYA_WORDS: &[&str] = &[
    "ኣብ",
    "ናብ",
    "እዩ",
    "ኢዩ",
    "ኣሎ",
    "ኢና",
    "ከም",
    "ግን",
    "ዝኾነ",
    "እንተ",
    "ኣለኩም",
    "ኣሎና",
    "ንስኻ",
    "ንሕና",
    "ሓውና",
    "ሓወይ",
    "ክትሰዱ",
    "ዘለዉ",
    "እዚ",
    "ብዘይ",
    "ኩሉ",
    "ምስ",
    "ካብ",
];
/// Amharic function words (Ge'ez script).
pub const AMHARIC_WORDS: &[&str] = &[
    "ነው",
    "ወደ",
    "እና",
    "ላይ",
    "ውስጥ",
    "ነበር",
    "አለ",
    "ይህ",
    "የሚሄድ",
    "ማን",
    "ከ",
    "ግን",
    "ናቸው",
    "እኔ",
    "እኛ",
    "አንተ",
    "ብር",
    "የለም",
    "ስራ",
    "ሥራ",
];
/// Persian/Dari function words (normalised: ی → ي, ک → ك). Words Arabic also uses (ما, هم,
/// تا, با) are left out. Words Arabic also uses (ما, هم,
/// تا) are left out.
pub const PERSIAN_WORDS: &[&str] = &[
    "است",
    "را",
    "كه",
    "از",
    "اين",
    "مي",
    "براي",
    "شما",
    "هست",
    "نيست",
    "بود",
    "كرد",
    "ميخواهم",
    "ميشود",
    "يك",
    "گفت",
    "ميكنم",
    "نميشود",
    "چطور",
    "چه",
];
/// Arabic function words (normalised).
pub const ARABIC_WORDS: &[&str] = &[
    "في",
    "من",
    "الي",
    "علي",
    "عن",
    "هذا",
    "هذه",
    "التي",
    "الذي",
    "مع",
    "كان",
    "لا",
    "ما",
    "هو",
    "هي",
    "نحن",
    "انا",
    "شكون",
    "نبي",
    "عايز",
    "بدي",
    "واش",
    "كيفاش",
    "برشا",
    "ياسر",
    "متاع",
    "تاع",
    "حتي",
    "بعد",
    "قبل",
    "كل",
    "او",
    "ان",
    "لم",
    "قد",
    "الله",
];

/// FNV-1a: the tables are keyed by short words, where SipHash's setup costs more than the
/// lookup itself (measured in the `language` bench).
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;
type Table = FnvMap<&'static str, Vec<&'static str>>;

/// Which script-specific word list a word belongs to (Ge'ez and Arabic-script languages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptWord {
    /// A Tigrinya function word.
    Tigrinya,
    /// An Amharic function word.
    Amharic,
    /// A Persian or Dari function word.
    Persian,
    /// An Arabic function word.
    Arabic,
}

/// Looks a word up in the script-specific lists.
pub fn script_word(word: &str) -> Option<ScriptWord> {
    static TABLE: OnceLock<FnvMap<&'static str, ScriptWord>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut table = FnvMap::default();
        for (words, kind) in [
            (ARABIC_WORDS, ScriptWord::Arabic),
            (PERSIAN_WORDS, ScriptWord::Persian),
            (AMHARIC_WORDS, ScriptWord::Amharic),
            (TIGRINYA_WORDS, ScriptWord::Tigrinya),
        ] {
            for word in words {
                table.insert(*word, kind);
            }
        }
        table
    });
    table.get(word).copied()
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = Table::default();
        for (code, words) in [
            ("en", ENGLISH),
            ("fr", FRENCH),
            ("it", ITALIAN),
            ("es", SPANISH),
            ("pt", PORTUGUESE),
            ("de", GERMAN),
            ("tr", TURKISH),
            ("so", SOMALI),
            ("ha", HAUSA),
            ("wo", WOLOF),
            ("pcm", PIDGIN),
            ("ar-Latn", ARABIZI),
        ] {
            for word in words {
                table.entry(word).or_default().push(code);
            }
        }
        table
    })
}

/// Votes per language.
#[derive(Debug, Default)]
pub struct Votes {
    counts: Vec<(&'static str, usize)>,
    words: usize,
}

impl Votes {
    /// Adds `n` votes for `code`.
    pub fn add(&mut self, code: &'static str, n: usize) {
        if n == 0 {
            return;
        }
        match self.counts.iter_mut().find(|(c, _)| *c == code) {
            Some((_, count)) => *count += n,
            None => self.counts.push((code, n)),
        }
    }

    /// The language with the most votes and its count (after [`Votes::decide`] sorted them).
    pub fn leader(&self) -> Option<(&'static str, usize)> {
        self.counts.first().copied()
    }

    /// The winner, if it has at least two votes and leads the runner-up clearly.
    pub fn decide(&mut self) -> Option<(&'static str, f32)> {
        self.counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let (code, best) = *self.counts.first()?;
        let second = self.counts.get(1).map_or(0, |c| c.1);
        if best < 2 || best * 4 < second * 5 {
            return None;
        }
        let confidence = (best - second) as f32 / (self.words.max(1) as f32).max(best as f32);
        Some((code, (0.3 + confidence).min(1.0)))
    }
}

/// `true` for the European languages `whichlang` is asked about.
pub fn is_european(code: &str) -> bool {
    matches!(code, "en" | "fr" | "it" | "es" | "pt" | "de" | "nl" | "tr")
}

/// Counts function words per language in normalised Latin text. Words with an Arabizi digit
/// (`7arga`, `3la`) vote for Arabizi twice.
pub fn vote(normalized: &str) -> Votes {
    let table = table();
    let mut votes = Votes::default();
    for word in normalized
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
    {
        votes.words += 1;
        if crate::normalize::arabizi::has_arabizi_digit(word) {
            votes.add("ar-Latn", 2);
            continue;
        }
        if let Some(codes) = table.get(word) {
            for code in codes {
                votes.add(code, 1);
            }
        }
    }
    votes
}
