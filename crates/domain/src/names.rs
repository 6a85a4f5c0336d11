//! Names people type for villages and accounts: they must show something.
//!
//! A name made only of zero-width spaces (`U+200B`), bidi overrides
//! (`U+202E`) or other characters that draw nothing looks empty on every
//! screen and in every printed report, yet differs from every other name, so
//! it is refused like an empty one. Invisible characters at either end are
//! trimmed like spaces; control characters (line breaks, NUL, …) are refused
//! anywhere, since no name has them and they break lists and printouts.

use crate::record::FieldError;

/// Whether `c` draws nothing by itself: whitespace, control characters,
/// format characters (general category Cf: zero-width spaces and joiners,
/// bidi marks and overrides, the BOM…) and the other default-ignorable
/// code points of Unicode (variation selectors, Hangul fillers, tag
/// characters), plus the braille blank.
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace() || c.is_control() || is_format_or_ignorable(c)
}

/// Unicode's Default_Ignorable_Code_Point set and the general category Cf
/// (both from the Unicode 15 data files), as ranges.
fn is_format_or_ignorable(c: char) -> bool {
    const RANGES: &[(u32, u32)] = &[
        (0x00AD, 0x00AD),   // soft hyphen
        (0x034F, 0x034F),   // combining grapheme joiner
        (0x0600, 0x0605),   // Arabic number signs (Cf)
        (0x061C, 0x061C),   // Arabic letter mark
        (0x06DD, 0x06DD),   // Arabic end of ayah (Cf)
        (0x070F, 0x070F),   // Syriac abbreviation mark (Cf)
        (0x0890, 0x0891),   // Arabic pound/piastre mark above (Cf)
        (0x08E2, 0x08E2),   // Arabic disputed end of ayah (Cf)
        (0x115F, 0x1160),   // Hangul choseong/jungseong fillers
        (0x17B4, 0x17B5),   // Khmer inherent vowels
        (0x180B, 0x180F),   // Mongolian variation selectors, vowel separator
        (0x200B, 0x200F),   // zero-width space, ZWNJ, ZWJ, LRM, RLM
        (0x202A, 0x202E),   // bidi embeddings and overrides
        (0x2060, 0x206F),   // word joiner, invisible operators, bidi isolates
        (0x2800, 0x2800),   // braille pattern blank
        (0x3164, 0x3164),   // Hangul filler
        (0xFE00, 0xFE0F),   // variation selectors
        (0xFEFF, 0xFEFF),   // zero-width no-break space (BOM)
        (0xFFA0, 0xFFA0),   // halfwidth Hangul filler
        (0xFFF0, 0xFFFB),   // unassigned specials, interlinear annotation
        (0x110BD, 0x110BD), // Kaithi number sign (Cf)
        (0x110CD, 0x110CD), // Kaithi number sign above (Cf)
        (0x13430, 0x1343F), // Egyptian hieroglyph format controls
        (0x1BCA0, 0x1BCA3), // shorthand format controls
        (0x1D173, 0x1D17A), // musical symbol format controls
        (0xE0000, 0xE0FFF), // tags and variation selectors supplement
    ];
    let c = c as u32;
    RANGES.iter().any(|&(lo, hi)| (lo..=hi).contains(&c))
}

/// `name` without the invisible characters at either end: what is stored.
pub fn clean_name(name: &str) -> &str {
    name.trim_matches(is_invisible)
}

/// The problem with a name typed for `field`, if any: nothing visible
/// (`required`, with `required_vi` as the message), a control character
/// inside (`invalid`), or more than `max` characters as typed
/// (`too_long`).
pub fn check_name(field: &str, name: &str, max: usize, required_vi: &str) -> Option<FieldError> {
    // The length is the typed one, as a JSON Schema `maxLength` counts it
    // (the OpenAPI document says so): invisible ends count too.
    if name.chars().count() > max {
        return Some(FieldError::limit(field, "too_long", max as f64, "Quá dài, tối đa số ký tự là"));
    }
    let name = clean_name(name);
    if name.is_empty() {
        return Some(FieldError::new(field, "required", required_vi));
    }
    if name.chars().any(char::is_control) {
        return Some(FieldError::new(field, "invalid", "Tên không được chứa ký tự điều khiển (xuống dòng, tab…)"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(name: &str) -> Option<String> {
        check_name("name", name, 10, "Vui lòng nhập tên").map(|e| e.code)
    }

    #[test]
    fn names_of_invisible_characters_only_are_refused() {
        for name in [
            "",
            "   ",
            "\u{200b}",
            "\u{202e}",
            "\u{200b}\u{202e}\u{feff}",
            " \u{2060}\u{00a0}\u{3000} ",
            "\u{3164}\u{115f}",
            "\u{fe0f}\u{e0041}",
            "\u{2800}",
            "\u{180e}\u{061c}\u{200d}",
            "\t\n",
        ] {
            assert_eq!(code(name).as_deref(), Some("required"), "{name:?}");
        }
    }

    #[test]
    fn visible_names_pass_and_are_trimmed_of_invisible_ends() {
        for name in ["Nà Pài", "A", "Bản Chang", "😀", "ꙮ", "Trần Đức"] {
            assert_eq!(code(name), None, "{name:?}");
        }
        assert_eq!(clean_name("\u{200b} Thôn A\u{202e}\u{feff} "), "Thôn A");
        // Joiners inside a visible name are kept (emoji sequences use them).
        assert_eq!(clean_name("👨\u{200d}🌾"), "👨\u{200d}🌾");
        assert_eq!(code("👨\u{200d}🌾"), None);
    }

    #[test]
    fn control_characters_inside_and_long_names_are_refused() {
        assert_eq!(code("Thôn\nA").as_deref(), Some("invalid"));
        assert_eq!(code("Thôn\u{0}A").as_deref(), Some("invalid"));
        assert_eq!(code("0123456789").as_deref(), None);
        assert_eq!(code("0123456789x").as_deref(), Some("too_long"));
        // The length is the typed one (what the OpenAPI maxLength says).
        assert_eq!(code("\u{200b}0123456789").as_deref(), Some("too_long"));
    }

    #[test]
    fn ordinary_letters_and_marks_are_visible() {
        for c in ['a', 'ô', 'Đ', '1', '.', '\u{0301}', '中'] {
            assert!(!is_invisible(c), "{c:?}");
        }
        for c in ['\u{200b}', '\u{202e}', '\u{feff}', ' ', '\u{a0}', '\u{0}', '\u{7f}', '\u{2066}'] {
            assert!(is_invisible(c), "{c:?}");
        }
    }
}
