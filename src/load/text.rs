//! Value hygiene shared by every source: trimming, empty spellings, keys.
//!
//! SPEC "Inputs": every value is trimmed of Unicode White_Space and of the zero-width
//! characters U+200B, U+200C, U+200D, U+2060 and U+FEFF; a handful of spellings mean "empty";
//! keys are compared by a normal form (e-mails case-insensitively, Salesforce ids on their
//! first 15 characters).

/// The spellings that mean "empty" when a source does not set its own list.
pub const DEFAULT_EMPTY: &[&str] = &[
    "null",
    "none",
    "n/a",
    "#n/a",
    "[not provided]",
    "select",
    "000000000000000AAA",
];

fn is_trim_char(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
        )
}

/// Trim Unicode White_Space and zero-width characters at both ends.
#[inline]
pub fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    // Fast path: most values start and end with a visible ASCII character.
    match (b.first(), b.last()) {
        (None, _) => s,
        (Some(&f), Some(&l)) if f > b' ' && f < 0x80 && l > b' ' && l < 0x80 => s,
        _ => s.trim_matches(is_trim_char),
    }
}

/// A value as quoted in a message: line breaks and tabs escaped, cut after 60 characters (a
/// runaway quoted field can hold the rest of the file).
pub fn shown(v: &str) -> String {
    const MAX: usize = 60;
    let mut out = String::new();
    for (i, c) in v.chars().enumerate() {
        if i == MAX {
            out.push('…');
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The list of empty spellings of one source, compared case-insensitively after trimming.
#[derive(Debug, Clone)]
pub struct EmptySpellings {
    lowered: Vec<String>,
    /// Bytes of the longest spelling in any case (a longer value cannot be one).
    longest: usize,
    /// Bit `n` set when an ASCII spelling is `n` bytes long: an ASCII value of any other length
    /// cannot be one, which settles nearly every value with one test.
    ascii_lengths: u64,
}

impl Default for EmptySpellings {
    fn default() -> Self {
        Self::new(DEFAULT_EMPTY.iter().copied())
    }
}

impl EmptySpellings {
    /// A list from the given spellings (the empty string is always empty).
    pub fn new<'a>(spellings: impl IntoIterator<Item = &'a str>) -> Self {
        let lowered = spellings
            .into_iter()
            .map(|s| trim(s).to_lowercase())
            .filter(|s| !s.is_empty())
            .collect::<Vec<String>>();
        // Lowercasing can change a character's byte length (up to 3 bytes).
        let longest = lowered.iter().map(|s| s.len() * 3).max().unwrap_or(0);
        let ascii_lengths = lowered
            .iter()
            .filter(|s| s.is_ascii() && s.len() < 64)
            .fold(0, |m, s| m | 1 << s.len());
        // A spelling of 64 bytes or more: let every length through to the comparison.
        let ascii_lengths = if lowered.iter().any(|s| s.is_ascii() && s.len() >= 64) {
            u64::MAX
        } else {
            ascii_lengths
        };
        Self {
            lowered,
            longest,
            ascii_lengths,
        }
    }

    /// Whether a trimmed value is empty.
    #[inline]
    pub fn is_empty_value(&self, trimmed: &str) -> bool {
        if trimmed.is_empty() {
            return true;
        }
        if trimmed.len() > self.longest {
            return false;
        }
        if trimmed.is_ascii() {
            // An ASCII value keeps its length when lowercased.
            if trimmed.len() < 64 && self.ascii_lengths & (1 << trimmed.len()) == 0 {
                return false;
            }
            return self
                .lowered
                .iter()
                .any(|e| e.len() == trimmed.len() && e.eq_ignore_ascii_case(trimmed));
        }
        let lowered = trimmed.to_lowercase();
        self.lowered.contains(&lowered)
    }

    /// Trim a raw value and map empty spellings to `None`.
    #[inline]
    pub fn clean<'a>(&self, raw: &'a str) -> Option<&'a str> {
        let t = trim(raw);
        if self.is_empty_value(t) {
            None
        } else {
            Some(t)
        }
    }
}

/// Why a key cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyProblem {
    /// The key is empty (after trimming and empty spellings).
    Empty,
    /// Excel turned the key into a number in scientific notation (`1.10416E+11`).
    ExcelDamaged,
}

/// Whether a value looks like a number Excel wrote in scientific notation: `1.10416E+11`.
pub fn is_excel_scientific(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(e) = b.iter().position(|&c| c == b'e' || c == b'E') else {
        return false;
    };
    let (mantissa, exp) = (&b[..e], &b[e + 1..]);
    let mantissa_ok = match mantissa {
        [d] => d.is_ascii_digit(),
        [d, b'.', rest @ ..] => {
            d.is_ascii_digit() && !rest.is_empty() && rest.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    };
    let exp_ok = match exp {
        [b'+', digits @ ..] => !digits.is_empty() && digits.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    mantissa_ok && exp_ok
}

/// The normal form keys are compared by (SPEC "Keys").
///
/// Returns a borrowed slice when the trimmed value is already in normal form, which is the
/// common case for ids and lowercase e-mails.
pub fn normalize_key<'a>(
    raw: &'a str,
    empty: &EmptySpellings,
    salesforce_ids: bool,
) -> Result<std::borrow::Cow<'a, str>, KeyProblem> {
    use std::borrow::Cow;
    let Some(k) = empty.clean(raw) else {
        return Err(KeyProblem::Empty);
    };
    // One pass over the bytes: an `@`, and anything lowercasing would change.
    let (mut at, mut changes) = (false, false);
    for &c in k.as_bytes() {
        at |= c == b'@';
        changes |= c.is_ascii_uppercase() || c >= 0x80;
    }
    if at {
        if changes {
            return Ok(Cow::Owned(k.to_lowercase()));
        }
        return Ok(Cow::Borrowed(k));
    }
    if is_excel_scientific(k) {
        return Err(KeyProblem::ExcelDamaged);
    }
    if salesforce_ids
        && (k.len() == 15 || k.len() == 18)
        && k.bytes().all(|c| c.is_ascii_alphanumeric())
    {
        return Ok(Cow::Borrowed(&k[..15]));
    }
    Ok(Cow::Borrowed(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_unicode_space_and_zero_width() {
        assert_eq!(trim("  a b \t"), "a b");
        assert_eq!(trim("\u{200B}\u{FEFF}x\u{00A0}\u{2060}"), "x");
        assert_eq!(trim("\u{3000}全角\u{3000}"), "全角");
        assert_eq!(trim(""), "");
        assert_eq!(trim("abc"), "abc");
    }

    #[test]
    fn empty_spellings_are_case_insensitive() {
        let e = EmptySpellings::default();
        for v in [
            "",
            "NULL",
            "None",
            "n/a",
            "#N/A",
            "[Not Provided]",
            "Select",
            "000000000000000aaa",
        ] {
            assert!(e.is_empty_value(v), "{v}");
        }
        assert!(!e.is_empty_value("0"));
        assert!(!e.is_empty_value("nothing"));
        assert_eq!(e.clean("  N/A "), None);
        assert_eq!(e.clean(" x "), Some("x"));
        let custom = EmptySpellings::new(["-", "tbd"]);
        assert!(custom.is_empty_value("TBD"));
        assert!(!custom.is_empty_value("null"));
        // Long and non-ASCII spellings get past the length test to the comparison.
        let long = "x".repeat(70);
        let odd = EmptySpellings::new([long.as_str(), "NÃO INFORMADO", "\u{212A}"]);
        assert!(odd.is_empty_value(&long.to_uppercase()));
        assert!(!odd.is_empty_value(&"x".repeat(69)));
        assert!(odd.is_empty_value("não informado"));
        assert!(odd.is_empty_value("k"));
        assert!(!odd.is_empty_value("kk"));
    }

    #[test]
    fn excel_scientific_ids() {
        assert!(is_excel_scientific("1.10416E+11"));
        assert!(is_excel_scientific("3E+12"));
        assert!(is_excel_scientific("1.2e+5"));
        assert!(!is_excel_scientific("110416000000"));
        assert!(!is_excel_scientific("E+11"));
        assert!(!is_excel_scientific("1.E+11"));
        assert!(!is_excel_scientific("1.1E-11"));
        assert!(!is_excel_scientific("12.1E+11"));
    }

    #[test]
    fn keys_normalize() {
        let e = EmptySpellings::default();
        assert_eq!(
            normalize_key(" Ann@Example.COM ", &e, false).unwrap(),
            "ann@example.com"
        );
        assert_eq!(
            normalize_key("\u{200B}bob@x.io", &e, false).unwrap(),
            "bob@x.io"
        );
        assert_eq!(
            normalize_key("00Q5f000001AbCdEAF", &e, true).unwrap(),
            "00Q5f000001AbCd"
        );
        assert_eq!(
            normalize_key("00Q5f000001AbCd", &e, true).unwrap(),
            "00Q5f000001AbCd"
        );
        assert_eq!(
            normalize_key("00Q5f000001AbCdEAF", &e, false).unwrap(),
            "00Q5f000001AbCdEAF"
        );
        assert_eq!(normalize_key("Lead-17", &e, true).unwrap(), "Lead-17");
        assert_eq!(normalize_key("null", &e, false), Err(KeyProblem::Empty));
        assert_eq!(
            normalize_key("1.10416E+11", &e, false),
            Err(KeyProblem::ExcelDamaged)
        );
    }
}
