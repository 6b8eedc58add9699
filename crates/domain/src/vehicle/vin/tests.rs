use proptest::prelude::*;

use super::*;

/// Real VINs from public sources, with what they must decode to. Their check digits were not
/// chosen by us: a made-up VIN passes the check only one time in eleven.
/// VIN, country, maker, country code, model years.
type RealVin = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static [i32],
);

const REAL: &[RealVin] = &[
    // ISO 3779's worked example (Wikipedia), check digit X.
    (
        "1M8GDM9AXKP042788",
        "United States",
        None,
        "US",
        &[2019, 1989],
    ),
    // 2003 Honda Accord, the VIN most decoders use as their example.
    (
        "1HGCM82633A004352",
        "United States",
        Some("Honda (Ohio)"),
        "US",
        &[2003],
    ),
    // Shanghai-built Tesla Model 3s (owner tools and fleet software).
    (
        "LRW3E7EKXRC152510",
        "China",
        Some("Tesla (Shanghai)"),
        "CN",
        &[2024, 1994],
    ),
    (
        "LRW3E7FS5PC695355",
        "China",
        Some("Tesla (Shanghai)"),
        "CN",
        &[2023, 1993],
    ),
    (
        "LRW3E7FA9MC239068",
        "China",
        Some("Tesla (Shanghai)"),
        "CN",
        &[2021, 1991],
    ),
    // Polestar 2s built in Luqiao, China (telematics samples).
    (
        "LPSED3KA1NL059445",
        "China",
        Some("Polestar"),
        "CN",
        &[2022, 1992],
    ),
    (
        "LPSEG3KA9NL084441",
        "China",
        Some("Polestar"),
        "CN",
        &[2022, 1992],
    ),
    // SAIC Volkswagen ID.3 (an owner's tracker configuration).
    (
        "LSVFB6E93P2082137",
        "China",
        Some("SAIC Volkswagen"),
        "CN",
        &[2023, 1993],
    ),
    // Volkswagen ID.4 and Volvo XC40 Recharge (openpilot fingerprints).
    (
        "WVGTMPE26MP062726",
        "Germany",
        Some("Volkswagen"),
        "DE",
        &[2021, 1991],
    ),
    (
        "YV4ED3URXM2565349",
        "Sweden",
        Some("Volvo Cars"),
        "SE",
        &[2021, 1991],
    ),
    // A German BMW (vininfo's test data): European makers need not encode the model year, and
    // this one has 0 in position 10.
    ("WBA71DC010CH14720", "Germany", Some("BMW"), "DE", &[]),
];

#[test]
fn real_vins_parse_and_decode() {
    for &(text, country, maker, code, years) in REAL {
        let vin = Vin::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(vin.as_str(), text);
        assert!(vin.check_digit_ok());
        let d = decode(text, 2025);
        assert!(d.valid && d.check_digit_ok, "{text}: {:?}", d.problems);
        assert_eq!(d.country, Some(country), "{text}");
        assert_eq!(d.country_code, Some(code), "{text}");
        assert_eq!(d.maker, maker, "{text}");
        assert_eq!(d.model_years, years, "{text}");
        let unknown_maker = d
            .problems
            .iter()
            .any(|p| p.code == vin_problem::WMI_UNKNOWN);
        assert_eq!(unknown_maker, maker.is_none(), "{text}");
        let no_year = d
            .problems
            .iter()
            .any(|p| p.code == vin_problem::MODEL_YEAR_CODE);
        assert_eq!(no_year, years.is_empty(), "{text}");
        assert_eq!(
            d.problems.len(),
            usize::from(unknown_maker) + usize::from(no_year),
            "{text}"
        );
    }
}

#[test]
fn parse_normalises_and_splits_the_sections() {
    let vin = Vin::parse("  lrw3e7fs5pc695355\n").unwrap();
    assert_eq!(vin.to_string(), "LRW3E7FS5PC695355");
    assert_eq!(vin.wmi(), "LRW");
    assert_eq!(vin.vds(), "3E7FS5");
    assert_eq!(vin.vis(), "PC695355");
    assert_eq!(vin.check_digit(), '5');
    assert_eq!(vin.model_year_code(), 'P');
    assert_eq!(vin.plant_code(), 'C');
    assert_eq!(vin.serial(), "695355");
    assert_eq!(vin.model_years(2025), [2023, 1993]);
    assert_eq!("LRW3E7FS5PC695355".parse::<Vin>(), Ok(vin.clone()));
    assert_eq!(
        serde_json::to_string(&vin).unwrap(),
        "\"LRW3E7FS5PC695355\""
    );
}

#[test]
fn errors_tell_length_character_and_check_digit_apart() {
    assert_eq!(
        Vin::parse("LRW3E7FS5PC69535"),
        Err(VinError::Length { found: 16 })
    );
    assert_eq!(Vin::parse(""), Err(VinError::Length { found: 0 }));
    let o = Vin::parse("LRW3E7FS5PCO95355").unwrap_err();
    assert_eq!(
        o,
        VinError::Character {
            position: 12,
            found: 'O'
        }
    );
    assert_eq!(o.code(), "vin_character");
    assert_eq!(
        o.to_string(),
        "position 12 is 'O'; VINs never use I, O or Q"
    );
    assert_eq!(o.message_zh(), "第12位为“O”；车架号不使用字母I、O、Q");
    assert_eq!(
        Vin::parse("LRW3E7FS5PC-95355").unwrap_err().to_string(),
        "position 12 is '-', which is not a VIN character"
    );
    assert_eq!(
        Vin::parse("车RW3E7FS5PC695355"),
        Err(VinError::Character {
            position: 1,
            found: '车'
        })
    );
    let check = Vin::parse("LRW3E7FS4PC695355").unwrap_err();
    assert_eq!(
        check,
        VinError::CheckDigit {
            expected: '5',
            found: '4'
        }
    );
    assert_eq!(check.code(), "vin_check_digit");
    assert_eq!(
        check.to_string(),
        "the check digit (position 9) is 4, the other characters give 5"
    );
}

#[test]
fn the_override_accepts_a_failing_check_digit_and_only_that() {
    let vin = Vin::parse_overriding_check_digit("LRW3E7FS4PC695355").unwrap();
    assert!(!vin.check_digit_ok());
    assert_eq!(vin.expected_check_digit(), '5');
    // A letter where the digit belongs is a failing check digit too, not a malformed VIN.
    assert!(Vin::parse_overriding_check_digit("LRW3E7FSAPC695355").is_ok());
    assert_eq!(
        Vin::parse_overriding_check_digit("LRW3E7FS4PC6953"),
        Err(VinError::Length { found: 15 })
    );
    assert_eq!(
        Vin::parse_overriding_check_digit("LRW3E7FS4PC69535Q"),
        Err(VinError::Character {
            position: 17,
            found: 'Q'
        })
    );
    assert_eq!(
        Vin::with_computed_check_digit("lrw3e7fs0pc695355")
            .unwrap()
            .as_str(),
        "LRW3E7FS5PC695355"
    );
}

#[test]
fn model_years_follow_the_thirty_year_cycle() {
    assert_eq!(model_years('A', 2025), [2010, 1980]);
    assert_eq!(model_years('Y', 2025), [2000]);
    assert_eq!(model_years('1', 2025), [2001]);
    assert_eq!(model_years('9', 2025), [2009]);
    assert_eq!(model_years('S', 2025), [2025, 1995]);
    // Next year's models are on sale from mid-year; the year after is not.
    assert_eq!(model_years('T', 2025), [2026, 1996]);
    assert_eq!(model_years('V', 2025), [1997]);
    assert_eq!(model_years('A', 2040), [2040, 2010, 1980]);
    for never in ['0', 'U', 'Z', 'I', 'O', 'Q', '-'] {
        assert!(model_years(never, 2025).is_empty(), "{never}");
    }
}

#[test]
fn decode_reads_what_it_can_from_broken_input() {
    let d = decode("lfv2a21k5g40O1234", 2025);
    assert!(!d.valid && !d.check_digit_ok);
    assert_eq!(d.vin, "LFV2A21K5G40O1234");
    assert_eq!(d.maker, Some("FAW-Volkswagen"));
    assert_eq!(d.maker_zh, Some("一汽-大众"));
    assert_eq!(d.brands, ["volkswagen", "audi", "jetta"]);
    assert_eq!(
        (d.country, d.country_code, d.region),
        (Some("China"), Some("CN"), Some("Asia"))
    );
    assert_eq!(d.model_years, [2016, 1986]);
    let codes: Vec<_> = d.problems.iter().map(|p| p.code).collect();
    assert_eq!(codes, [vin_problem::CHARACTER]);

    let short = decode("WDD", 2025);
    assert_eq!(short.maker, Some("Mercedes-Benz"));
    assert_eq!(short.country, Some("Germany"));
    assert!(short.model_years.is_empty());
    assert_eq!(short.problems[0].code, vin_problem::LENGTH);

    let nothing = decode("   ", 2025);
    assert_eq!(nothing.vin, "");
    assert!(nothing.wmi.is_none() && nothing.country.is_none() && nothing.region.is_none());

    let long = decode(&"A".repeat(500), 2025);
    assert_eq!(long.vin.len(), 40);
    assert_eq!(
        long.problems[0].message,
        "a VIN has 17 characters, this has 500"
    );
}

#[test]
fn decode_falls_back_to_the_country_ranges() {
    // Unknown maker in known ranges.
    for (text, country) in [
        ("LZZ1CLVB0AN000001", "China"),
        ("KPTA0B1SSAP000001", "South Korea"),
        ("ZFBCFXAB0AP000001", "Italy"),
        ("9BWAB45U0AT000001", "Brazil"),
        ("SBSAA00000A000001", "United Kingdom"),
    ] {
        let d = decode(text, 2025);
        assert_eq!(d.country, Some(country), "{text}");
        assert!(
            d.problems
                .iter()
                .any(|p| p.code == vin_problem::WMI_UNKNOWN),
            "{text}"
        );
    }
    // A range no country holds still has its region.
    let d = decode("EAAAA00000A000001", 2025);
    assert_eq!((d.country, d.region), (None, Some("Africa")));
    // Tesla Berlin registered a Dutch-range code; the plant is in Germany.
    assert_eq!(decode("XP7YGCEK0PB000001", 2025).country, Some("Germany"));
    // A bad year code is a problem, not a failure.
    let d = decode("LRW3E7FS5UC695355", 2025);
    assert!(
        d.problems
            .iter()
            .any(|p| p.code == vin_problem::MODEL_YEAR_CODE)
    );
}

#[test]
fn the_wmi_table_is_sorted_unique_and_well_formed() {
    for pair in wmi::WMIS.windows(2) {
        assert!(
            pair[0].code < pair[1].code,
            "{} then {}",
            pair[0].code,
            pair[1].code
        );
    }
    for entry in wmi::WMIS {
        assert!(
            entry.code.chars().all(is_vin_char) && entry.code.len() == 3,
            "{}",
            entry.code
        );
        let first = entry.code.as_bytes();
        assert!(wmi::country(first[0], first[1]).is_some(), "{}", entry.code);
        if let Some(code) = entry.country_override {
            assert!(wmi::country_by_code(code).is_some(), "{code}");
        }
        for brand in entry.brands {
            assert!(
                crate::vehicle::catalog::brand_by_key(brand).is_some(),
                "{}: unknown brand key {brand}",
                entry.code
            );
        }
    }
}

/// The check digit by the textbook formula (transliteration = index in this string mod 10),
/// independent of the implementation under test.
fn reference_check_digit(vin: &str) -> char {
    const MAP: &str = "0123456789.ABCDEFGH..JKLMN.P.R..STUVWXYZ";
    let sum: usize = vin
        .chars()
        .zip([8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2])
        .map(|(c, w)| (MAP.find(c).unwrap() % 10) * w)
        .sum();
    "0123456789X".chars().nth(sum % 11).unwrap()
}

const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ";

fn vin_char() -> impl Strategy<Value = char> {
    proptest::sample::select(ALPHABET.chars().collect::<Vec<_>>())
}

fn valid_vin() -> impl Strategy<Value = String> {
    proptest::collection::vec(vin_char(), VIN_LENGTH).prop_map(|chars| {
        let mut text: String = chars.into_iter().collect();
        let digit = reference_check_digit(&text);
        text.replace_range(8..9, &digit.to_string());
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_correct_check_digit_always_parses(text in valid_vin()) {
        let vin = Vin::parse(&text).unwrap();
        prop_assert_eq!(vin.as_str(), text.as_str());
        prop_assert_eq!(Vin::parse(&format!(" {} ", text.to_lowercase())), Ok(vin.clone()));
        let d = decode(&text, 2025);
        prop_assert!(d.valid && d.check_digit_ok);
        prop_assert!(d.problems.iter().all(|p| p.code != vin_problem::CHECK_DIGIT));
    }

    #[test]
    fn changing_one_character_breaks_the_check(
        text in valid_vin(),
        position in 0usize..VIN_LENGTH,
        replacement in vin_char(),
    ) {
        let original = text.as_bytes()[position] as char;
        prop_assume!(replacement != original);
        let mut changed = text.clone();
        changed.replace_range(position..=position, &replacement.to_string());
        let value = |c: char| transliterate(c as u8).unwrap();
        let still_valid = position != 8 && value(replacement) == value(original);
        match Vin::parse(&changed) {
            Ok(_) => prop_assert!(still_valid, "{} -> {} parsed", text, changed),
            Err(VinError::CheckDigit { expected, found }) => {
                prop_assert!(!still_valid);
                prop_assert_eq!(found, changed.as_bytes()[8] as char);
                prop_assert_eq!(expected, reference_check_digit(&changed));
            }
            Err(other) => prop_assert!(false, "{}: {}", changed, other),
        }
        prop_assert!(Vin::parse_overriding_check_digit(&changed).is_ok());
    }

    #[test]
    fn decode_never_panics_and_agrees_with_parse(input in "\\PC{0,40}|[0-9A-Za-z]{15,19}") {
        let d = decode(&input, 2025);
        prop_assert_eq!(d.valid, Vin::parse_overriding_check_digit(&input).is_ok());
        prop_assert_eq!(d.check_digit_ok, Vin::parse(&input).is_ok());
        prop_assert!(d.vin.chars().count() <= 40);
        prop_assert!(d.model_years.iter().all(|y| (1980..=2026).contains(y)));
    }
}
