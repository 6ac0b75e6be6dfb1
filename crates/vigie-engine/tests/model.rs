//! The default model (`data/models/default.vgm`, trained on `data/corpus/`) on its own, without
//! the evidence scorer: clear cases in several languages, hard negatives included. These texts
//! are invented for this test and appear neither in the corpus nor in the examples.

use vigie_core::{Item, ItemKind, Label};
use vigie_engine::Engine;

const CASES: &[(&str, &str, Label)] = &[
    (
        "fr",
        "Départ samedi de Sfax vers Lampedusa, bateau solide, 2500 dinars la place, \
         contactez-moi en privé sur WhatsApp",
        Label::SmugglingAdvertisement,
    ),
    (
        "ar",
        "رحلة مضمونة من طبرق الى ايطاليا الاسبوع القادم السعر 4000 دولار للتواصل واتساب",
        Label::SmugglingAdvertisement,
    ),
    (
        "en",
        "We have your brother. Send 5000 dollars by Western Union in two days or you will \
         never see him again",
        Label::ExtortionRansom,
    ),
    (
        "ar",
        "ابنك عندنا في المخزن ادفع 3000 دولار وإلا سنقتله ولن تراه مرة اخرى",
        Label::ExtortionRansom,
    ),
    (
        "so",
        "Waxaan raadinayaa mukhalis iga gudbiya Libya ilaa Talyaaniga, yaa nambar haya?",
        Label::SmugglingSolicitation,
    ),
    (
        "en",
        "Real passports and Schengen visas without appointment, biometric, delivered in one \
         week, pay half now",
        Label::SmugglingDocuments,
    ),
    (
        "en",
        "Housemaids wanted in the Gulf, no experience, free visa and ticket, we keep your \
         passport for safety, salary 800 dollars",
        Label::TraffickingRecruitment,
    ),
    (
        "en",
        "Coast guard rescued 40 people off Lampedusa last night, the IOM says smugglers \
         charged each of them 3000 euros",
        Label::Benign,
    ),
    (
        "fr",
        "Le passeur décisif de la soirée, c'est encore notre numéro 10 : trois passes \
         décisives contre Lyon",
        Label::Benign,
    ),
    (
        "it",
        "Pullman Milano-Bucarest ogni venerdì, posti da 75 euro, prenotazione sul nostro sito \
         o in agenzia",
        Label::Benign,
    ),
    (
        "it",
        "Vendo gommone 5 metri con motore 40 cavalli, usato poco, 3500 euro trattabili, zona \
         Trapani",
        Label::Benign,
    ),
];

#[test]
fn the_default_model_alone_separates_clear_cases() {
    let engine = Engine::embedded().expect("embedded data loads");
    let mut wrong = Vec::new();
    for (i, (lang, text, truth)) in CASES.iter().enumerate() {
        let item = Item {
            id: format!("m-{i}"),
            kind: Some(ItemKind::Post),
            text: Some(text.to_string()),
            ..Item::default()
        };
        let model = engine
            .score(&item)
            .model
            .expect("the default model is loaded");
        let top = Label::ALL
            .into_iter()
            .max_by(|a, b| model.get(*a).total_cmp(&model.get(*b)))
            .unwrap();
        if top != *truth {
            wrong.push(format!("[{lang}] {text}: {top} (want {truth})"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
