//! How amounts and distances read in reason messages. Integer arithmetic only; amounts are
//! rounded half-up at the shown precision.

/// Thousands separators: 1234567 → "1,234,567".
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn sign(negative: bool) -> &'static str {
    if negative { "-" } else { "" }
}

/// Divides half-up (away from zero) by a positive divisor.
fn div_round(n: u64, by: u64) -> u64 {
    (n + by / 2) / by
}

/// `hundredths` as "12.8" / "12" / "12.85".
fn two_places(hundredths: u64) -> String {
    let (whole, frac) = (hundredths / 100, hundredths % 100);
    match frac {
        0 => whole.to_string(),
        f if f.is_multiple_of(10) => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

/// Chinese style: ¥12.8万 from 1万 yuan up (to 0.01万), otherwise whole yuan: ¥8,500.
pub(crate) fn yuan_zh(cents: i64) -> String {
    let abs = cents.unsigned_abs();
    if abs >= 1_000_000 {
        format!(
            "{}¥{}万",
            sign(cents < 0),
            two_places(div_round(abs, 10_000))
        )
    } else {
        format!("{}¥{}", sign(cents < 0), grouped(div_round(abs, 100)))
    }
}

/// English style, whole yuan: ¥128,000.
pub(crate) fn yuan_en(cents: i64) -> String {
    format!(
        "{}¥{}",
        sign(cents < 0),
        grouped(div_round(cents.unsigned_abs(), 100))
    )
}

/// 3.2万公里 from 10,000 km up (to 0.1万), otherwise 8000公里.
pub(crate) fn km_zh(km: i64) -> String {
    let abs = km.unsigned_abs();
    if abs >= 10_000 {
        let tenths = div_round(abs, 1_000);
        let text = if tenths.is_multiple_of(10) {
            (tenths / 10).to_string()
        } else {
            format!("{}.{}", tenths / 10, tenths % 10)
        };
        format!("{}{text}万公里", sign(km < 0))
    } else {
        format!("{}{abs}公里", sign(km < 0))
    }
}

pub(crate) fn km_en(km: i64) -> String {
    format!("{}{} km", sign(km < 0), grouped(km.unsigned_abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_the_chinese_and_the_english_way() {
        assert_eq!(yuan_zh(12_800_000), "¥12.8万");
        assert_eq!(yuan_zh(12_850_000), "¥12.85万");
        assert_eq!(yuan_zh(12_849_500), "¥12.85万");
        assert_eq!(yuan_zh(15_000_000), "¥15万");
        assert_eq!(yuan_zh(1_000_000), "¥1万");
        assert_eq!(yuan_zh(850_000), "¥8,500");
        assert_eq!(yuan_zh(-120_000), "-¥1,200");
        assert_eq!(yuan_en(12_800_000), "¥128,000");
        assert_eq!(yuan_en(91_450), "¥915");
        assert_eq!(yuan_en(0), "¥0");
        assert_eq!(km_zh(32_000), "3.2万公里");
        assert_eq!(km_zh(50_000), "5万公里");
        assert_eq!(km_zh(8_000), "8000公里");
        assert_eq!(km_en(32_000), "32,000 km");
    }
}
