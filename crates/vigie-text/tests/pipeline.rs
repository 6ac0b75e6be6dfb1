//! The text pipeline on realistic, invented multilingual content, with the repository's own
//! lexicon and gazetteer. Cases are tables: input, then what a user would see.

use std::path::Path;
use std::sync::OnceLock;
use vigie_core::{Entity, EntityType};
use vigie_text::gazetteer::Gazetteer;
use vigie_text::lexicon::Lexicon;
use vigie_text::normalize::normalize;
use vigie_text::{Analyzer, Hints};

fn analyzer() -> &'static Analyzer {
    static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
    ANALYZER.get_or_init(|| {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
        let mut files = Vec::new();
        for entry in std::fs::read_dir(data.join("lexicon")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "tsv") {
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                files.push((name, std::fs::read_to_string(&path).unwrap()));
            }
        }
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, c)| (n.as_str(), c.as_str()))
            .collect();
        let lexicon = Lexicon::from_tsv(&refs).unwrap();
        let places = std::fs::read_to_string(data.join("places.tsv")).unwrap();
        let gazetteer = Gazetteer::from_tsv("places.tsv", &places).unwrap();
        Analyzer::new(lexicon, gazetteer)
    })
}

fn entities(text: &str, country: Option<&str>) -> Vec<Entity> {
    analyzer().analyze(text, Hints { country }).entities
}

/// `(value, raw)` of the entities of one type.
fn found(text: &str, country: Option<&str>, entity_type: EntityType) -> Vec<(String, String)> {
    entities(text, country)
        .into_iter()
        .filter(|e| e.entity_type == entity_type)
        .map(|e| (e.value, e.raw))
        .collect()
}

fn values(text: &str, country: Option<&str>, entity_type: EntityType) -> Vec<String> {
    found(text, country, entity_type)
        .into_iter()
        .map(|(v, _)| v)
        .collect()
}

#[test]
fn spans_point_at_the_original_text() {
    let text = "بلاصة ب ٢٩٠٠ دينار، واتس ٠٩١ ٢٣٤ ٥٦٧٨ من زوارة";
    for entity in entities(text, Some("LY")) {
        assert_eq!(
            &text[entity.span[0]..entity.span[1]],
            entity.raw,
            "{entity:?}"
        );
    }
}

#[test]
fn phone_numbers_however_written() {
    let cases: &[(&str, Option<&str>, &str)] = &[
        ("واتس 0912345678 للجادين فقط", None, "+218912345678"),
        ("رقمي ٠٩١ ٢٣٤ ٥٦٧٨ واتس", Some("LY"), "+218912345678"),
        ("د تماس شمیره ۰۷۰ ۱۲۳ ۴۵۶۷", Some("AF"), "+93701234567"),
        ("call 0 9 1 2 3 4 5 6 7 8 now", Some("LY"), "+218912345678"),
        ("3al whatsapp 98.453.127 👍", Some("TN"), "+21698453127"),
        ("contact +216-98-453-127", None, "+21698453127"),
        ("appelle O91-234-5678 vite", Some("LY"), "+218912345678"),
        ("numero 091 234 567o", Some("LY"), "+218912345670"),
        ("whatsapp 00218 91 234 5678", None, "+218912345678"),
        (
            "zero nine one two three four five six seven eight on whatsapp",
            Some("LY"),
            "+218912345678",
        ),
        (
            "appelez zéro six un deux trois quatre cinq six sept huit",
            Some("FR"),
            "+33612345678",
        ),
        (
            "اتصل صفر تسعة واحد اثنين ثلاثة أربعة خمسة ستة سبعة ثمانية",
            Some("LY"),
            "+218912345678",
        ),
        ("woté ma ci 77 123 45 67", Some("SN"), "+221771234567"),
        ("scrivimi al +39 347 123 4567", None, "+393471234567"),
        (
            "０９１２３４５６７８ fullwidth",
            Some("LY"),
            "+218912345678",
        ),
        ("WhatsApp 218912345678 only", None, "+218912345678"),
        ("যোগাযোগ ০১৭১২ ৩৪৫৬৭৮", Some("BD"), "+8801712345678"),
    ];
    for (text, country, expected) in cases {
        assert_eq!(
            values(text, *country, EntityType::Phone),
            [*expected],
            "{text}"
        );
    }
}

#[test]
fn phone_numbers_carry_country_and_validity() {
    let phones: Vec<Entity> = entities("rappelle au 06 39 98 12 34 ou 0612345678", Some("FR"))
        .into_iter()
        .filter(|e| e.entity_type == EntityType::Phone)
        .collect();
    assert_eq!(phones.len(), 2);
    // A range reserved for fiction: possible, not valid, still reported.
    assert_eq!(phones[0].value, "+33639981234");
    assert_eq!(phones[0].valid, Some(false));
    assert_eq!(phones[1].valid, Some(true));
    assert_eq!(phones[1].country.as_deref(), Some("FR"));
}

#[test]
fn numbers_that_are_not_phones() {
    for text in [
        "Departure 2026-11-28 at 22:00",
        "we were 310 people on the boat in 2016",
        "prix 2 900 dinars par personne",
    ] {
        assert!(
            values(text, Some("LY"), EntityType::Phone).is_empty(),
            "{text}"
        );
    }
}

#[test]
fn whatsapp_links() {
    let cases: &[(&str, &str)] = &[
        ("wa.me/218912345678", "https://wa.me/218912345678"),
        (
            "https://wa.me/+218912345678?text=salam",
            "https://wa.me/218912345678",
        ),
        ("WWW.WA.ME/21698453127 !!", "https://wa.me/21698453127"),
        (
            "api.whatsapp.com/send?phone=21698453127",
            "https://wa.me/21698453127",
        ),
        (
            "https://api.whatsapp.com/send/?phone=%2B218912345678&text=hi",
            "https://wa.me/218912345678",
        ),
        (
            "join chat.whatsapp.com/AbCdEf123XyZ now",
            "https://chat.whatsapp.com/AbCdEf123XyZ",
        ),
        (
            "https://chat.whatsapp.com/GhIjKl456",
            "https://chat.whatsapp.com/GhIjKl456",
        ),
        ("للتواصل wa.me/218912345678.", "https://wa.me/218912345678"),
        ("wa.\u{200B}me/218912345678", "https://wa.me/218912345678"),
        ("(wa.me/393471234567)", "https://wa.me/393471234567"),
    ];
    for (text, expected) in cases {
        assert_eq!(
            values(text, None, EntityType::Whatsapp),
            [*expected],
            "{text}"
        );
    }
    // The number inside the link is a phone entity too, for network linking.
    assert_eq!(
        values("wa.me/218912345678", None, EntityType::Phone),
        ["+218912345678"]
    );
}

#[test]
fn telegram_links_and_handles() {
    let cases: &[(&str, &str)] = &[
        ("t.me/zuwara_trips", "https://t.me/zuwara_trips"),
        ("https://t.me/Zuwara_Trips", "https://t.me/zuwara_trips"),
        ("telegram.me/boza_free", "https://t.me/boza_free"),
        ("t.me/+AbCdEfGhIj", "https://t.me/+AbCdEfGhIj"),
        ("t.me/joinchat/AbCdEf", "https://t.me/joinchat/AbCdEf"),
        ("قناتنا t.me/rihla_italia", "https://t.me/rihla_italia"),
        ("telegram @sea_trips_ly", "@sea_trips_ly"),
        ("تلغرام @safar_europa", "@safar_europa"),
        ("Telegram: @Game_Turkey", "@game_turkey"),
        ("écris sur telegram @passage.libye", "@passage.libye"),
    ];
    for (text, expected) in cases {
        assert_eq!(
            values(text, None, EntityType::Telegram),
            [*expected],
            "{text}"
        );
    }
    assert!(values(
        "visit chat.me/abc or bot.me/xyz",
        None,
        EntityType::Telegram
    )
    .is_empty());
}

#[test]
fn viber_links_and_numbers_named_as_viber() {
    let cases: &[(&str, Option<&str>, &str)] = &[
        (
            "viber://chat?number=%2B218912345678",
            None,
            "viber://chat?number=%2B218912345678",
        ),
        (
            "viber://chat?number=21698453127",
            None,
            "viber://chat?number=21698453127",
        ),
        ("Viber 0912345678", Some("LY"), "+218912345678"),
        ("فايبر 0912345678", Some("LY"), "+218912345678"),
        ("فيبر: ٠٩١ ٢٣٤ ٥٦٧٨", Some("LY"), "+218912345678"),
        ("viber / whatsapp: +216 98 453 127", None, "+21698453127"),
        ("Viber only +90 532 123 45 67", None, "+905321234567"),
        ("VIBER +39 347 123 4567 for Italy", None, "+393471234567"),
        (
            "écris-moi sur Viber au 06 12 34 56 78",
            Some("FR"),
            "+33612345678",
        ),
        ("Viber: +251 91 123 4567", None, "+251911234567"),
    ];
    for (text, country, expected) in cases {
        assert_eq!(
            values(text, *country, EntityType::Viber),
            [*expected],
            "{text}"
        );
    }
    // WhatsApp named next to a number is not Viber.
    assert!(values("whatsapp 0912345678", Some("LY"), EntityType::Viber).is_empty());
}

#[test]
fn handles_on_unnamed_networks() {
    let cases: &[(&str, &[&str])] = &[
        ("follow @boza_free", &["@boza_free"]),
        ("page: @Mbeng_Travel", &["@mbeng_travel"]),
        ("تابعونا @rihla_europa", &["@rihla_europa"]),
        ("insta @sea.trips.ly for videos", &["@sea.trips.ly"]),
        (
            "@game_turkey @game_turkey2 backup",
            &["@game_turkey", "@game_turkey2"],
        ),
        ("TikTok @harraga_dz.", &["@harraga_dz"]),
        ("contact@example.org is an address", &[]),
        ("not @ab, too short", &[]),
        ("price @ 500", &[]),
        ("(@passage_libye)", &["@passage_libye"]),
    ];
    for (text, expected) in cases {
        let got = values(text, None, EntityType::Handle);
        let got: Vec<&str> = got.iter().map(String::as_str).collect();
        assert_eq!(&got, expected, "{text}");
    }
}

#[test]
fn money_transfer_references() {
    let cases: &[(&str, &str, &str)] = &[
        ("MTCN 7302958146", "7302958146", "western_union"),
        (
            "Western Union code: 730-295-8146",
            "7302958146",
            "western_union",
        ),
        (
            "send by western union, the number is 730 295 8146",
            "7302958146",
            "western_union",
        ),
        (
            "ويسترن يونيون رقم 7302958146",
            "7302958146",
            "western_union",
        ),
        ("وسترن يونيون ٧٣٠٢٩٥٨١٤٦", "7302958146", "western_union"),
        (
            "envoyez par Western Union, MTCN: 4411223344",
            "4411223344",
            "western_union",
        ),
        ("MoneyGram reference 12345678", "12345678", "moneygram"),
        (
            "ref 87654321 by moneygram tomorrow",
            "87654321",
            "moneygram",
        ),
        ("موني جرام 12345678", "12345678", "moneygram"),
        (
            "WU MTCN 5566778899 receiver in Tripoli",
            "5566778899",
            "western_union",
        ),
    ];
    for (text, expected, provider) in cases {
        let found: Vec<Entity> = entities(text, None)
            .into_iter()
            .filter(|e| e.entity_type == EntityType::MoneyTransfer)
            .collect();
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        assert_eq!(found[0].value, *expected, "{text}");
        assert_eq!(found[0].provider.as_deref(), Some(*provider), "{text}");
    }
    // Ten digits with no provider named: not a transfer code.
    assert!(values("order 7302958146 shipped", None, EntityType::MoneyTransfer).is_empty());
}

#[test]
fn ibans_with_valid_checksums() {
    let cases: &[(&str, &str)] = &[
        (
            "IBAN FR76 3000 6000 0112 3456 7890 189",
            "FR7630006000011234567890189",
        ),
        ("DE89370400440532013000", "DE89370400440532013000"),
        // At odd and even offsets after words with digits (the scan skips two at a time).
        ("a1 DE89370400440532013000", "DE89370400440532013000"),
        ("x 12 DE89370400440532013000", "DE89370400440532013000"),
        ("gb82 west 1234 5698 7654 32", "GB82WEST12345698765432"),
        (
            "IT60X0542811101000000123456 intestato a",
            "IT60X0542811101000000123456",
        ),
        (
            "حساب TN59 1000 6035 1835 9847 8831",
            "TN5910006035183598478831",
        ),
        (
            "LY83 0020 4800 0020 1001 2036 1",
            "LY83002048000020100120361",
        ),
        (
            "TR33 0006 1005 1978 6457 8413 26",
            "TR330006100519786457841326",
        ),
        ("AE07 0331 2345 6789 0123 456", "AE070331234567890123456"),
        ("ES91 2100 0418 4502 0005 1332.", "ES9121000418450200051332"),
        (
            "SN08SN0100152000048500003035",
            "SN08SN0100152000048500003035",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(values(text, None, EntityType::Iban), [*expected], "{text}");
    }
    // One digit changed: the checksum fails.
    assert!(values("FR76 3000 6000 0112 3456 7890 188", None, EntityType::Iban).is_empty());
}

#[test]
fn crypto_addresses_with_valid_checksums() {
    let cases: &[(&str, &str)] = &[
        ("BTC 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "btc"),
        ("send to 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "btc"),
        ("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "btc"),
        ("USDT TRC20: TA4Y62o6YC2Zsck9rZVGTvqW1AQ7X9zTnj", "tron"),
        ("محفظة TDdZLua3dokCzBvwfBHD9iJUo1E7cWRTb7", "tron"),
    ];
    for (text, provider) in cases {
        let found: Vec<Entity> = entities(text, None)
            .into_iter()
            .filter(|e| e.entity_type == EntityType::Crypto)
            .collect();
        assert_eq!(found.len(), 1, "{text}");
        assert_eq!(found[0].provider.as_deref(), Some(*provider), "{text}");
        assert!(text.contains(&found[0].value));
    }
    for text in [
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3",
        "TA4Y62o6YC2Zsck9rZVGTvqW1AQ7X9zTnk",
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr",
        "TheQuickBrownFoxJumpsOverTheLazyDog",
        "1234567890123456789012345678",
    ] {
        assert!(values(text, None, EntityType::Crypto).is_empty(), "{text}");
    }
}

#[test]
fn prices_with_currency() {
    let cases: &[(&str, Option<&str>, &str)] = &[
        ("مركب خشب ١٠٠٠ دولار", None, "1000 USD"),
        ("البلاصة ب ٢٩٠٠ دينار ليبي", None, "2900 LYD"),
        ("prix 2,900 LYD par tête", None, "2900 LYD"),
        ("Libya to Italy $1000 only", None, "1000 USD"),
        ("traversée 1.500 € tout compris", None, "1500 EUR"),
        ("5k€ per person", None, "5000 EUR"),
        ("40 millions la place", Some("DZ"), "400000 DZD"),
        ("3 آلاف دولار للراس", None, "3000 USD"),
        ("1,8 million FCFA jusqu'à Tripoli", None, "1800000 XOF"),
        ("the seat is £1,500 tonight", None, "1500 GBP"),
        ("4500 dinar el blasa", Some("TN"), "4500 TND"),
        ("120000 EGP شامل", None, "120000 EGP"),
        ("ku turo dala 3000", None, "3000 USD"),
    ];
    for (text, country, expected) in cases {
        assert_eq!(
            values(text, *country, EntityType::Price),
            [*expected],
            "{text}"
        );
    }
}

#[test]
fn places_from_the_gazetteer() {
    let cases: &[(&str, &[&str])] = &[
        ("رحلة من زوارة لإيطاليا", &["Zuwara", "Italy"]),
        ("départ de Sfax vers Lampedusa", &["Sfax", "Lampedusa"]),
        ("🇱🇾➡️🇮🇹", &["Libya", "Italy"]),
        ("connection man in Agadez to Sabha", &["Agadez", "Sabha"]),
        (
            "pirogue de Mbour pour les Canaries",
            &["Mbour", "Canary Islands"],
        ),
        ("من صبراتة إلى لامبيدوزا", &["Sabratha", "Lampedusa"]),
        ("İzmir to Chios tonight", &["Izmir", "Chios"]),
        ("boti men Mostaganem l Almería", &["Mostaganem", "Almeria"]),
        ("ghetto in Bani Walid", &["Bani Walid"]),
        ("Calais to Dover small boat", &["Calais", "Dover"]),
    ];
    for (text, expected) in cases {
        let got = values(text, None, EntityType::Place);
        let got: Vec<&str> = got.iter().map(String::as_str).collect();
        assert_eq!(&got, expected, "{text}");
    }
}

#[test]
fn normalisation_per_script() {
    let cases: &[(&str, &str)] = &[
        // Arabic: alef forms, ta marbuta, harakat, tatweel, Arabic-Indic digits.
        ("إِيطَالْيَا", "ايطاليا"),
        ("رحلـــة مضمونة ١٠٠٪", "رحله مضمونه 100%"),
        // Persian/Dari/Pashto letters and digits meet Arabic ones.
        ("قاچاقبر ترکیه ۱۲۰۰", "قاچاقبر تركيه 1200"),
        // Latin: case, accents, fullwidth, mathematical letters, homoglyphs, zero-width.
        ("TRAVERSÉE Garantie", "traversee garantie"),
        ("ＰＡＳＳＥＵＲ", "passeur"),
        ("𝐛𝐨𝐳𝐚 𝐟𝐫𝐞𝐞", "boza free"),
        ("p\u{0430}ss\u{0435}ur", "passeur"),
        ("pas\u{200B}seur fi\u{00AD}able", "passeur fiable"),
        ("l\u{2019}arriv\u{00E9}e", "l'arrivee"),
        // Bidi controls used to reorder text.
        ("\u{202E}ruessap\u{202C}", "ruessap"),
        // Ge'ez is left as it is (no look-alike folding).
        ("ደላላ ወደ ሊቢያ", "ደላላ ወደ ሊቢያ"),
        // Turkish dotless i, Wolof ë, Hausa hooked letters survive sensibly.
        ("KAÇAKÇI ılık", "kacakci ilik"),
        ("Mbëkk mi", "mbekk mi"),
        ("Ɗan fasa-ƙwauri", "ɗan fasa-ƙwauri"),
        // Emoji: flags, boats, keycap digits; whitespace runs collapse.
        ("🇫🇷  👉  🇬🇧 🚤", " flag_fr emoji_arrow flag_gb emoji_boat "),
        ("0️⃣9️⃣1️⃣", "091"),
    ];
    for (input, expected) in cases {
        assert_eq!(normalize(input).as_str(), *expected, "{input}");
    }
}

#[test]
fn arabizi_and_arabic_script_meet_in_the_lexicon() {
    let lexicon = analyzer().lexicon();
    for (text, arabic_term) in [
        ("nheb n7arga l italia", "نحب نحرق"),
        ("7arga men sabratha", "حرقة"),
        ("9arib 5achab jdid", "قارب خشبي"),
        ("ri7la 9adma lel italia", "رحلة قادمة"),
        ("chkoun ya3ref mhareb", "مهرب"),
    ] {
        let analysis = analyzer().analyze(text, Hints::default());
        let terms: Vec<&str> = analysis
            .lexicon_hits
            .iter()
            .map(|h| lexicon.terms()[h.term].term.as_str())
            .collect();
        assert!(terms.contains(&arabic_term), "{text}: {terms:?}");
    }
}

#[test]
fn languages_of_the_people_involved() {
    for (text, expected) in [
        ("رحلة قادمة من زوارة إلى إيطاليا، الدفع عند الوصول", "ar"),
        (
            "nheb n7arreg l italia, chkoun ya3ref 9ahwa fi sfax",
            "ar-Latn",
        ),
        ("je cherche un passeur sérieux pour aller en Italie", "fr"),
        ("ኣብ ሊብያ ዘለዉ ሓውና ገንዘብ ክትሰዱ ኣለኩም", "ti"),
        ("walaalkay waxaa lagu hayaa Libya, lacag ayay rabaan", "so"),
        ("ina son tafiya zuwa Turai, don Allah ku taimaka min", "ha"),
        ("dama bëgg dem Espaañ ci gaal bi", "wo"),
        ("زه غواړم چې ترکیې ته لاړ شم", "ps"),
        ("abeg who sabi connection wey fit carry us go Libya", "pcm"),
    ] {
        let analysis = analyzer().analyze(text, Hints::default());
        assert_eq!(analysis.language.code, expected, "{text}");
    }
}

/// A small deterministic generator (xorshift), so the test needs no extra crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn hostile_text_never_panics_and_spans_stay_on_char_boundaries() {
    // Pieces chosen to stress every stage: combining marks after ASCII and Arabic, lone and
    // paired regional indicators, keycaps, ZWJ sequences, bidi controls, Arabic-Indic digits,
    // digit words, link and payment prefixes, homoglyphs, Ge'ez, a 4-byte emoji, lone `+`/`@`.
    let pieces = [
        "a",
        "o",
        "0",
        "9",
        " ",
        "  ",
        "\u{0301}",
        "\u{064E}",
        "\u{1F1F1}",
        "\u{1F1FE}",
        "\u{20E3}",
        "\u{FE0F}",
        "\u{200D}",
        "\u{202E}",
        "\u{200B}",
        "٠",
        "٩",
        "۷",
        "+",
        "@",
        "wa.me/",
        "t.me/",
        "viber://",
        "MTCN ",
        "IBAN FR76",
        "bc1q",
        "T",
        "$",
        "€",
        "دينار",
        "زوارة",
        "7arga",
        "passeur",
        "р",
        "ΒΟΑΤ",
        "ሊብያ",
        "🚤",
        "👨‍👩‍👧",
        "zero ",
        "nine ",
        "صفر ",
        ".",
        "-",
        "(",
        "'",
        "’",
        "ß",
        "İ",
        "ﷺ",
        "ﻻ",
        "\u{0670}",
        "ـ",
        "k€",
        "millions",
        "٪",
        "x",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3000 {
        let len = 1 + (rng.next() % 40) as usize;
        let text: String = (0..len)
            .map(|_| pieces[(rng.next() % pieces.len() as u64) as usize])
            .collect();
        let analysis = analyzer().analyze(
            &text,
            Hints {
                country: Some("LY"),
            },
        );
        for entity in &analysis.entities {
            assert!(
                entity.span[0] <= entity.span[1] && entity.span[1] <= text.len(),
                "{text:?}"
            );
            assert_eq!(
                &text[entity.span[0]..entity.span[1]],
                entity.raw,
                "{text:?}"
            );
        }
        for hit in &analysis.lexicon_hits {
            assert!(text.is_char_boundary(hit.span[0]) && text.is_char_boundary(hit.span[1]));
        }
    }
}

/// The analyser finds lexicon terms and places in one pass over one automaton; on every corpus
/// text that gives exactly what the lexicon's and the gazetteer's own searches give.
#[test]
fn one_pass_finds_what_the_lexicon_and_gazetteer_find_alone() {
    let analyzer = analyzer();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/corpus");
    let (mut texts, mut terms, mut places) = (0, 0, 0);
    for entry in std::fs::read_dir(corpus).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "jsonl") {
            continue;
        }
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            let Ok(item) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let text = item["text"].as_str().unwrap_or("");
            let analysis = analyzer.analyze(text, Hints::default());
            let arabizi = analysis.language.code == "ar-Latn";
            let lexicon_alone = analyzer.lexicon().find(&analysis.normalized, arabizi);
            assert_eq!(analysis.lexicon_hits, lexicon_alone, "{text}");
            let gazetteer_alone = analyzer.gazetteer().find(&analysis.normalized);
            assert_eq!(analysis.place_hits, gazetteer_alone, "{text}");
            texts += 1;
            terms += lexicon_alone.len();
            places += gazetteer_alone.len();
        }
    }
    assert!(
        texts > 15_000 && terms > 1_000 && places > 1_000,
        "{texts} {terms} {places}"
    );
}
