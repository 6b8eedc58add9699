//! Normalising text typed with Chinese input methods, which switch to full-width forms
//! (`１３８`, `Ｘ`, `（`) and ideographic spaces without the typist noticing.

/// The half-width form of a full-width ASCII character or ideographic space; any other
/// character unchanged.
pub(crate) fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Half-width, upper-cased, and without any whitespace: how document numbers and codes are
/// compared and stored.
pub(crate) fn compact_upper(input: &str) -> String {
    input
        .chars()
        .map(half_width)
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// True for the CJK ideographs that Chinese names and addresses are written in.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{4E00}'..='\u{9FFF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2EBEF}'
        | '\u{30000}'..='\u{3134F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_forms_become_ascii() {
        let typed: String = "１１０１０１　Ｘｘ（Ａ）".chars().map(half_width).collect();
        assert_eq!(typed, "110101 Xx(A)");
        assert_eq!(compact_upper(" h１２３ ４５６７８ "), "H12345678");
        assert_eq!(half_width('张'), '张');
    }

    #[test]
    fn cjk_detection() {
        assert!("张伟".chars().all(is_cjk));
        assert!(is_cjk('𠀋'));
        assert!(!"Zhang Wei·".chars().any(is_cjk));
    }
}
