//! The free query customers type into a search box — `10万内SUV`, `新能源 7座`, `宝马3系 2020`,
//! `15-20万 轿车`, `5万公里以内` — read into search filters, with what each piece was taken to
//! mean and what was not understood, so the answer can show its reading.
//!
//! The reader scans left to right and at each position takes the longest reading among:
//! quantities (prices, mileages, seats, years, ages), brand and model names from the
//! [`catalog`](super::catalog), and a small vocabulary of body, energy, gearbox and condition
//! words. Filler words (`的`, `想买`, `预算`) mean nothing; anything else is reported as not
//! understood. Later terms narrow earlier ones: `10万内 8万以上` is 8万–10万.

use std::collections::BTreeSet;

use serde::Serialize;

use super::catalog::{self, Named};
use super::matching::HardFilter;
use super::money::{km_en, km_zh, yuan_en, yuan_zh};
use super::{BodyType, Condition, EnergyType, Transmission};

/// What a search box query asks for. Empty sets and `None` mean no constraint.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct VehicleQuery {
    pub price_min_cents: Option<i64>,
    pub price_max_cents: Option<i64>,
    pub body_types: BTreeSet<BodyType>,
    pub energy_types: BTreeSet<EnergyType>,
    /// [`catalog::brand_key`]s.
    pub brand_keys: BTreeSet<String>,
    /// [`catalog::model_key`]s.
    pub model_keys: BTreeSet<String>,
    pub seats_min: Option<u8>,
    pub year_min: Option<i32>,
    pub year_max: Option<i32>,
    pub max_mileage_km: Option<i64>,
    pub transmission: Option<Transmission>,
    pub condition: Option<Condition>,
    /// Each understood piece of the query, in order.
    pub understood: Vec<QueryTerm>,
    /// The pieces that meant nothing to the reader, in order.
    pub not_understood: Vec<String>,
}

/// One piece of the query and what it was taken to mean.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueryTerm {
    /// As typed.
    pub text: String,
    pub meaning: Meaning,
    pub description_zh: String,
    pub description_en: String,
}

/// What a query term means, as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Meaning {
    Price {
        min_cents: Option<i64>,
        max_cents: Option<i64>,
    },
    BodyType {
        body_type: BodyType,
    },
    EnergyType {
        energy_types: Vec<EnergyType>,
    },
    Brand {
        brand: String,
    },
    Model {
        brand: String,
        model: String,
    },
    Seats {
        min: u8,
    },
    ModelYear {
        min: Option<i32>,
        max: Option<i32>,
    },
    Mileage {
        max_km: i64,
    },
    Transmission {
        transmission: Transmission,
    },
    Condition {
        condition: Condition,
    },
}

impl VehicleQuery {
    /// True when the query constrains nothing.
    pub fn is_empty(&self) -> bool {
        self.understood.is_empty()
    }

    /// The query as search filters, for the same SQL builder that runs matching's hard filters.
    pub fn hard_filter(&self) -> HardFilter {
        fn non_empty<T: Ord + Clone>(set: &BTreeSet<T>) -> Option<BTreeSet<T>> {
            (!set.is_empty()).then(|| set.clone())
        }
        HardFilter {
            min_price_cents: self.price_min_cents,
            max_price_cents: self.price_max_cents,
            body_types: non_empty(&self.body_types),
            energy_types: non_empty(&self.energy_types),
            brand_keys: non_empty(&self.brand_keys),
            model_keys: non_empty(&self.model_keys),
            condition: self.condition,
            min_seats: self.seats_min,
            min_model_year: self.year_min,
            max_model_year: self.year_max,
            max_mileage_km: self.max_mileage_km,
            transmission: self.transmission,
            ..HardFilter::default()
        }
    }

    fn apply(&mut self, meaning: &Meaning) {
        fn narrow_min<T: Ord + Copy>(slot: &mut Option<T>, value: Option<T>) {
            if let Some(v) = value {
                *slot = Some(slot.map_or(v, |old| old.max(v)));
            }
        }
        fn narrow_max<T: Ord + Copy>(slot: &mut Option<T>, value: Option<T>) {
            if let Some(v) = value {
                *slot = Some(slot.map_or(v, |old| old.min(v)));
            }
        }
        match meaning {
            Meaning::Price {
                min_cents,
                max_cents,
            } => {
                narrow_min(&mut self.price_min_cents, *min_cents);
                narrow_max(&mut self.price_max_cents, *max_cents);
            }
            Meaning::BodyType { body_type } => {
                self.body_types.insert(*body_type);
            }
            Meaning::EnergyType { energy_types } => self.energy_types.extend(energy_types),
            Meaning::Brand { brand } => {
                self.brand_keys.insert(brand.clone());
            }
            Meaning::Model { brand, model } => {
                self.brand_keys.insert(brand.clone());
                self.model_keys.insert(model.clone());
            }
            Meaning::Seats { min } => narrow_min(&mut self.seats_min, Some(*min)),
            Meaning::ModelYear { min, max } => {
                narrow_min(&mut self.year_min, *min);
                narrow_max(&mut self.year_max, *max);
            }
            Meaning::Mileage { max_km } => narrow_max(&mut self.max_mileage_km, Some(*max_km)),
            Meaning::Transmission { transmission } => self.transmission = Some(*transmission),
            Meaning::Condition { condition } => self.condition = Some(*condition),
        }
    }
}

/// Fen in 1万 yuan.
const WAN_CENTS: i64 = 1_000_000;
/// "10万左右" spans this share either side.
const AROUND_PERCENT: i64 = 15;
/// Longest query read; the rest is reported as not understood.
const MAX_QUERY_CHARS: usize = 200;

/// Reads a search box query. `current_year` turns ages (`3年内`) into model years and bounds
/// the years a four-digit number can be.
pub fn parse_query(input: &str, current_year: i32) -> VehicleQuery {
    let original: Vec<char> = input.chars().take(MAX_QUERY_CHARS).collect();
    let text: Vec<char> = original.iter().map(|&c| fold(c)).collect();
    let reader = Reader {
        s: &text,
        current_year,
    };
    let mut query = VehicleQuery::default();
    let mut unknown_from: Option<usize> = None;
    let flush = |query: &mut VehicleQuery, from: &mut Option<usize>, to: usize| {
        if let Some(start) = from.take() {
            let piece: String = original[start..to].iter().collect();
            let piece = piece.trim();
            if !piece.is_empty() {
                query.not_understood.push(piece.to_owned());
            }
        }
    };
    let mut i = 0;
    while i < text.len() {
        if is_separator(text[i]) {
            flush(&mut query, &mut unknown_from, i);
            i += 1;
            continue;
        }
        match reader.longest_at(i) {
            Some((end, found)) => {
                flush(&mut query, &mut unknown_from, i);
                if let Found::Term(meaning) = found {
                    let typed: String = original[i..end].iter().collect();
                    let (description_zh, description_en) = describe(&meaning, current_year);
                    query.apply(&meaning);
                    query.understood.push(QueryTerm {
                        text: typed.trim().to_owned(),
                        meaning,
                        description_zh,
                        description_en,
                    });
                }
                i = end;
            }
            None => {
                unknown_from.get_or_insert(i);
                i += 1;
            }
        }
    }
    flush(&mut query, &mut unknown_from, text.len());
    if input.chars().nth(MAX_QUERY_CHARS).is_some() {
        let rest: String = input.chars().skip(MAX_QUERY_CHARS).collect();
        query.not_understood.push(rest.trim().to_owned());
    }
    query
}

/// Full-width forms to ASCII, ASCII to lower case; one character in, one out, so positions in
/// the folded text are positions in the input.
fn fold(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    c.to_ascii_lowercase()
}

fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            ',' | '，' | '、' | ';' | '；' | '/' | '|' | '+' | '。' | '!' | '！' | '?' | '？'
        )
}

enum Found {
    Term(Meaning),
    Filler,
}

struct Reader<'s> {
    s: &'s [char],
    current_year: i32,
}

/// A number as typed: `12.5` is 125 with one decimal.
#[derive(Debug, Clone, Copy)]
struct Number {
    digits: i64,
    decimals: u32,
}

impl Number {
    fn whole(self) -> Option<i64> {
        (self.decimals == 0).then_some(self.digits)
    }

    /// The number times `unit`, rounded half-up.
    fn times(self, unit: i64) -> i64 {
        let scale = 10i64.pow(self.decimals);
        (self.digits * unit + scale / 2) / scale
    }
}

const SEAT_NUMERALS: &[(char, u8)] = &[
    ('二', 2),
    ('两', 2),
    ('三', 3),
    ('四', 4),
    ('五', 5),
    ('六', 6),
    ('七', 7),
    ('八', 8),
    ('九', 9),
];

/// Body, energy, gearbox, condition and filler words. ASCII words match whole words only.
static WORDS: &[(&str, Word)] = &[
    ("suv", Word::Body(BodyType::Suv)),
    ("越野车", Word::Body(BodyType::Suv)),
    ("越野", Word::Body(BodyType::Suv)),
    ("轿车", Word::Body(BodyType::Sedan)),
    ("三厢车", Word::Body(BodyType::Sedan)),
    ("三厢", Word::Body(BodyType::Sedan)),
    ("mpv", Word::Body(BodyType::Mpv)),
    ("商务车", Word::Body(BodyType::Mpv)),
    ("保姆车", Word::Body(BodyType::Mpv)),
    ("两厢车", Word::Body(BodyType::Hatchback)),
    ("两厢", Word::Body(BodyType::Hatchback)),
    ("掀背", Word::Body(BodyType::Hatchback)),
    ("皮卡", Word::Body(BodyType::Pickup)),
    ("跑车", Word::Body(BodyType::Coupe)),
    ("轿跑", Word::Body(BodyType::Coupe)),
    ("旅行车", Word::Body(BodyType::Wagon)),
    ("旅行版", Word::Body(BodyType::Wagon)),
    ("新能源", Word::NewEnergy),
    ("nev", Word::NewEnergy),
    ("纯电动", Word::Energy(EnergyType::Bev)),
    ("纯电", Word::Energy(EnergyType::Bev)),
    ("电动车", Word::Energy(EnergyType::Bev)),
    ("电动", Word::Energy(EnergyType::Bev)),
    ("电车", Word::Energy(EnergyType::Bev)),
    ("ev", Word::Energy(EnergyType::Bev)),
    ("bev", Word::Energy(EnergyType::Bev)),
    ("插电混动", Word::Energy(EnergyType::Phev)),
    ("插电", Word::Energy(EnergyType::Phev)),
    ("插混", Word::Energy(EnergyType::Phev)),
    ("phev", Word::Energy(EnergyType::Phev)),
    ("dm-i", Word::Energy(EnergyType::Phev)),
    ("dmi", Word::Energy(EnergyType::Phev)),
    ("增程式", Word::Energy(EnergyType::Erev)),
    ("增程", Word::Energy(EnergyType::Erev)),
    ("erev", Word::Energy(EnergyType::Erev)),
    ("油电混动", Word::Energy(EnergyType::Hev)),
    ("油电", Word::Energy(EnergyType::Hev)),
    ("混动", Word::Energy(EnergyType::Hev)),
    ("双擎", Word::Energy(EnergyType::Hev)),
    ("hev", Word::Energy(EnergyType::Hev)),
    ("汽油", Word::Energy(EnergyType::Gasoline)),
    ("燃油", Word::Energy(EnergyType::Gasoline)),
    ("油车", Word::Energy(EnergyType::Gasoline)),
    ("柴油", Word::Energy(EnergyType::Diesel)),
    ("自动挡", Word::Gearbox(Transmission::Automatic)),
    ("自动档", Word::Gearbox(Transmission::Automatic)),
    ("自动", Word::Gearbox(Transmission::Automatic)),
    ("at", Word::Gearbox(Transmission::Automatic)),
    ("手动挡", Word::Gearbox(Transmission::Manual)),
    ("手动档", Word::Gearbox(Transmission::Manual)),
    ("手动", Word::Gearbox(Transmission::Manual)),
    ("mt", Word::Gearbox(Transmission::Manual)),
    ("新车", Word::Condition(Condition::New)),
    ("准新车", Word::Condition(Condition::Used)),
    ("二手车", Word::Condition(Condition::Used)),
    ("二手", Word::Condition(Condition::Used)),
    ("想要", Word::Filler),
    ("想买", Word::Filler),
    ("有没有", Word::Filler),
    ("一辆", Word::Filler),
    ("一台", Word::Filler),
    ("预算", Word::Filler),
    ("车龄", Word::Filler),
    ("价格", Word::Filler),
    ("看看", Word::Filler),
    ("或者", Word::Filler),
    ("的", Word::Filler),
    ("我", Word::Filler),
    ("想", Word::Filler),
    ("要", Word::Filler),
    ("买", Word::Filler),
    ("找", Word::Filler),
    ("车", Word::Filler),
    ("款", Word::Filler),
    ("和", Word::Filler),
    ("或", Word::Filler),
    ("吗", Word::Filler),
];

#[derive(Debug, Clone, Copy)]
enum Word {
    Body(BodyType),
    Energy(EnergyType),
    NewEnergy,
    Gearbox(Transmission),
    Condition(Condition),
    Filler,
}

impl<'s> Reader<'s> {
    fn at(&self, i: usize) -> Option<char> {
        self.s.get(i).copied()
    }

    fn skip_spaces(&self, mut i: usize) -> usize {
        while self.at(i).is_some_and(|c| c == ' ') {
            i += 1;
        }
        i
    }

    /// `word` at `i`, ignoring case; ASCII words only as whole words.
    fn word_at(&self, i: usize, word: &str) -> Option<usize> {
        let mut j = i;
        for expected in word.chars() {
            if self.at(j)? != expected {
                return None;
            }
            j += 1;
        }
        let ascii_word = word.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        let joined = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        if ascii_word && (joined(i.checked_sub(1).and_then(|p| self.at(p))) || joined(self.at(j))) {
            return None;
        }
        Some(j)
    }

    /// The first of `words` found at `i` (list longer words first).
    fn any_at(&self, i: usize, words: &[&str]) -> Option<usize> {
        words.iter().find_map(|w| self.word_at(i, w))
    }

    /// A number starting at `i`, never in the middle of another (`12座` is not `2座`).
    fn number_at(&self, i: usize) -> Option<(Number, usize)> {
        if i.checked_sub(1)
            .and_then(|p| self.at(p))
            .is_some_and(|c| c.is_ascii_digit() || c == '.')
        {
            return None;
        }
        let mut j = i;
        let mut digits: i64 = 0;
        let mut decimals = 0;
        let mut seen_point = false;
        let mut count = 0;
        while let Some(c) = self.at(j) {
            match c {
                '0'..='9' => {
                    if count >= 9 {
                        return None;
                    }
                    digits = digits * 10 + i64::from(c as u8 - b'0');
                    count += 1;
                    if seen_point {
                        decimals += 1;
                    }
                }
                '.' if !seen_point
                    && count > 0
                    && self.at(j + 1).is_some_and(|d| d.is_ascii_digit()) =>
                {
                    seen_point = true;
                }
                _ => break,
            }
            j += 1;
        }
        (count > 0).then_some((Number { digits, decimals }, j))
    }

    /// 万, or `w` as people type it (`10w内`).
    fn wan_at(&self, i: usize) -> Option<usize> {
        if self.at(i) == Some('万') {
            return Some(i + 1);
        }
        (self.at(i) == Some('w') && !self.at(i + 1).is_some_and(|c| c.is_ascii_alphabetic()))
            .then_some(i + 1)
    }

    fn km_at(&self, i: usize) -> Option<usize> {
        self.any_at(i, &["公里", "km"])
    }

    fn range_separator_at(&self, i: usize) -> Option<usize> {
        matches!(self.at(i)?, '-' | '~' | '—' | '–' | '到' | '至').then_some(i + 1)
    }

    fn year(&self, n: Number) -> Option<i32> {
        let year = i32::try_from(n.whole()?).ok()?;
        (1980..=self.current_year + 1)
            .contains(&year)
            .then_some(year)
    }

    /// Prices, mileages, seats, model years and ages, with their qualifiers.
    fn quantity_at(&self, i: usize) -> Option<(usize, Found)> {
        if let Some(&(_, seats)) = SEAT_NUMERALS.iter().find(|(c, _)| self.at(i) == Some(*c))
            && let Some(end) = self.word_at(i + 1, "座")
        {
            return Some(self.seats(seats, end));
        }
        let (a, after_a) = self.number_at(i)?;
        let j = self.skip_spaces(after_a);

        if let Some(after_wan) = self.wan_at(j) {
            let k = self.skip_spaces(after_wan);
            if let Some(end) = self.km_at(k) {
                return Some(self.mileage(a.times(10_000), end));
            }
            if let Some(sep) = self.range_separator_at(k)
                && let Some((b, after_b)) = self.number_at(self.skip_spaces(sep))
            {
                let mut end = self.skip_spaces(after_b);
                end = self.wan_at(end).unwrap_or(after_b);
                return Some(self.price_range(a, b, end));
            }
            return Some(self.price(a, after_wan));
        }
        if let Some(sep) = self.range_separator_at(j)
            && let Some((b, after_b)) = self.number_at(self.skip_spaces(sep))
        {
            let k = self.skip_spaces(after_b);
            if let Some(after_wan) = self.wan_at(k) {
                let m = self.skip_spaces(after_wan);
                if let Some(end) = self.km_at(m) {
                    return Some(self.mileage(b.times(10_000), end));
                }
                return Some(self.price_range(a, b, after_wan));
            }
            if let Some(end) = self.km_at(k) {
                return Some(self.mileage(b.times(1), end));
            }
            if let Some(end) = self.word_at(k, "座") {
                let seats = u8::try_from(a.whole()?).ok()?;
                return (2..=9).contains(&seats).then(|| self.seats(seats, end));
            }
            if let (Some(from), Some(to)) = (self.year(a), self.year(b)) {
                let end = self.any_at(k, &["年款", "年", "款"]).unwrap_or(after_b);
                let (min, max) = (from.min(to), from.max(to));
                return Some((
                    end,
                    Found::Term(Meaning::ModelYear {
                        min: Some(min),
                        max: Some(max),
                    }),
                ));
            }
            return None;
        }
        if let Some(end) = self.km_at(j) {
            return Some(self.mileage(a.times(1), end));
        }
        if let Some(end) = self.word_at(j, "座") {
            let seats = u8::try_from(a.whole()?).ok()?;
            return (2..=9).contains(&seats).then(|| self.seats(seats, end));
        }
        if let Some(year) = self.year(a) {
            let k = self
                .any_at(j, &["年款", "年份", "年", "款"])
                .unwrap_or(after_a);
            let q = self.skip_spaces(k);
            if let Some(end) =
                self.any_at(q, &["及以后", "以后", "之后", "以上", "往后", "后", "起"])
            {
                return Some(year_term(Some(year), None, end));
            }
            if let Some(end) = self.any_at(q, &["及以前", "以前", "之前", "以下", "前"]) {
                return Some(year_term(None, Some(year), end));
            }
            return Some(year_term(Some(year), Some(year), k));
        }
        if let Some(years) = a.whole().filter(|n| (1..=30).contains(n))
            && let Some(after_year) = self.word_at(j, "年")
            && let Some(end) = self.any_at(
                self.skip_spaces(after_year),
                &["以内", "之内", "以下", "内"],
            )
        {
            let min = self.current_year - years as i32;
            return Some(year_term(Some(min), None, end));
        }
        None
    }

    fn seats(&self, seats: u8, end: usize) -> (usize, Found) {
        let end = self.any_at(end, &["及以上", "以上"]).unwrap_or(end);
        (end, Found::Term(Meaning::Seats { min: seats }))
    }

    fn mileage(&self, km: i64, end: usize) -> (usize, Found) {
        let q = self.skip_spaces(end);
        let end = self
            .any_at(q, &["以内", "之内", "以下", "内"])
            .unwrap_or(end);
        (end, Found::Term(Meaning::Mileage { max_km: km }))
    }

    fn price_range(&self, a: Number, b: Number, end: usize) -> (usize, Found) {
        let end = self.word_at(end, "元").unwrap_or(end);
        let (a, b) = (a.times(WAN_CENTS), b.times(WAN_CENTS));
        (
            end,
            Found::Term(Meaning::Price {
                min_cents: Some(a.min(b)),
                max_cents: Some(a.max(b)),
            }),
        )
    }

    /// `10万` / `10万以内` / `10万以上` / `10万左右`. A bare amount is a ceiling: people type
    /// their budget.
    fn price(&self, a: Number, after_wan: usize) -> (usize, Found) {
        let cents = a.times(WAN_CENTS);
        let k = self.word_at(after_wan, "元").unwrap_or(after_wan);
        let q = self.skip_spaces(k);
        let (min, max, end) = if let Some(end) =
            self.any_at(q, &["以内", "之内", "以下", "以里", "封顶", "内"])
        {
            (None, Some(cents), end)
        } else if let Some(end) = self.any_at(q, &["以上", "起步", "往上", "起"]) {
            (Some(cents), None, end)
        } else if let Some(end) = self.any_at(q, &["左右", "上下", "附近"]) {
            let spread = cents * AROUND_PERCENT / 100;
            (Some(cents - spread), Some(cents + spread), end)
        } else {
            (None, Some(cents), k)
        };
        (
            end,
            Found::Term(Meaning::Price {
                min_cents: min,
                max_cents: max,
            }),
        )
    }

    fn vocabulary_at(&self, i: usize) -> Option<(usize, Found)> {
        WORDS
            .iter()
            .filter_map(|(word, meaning)| self.word_at(i, word).map(|end| (end, *meaning)))
            .max_by_key(|(end, _)| *end)
            .map(|(end, word)| {
                let found = match word {
                    Word::Body(body_type) => Found::Term(Meaning::BodyType { body_type }),
                    Word::Energy(energy) => Found::Term(Meaning::EnergyType {
                        energy_types: vec![energy],
                    }),
                    Word::NewEnergy => Found::Term(Meaning::EnergyType {
                        energy_types: EnergyType::ALL
                            .iter()
                            .copied()
                            .filter(|e| e.is_new_energy())
                            .collect(),
                    }),
                    Word::Gearbox(transmission) => {
                        Found::Term(Meaning::Transmission { transmission })
                    }
                    Word::Condition(condition) => Found::Term(Meaning::Condition { condition }),
                    Word::Filler => Found::Filler,
                };
                (end, found)
            })
    }

    fn name_at(&self, i: usize) -> Option<(usize, Found)> {
        let (end, named) = catalog::name_at(self.s, i)?;
        let meaning = match named {
            Named::Brand(brand) => Meaning::Brand {
                brand: brand.key.to_owned(),
            },
            Named::Model(model) => Meaning::Model {
                brand: model.brand.to_owned(),
                model: model.key.to_owned(),
            },
        };
        Some((end, Found::Term(meaning)))
    }

    /// The longest reading at `i`; on a tie a quantity beats a name beats a word.
    fn longest_at(&self, i: usize) -> Option<(usize, Found)> {
        [self.quantity_at(i), self.name_at(i), self.vocabulary_at(i)]
            .into_iter()
            .flatten()
            .reduce(|best, next| if next.0 > best.0 { next } else { best })
    }
}

fn year_term(min: Option<i32>, max: Option<i32>, end: usize) -> (usize, Found) {
    (end, Found::Term(Meaning::ModelYear { min, max }))
}

fn brand_names(key: &str) -> (String, String) {
    match catalog::brand_by_key(key) {
        Some(b) => (b.name_zh.to_owned(), b.name_en.to_owned()),
        None => (key.to_owned(), key.to_owned()),
    }
}

fn describe(meaning: &Meaning, current_year: i32) -> (String, String) {
    match meaning {
        Meaning::Price {
            min_cents,
            max_cents,
        } => match (min_cents, max_cents) {
            (Some(min), Some(max)) => (
                format!("价格{}–{}", yuan_zh(*min), yuan_zh(*max)),
                format!("price {}–{}", yuan_en(*min), yuan_en(*max)),
            ),
            (None, Some(max)) => (
                format!("价格不超过{}", yuan_zh(*max)),
                format!("price up to {}", yuan_en(*max)),
            ),
            (Some(min), None) => (
                format!("价格不低于{}", yuan_zh(*min)),
                format!("price from {}", yuan_en(*min)),
            ),
            (None, None) => ("价格不限".into(), "any price".into()),
        },
        Meaning::BodyType { body_type } => (
            format!("车型：{}", body_type.label_zh()),
            format!("body type: {}", body_type.label_en()),
        ),
        Meaning::EnergyType { energy_types } => (
            format!(
                "能源：{}",
                energy_types
                    .iter()
                    .map(|e| e.label_zh())
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            format!(
                "energy: {}",
                energy_types
                    .iter()
                    .map(|e| e.label_en())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        Meaning::Brand { brand } => {
            let (zh, en) = brand_names(brand);
            (format!("品牌：{zh}"), format!("brand: {en}"))
        }
        Meaning::Model { brand, model } => {
            let (brand_zh, brand_en) = brand_names(brand);
            let (zh, en) = catalog::model_by_key(model)
                .map_or((model.as_str(), model.as_str()), |m| (m.name_zh, m.name_en));
            (
                format!("车系：{brand_zh} {zh}"),
                format!("model: {brand_en} {en}"),
            )
        }
        Meaning::Seats { min } => (format!("至少{min}座"), format!("at least {min} seats")),
        Meaning::ModelYear { min, max } => match (min, max) {
            (Some(a), Some(b)) if a == b => (format!("{a}年款"), format!("model year {a}")),
            (Some(a), Some(b)) => (format!("{a}–{b}年款"), format!("model years {a}–{b}")),
            (Some(a), None) => {
                let age = current_year - a;
                (
                    format!("{a}年及以后（车龄约{age}年内）"),
                    format!("model year {a} or later (about {age} years old at most)"),
                )
            }
            (None, Some(b)) => (format!("{b}年及以前"), format!("model year {b} or earlier")),
            (None, None) => ("年份不限".into(), "any year".into()),
        },
        Meaning::Mileage { max_km } => (
            format!("里程不超过{}", km_zh(*max_km)),
            format!("mileage up to {}", km_en(*max_km)),
        ),
        Meaning::Transmission { transmission } => (
            transmission.label_zh().to_owned(),
            transmission.label_en().to_owned(),
        ),
        Meaning::Condition { condition } => (
            condition.label_zh().to_owned(),
            condition.label_en().to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests;
