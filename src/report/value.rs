//! Parsing what a clerk typed into a cell. Parsing is validation: an unparseable value
//! stays stored as typed and comes back as an [`Invalid`] shown beside the cell.
//!
//! Accepted, because Chinese input methods and spreadsheets produce them: full-width
//! digits and signs (１２、－３、１２．５), surrounding spaces (also U+3000), thousands
//! separators in their proper places (1,234 / 1，234) and a whole number written with
//! zero decimals (12.0). Everything else that is not a number is refused, Chinese
//! numerals included (“十二”). Amounts are 万元 with at most four decimals, i.e. to the
//! yuan, and are held as whole yuan: no floating point anywhere.

use crate::format::CellKind;

/// The largest count the app accepts (value.range): well above any real agency's numbers.
pub const MAX_COUNT: i64 = 10_000_000;
/// The largest amount in yuan (1 亿万元 = 10^12 yuan).
pub const MAX_AMOUNT_YUAN: i64 = 1_000_000_000_000;

/// Why a typed value is not a valid value, with the rule it breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid {
    pub rule: &'static str,
    /// What to tell the clerk beside the cell.
    pub hint: &'static str,
}

const NOT_WHOLE: Invalid = Invalid {
    rule: "value.integer",
    hint: "请填写非负整数",
};
const NOT_SIGNED: Invalid = Invalid {
    rule: "value.integer",
    hint: "请填写整数，减少用负数表示",
};
const NEGATIVE: Invalid = Invalid {
    rule: "value.nonnegative",
    hint: "不能为负数",
};
const TOO_LARGE: Invalid = Invalid {
    rule: "value.range",
    hint: "数值过大（超过一千万），请核对",
};
const NOT_AMOUNT: Invalid = Invalid {
    rule: "value.range",
    hint: "请填写金额数字（单位：万元），如 12.5",
};
const TOO_PRECISE: Invalid = Invalid {
    rule: "value.range",
    hint: "金额最多保留四位小数（精确到元）",
};
const AMOUNT_TOO_LARGE: Invalid = Invalid {
    rule: "value.range",
    hint: "金额过大，请核对单位（万元）",
};

/// Parses a raw value: `Ok(None)` when blank (read as 0), `Ok(Some(n))` with amounts in yuan.
pub fn parse(kind: CellKind, raw: &str) -> Result<Option<i64>, Invalid> {
    // Most cells are blank or plain digits: answer those without allocating.
    if raw.is_empty() {
        return Ok(None);
    }
    if raw.len() <= 8 && raw.bytes().all(|b| b.is_ascii_digit()) {
        // At most 8 digits: fits, and ≤ MAX_COUNT is checked below for counts.
        let v = raw.bytes().fold(0i64, |acc, b| acc * 10 + i64::from(b - b'0'));
        return match kind {
            CellKind::Count | CellKind::Signed if v > MAX_COUNT => Err(TOO_LARGE),
            CellKind::Count | CellKind::Signed => Ok(Some(v)),
            CellKind::Amount => Ok(Some(v * 10_000)),
        };
    }
    let text = normalize(raw);
    if text.is_empty() {
        return Ok(None);
    }
    let number = Decimal::read(&text);
    // No `_ =>` arm: a new CellKind must not compile until it is parsed here.
    match kind {
        CellKind::Count => match whole(number.ok_or(NOT_WHOLE)?, NOT_WHOLE)? {
            v if v < 0 => Err(NEGATIVE),
            v => Ok(Some(v)),
        },
        CellKind::Signed => Ok(Some(whole(number.ok_or(NOT_SIGNED)?, NOT_SIGNED)?)),
        CellKind::Amount => {
            let n = number.ok_or(NOT_AMOUNT)?;
            if n.negative && !n.is_zero() {
                return Err(NEGATIVE);
            }
            if n.frac.trim_end_matches('0').len() > 4 {
                return Err(TOO_PRECISE);
            }
            let int: i64 = n.int.parse().map_err(|_| AMOUNT_TOO_LARGE)?;
            let frac = format!("{:0<4}", n.frac.trim_end_matches('0'));
            let frac: i64 = frac.parse().map_err(|_| NOT_AMOUNT)?;
            let yuan = int
                .checked_mul(10_000)
                .and_then(|y| y.checked_add(frac))
                .filter(|y| *y <= MAX_AMOUNT_YUAN)
                .ok_or(AMOUNT_TOO_LARGE)?;
            Ok(Some(yuan))
        }
    }
}

/// The canonical spelling of a valid value, as stored and exported (amounts in 万元).
pub fn canonical(kind: CellKind, value: i64) -> String {
    match kind {
        CellKind::Count | CellKind::Signed => value.to_string(),
        CellKind::Amount => wan(value),
    }
}

/// Whole yuan as 万元 with up to four decimals: 40682080 → "4068.208".
pub fn wan(yuan: i64) -> String {
    let (int, frac) = (yuan / 10_000, yuan % 10_000);
    if frac == 0 {
        int.to_string()
    } else {
        let digits = format!("{frac:04}");
        format!("{int}.{}", digits.trim_end_matches('0'))
    }
}

/// [`tidy`] into `out`, reusing its buffer.
pub fn tidy_into(kind: CellKind, raw: &str, out: &mut String) {
    out.clear();
    if raw.bytes().all(|b| b.is_ascii_digit()) && !(raw.len() > 1 && raw.starts_with('0')) {
        out.push_str(raw);
    } else {
        out.push_str(&tidy(kind, raw));
    }
}

/// [`canonical`] appended to `out`.
pub fn push_canonical(out: &mut String, kind: CellKind, value: i64) {
    match kind {
        CellKind::Count | CellKind::Signed => out.push_str(itoa::Buffer::new().format(value)),
        CellKind::Amount => out.push_str(&wan(value)),
    }
}

/// What the clerk typed, as it should be stored: the canonical form when valid, else as typed.
pub fn tidy(kind: CellKind, raw: &str) -> String {
    // Most values typed are blank or plain digits without a leading zero: kept as they are
    // whether valid or too large.
    if raw.bytes().all(|b| b.is_ascii_digit()) && !(raw.len() > 1 && raw.starts_with('0')) {
        return raw.to_string();
    }
    match parse(kind, raw) {
        Ok(Some(v)) => canonical(kind, v),
        Ok(None) => String::new(),
        Err(_) => raw.to_string(),
    }
}

/// Folds full-width digits and signs to ASCII and trims every kind of space.
fn normalize(raw: &str) -> String {
    raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' | '。' => '.',
            '－' | '−' | '–' => '-',
            '＋' => '+',
            '，' => ',',
            other => other,
        })
        .collect()
}

/// A decimal number as written: sign, integer digits, fraction digits.
struct Decimal {
    negative: bool,
    int: String,
    frac: String,
}

impl Decimal {
    fn read(text: &str) -> Option<Decimal> {
        let (negative, rest) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
        let int = ungroup(int)?;
        if int.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let int = int.trim_start_matches('0');
        Some(Decimal {
            negative,
            int: if int.is_empty() { "0".into() } else { int.into() },
            frac: frac.into(),
        })
    }

    fn is_zero(&self) -> bool {
        self.int == "0" && self.frac.bytes().all(|b| b == b'0')
    }
}

/// Removes thousands separators, only where they group by three: "1,234" but not "12,34".
fn ungroup(int: &str) -> Option<String> {
    if !int.contains(',') {
        return int.bytes().all(|b| b.is_ascii_digit()).then(|| int.to_string());
    }
    let groups: Vec<&str> = int.split(',').collect();
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
    let digits = groups.concat();
    (first_ok && rest_ok && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// A whole number from a decimal, if it is one and fits in [`MAX_COUNT`].
fn whole(n: Decimal, not_whole: Invalid) -> Result<i64, Invalid> {
    if !n.frac.bytes().all(|b| b == b'0') {
        return Err(not_whole);
    }
    let v: i64 = n.int.parse().map_err(|_| TOO_LARGE)?;
    if v > MAX_COUNT {
        return Err(TOO_LARGE);
    }
    Ok(if n.negative { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;
    use CellKind::*;

    #[test]
    fn counts_accept_what_input_methods_type() {
        assert_eq!(parse(Count, "12"), Ok(Some(12)));
        assert_eq!(parse(Count, " １２ "), Ok(Some(12)));
        assert_eq!(parse(Count, "\u{3000}7"), Ok(Some(7)));
        assert_eq!(parse(Count, "1,234"), Ok(Some(1234)));
        assert_eq!(parse(Count, "1，234，567"), Ok(Some(1_234_567)));
        assert_eq!(parse(Count, "12.0"), Ok(Some(12)));
        assert_eq!(parse(Count, "007"), Ok(Some(7)));
        assert_eq!(parse(Count, ""), Ok(None));
        assert_eq!(parse(Count, "   "), Ok(None));
    }

    #[test]
    fn counts_refuse_what_is_not_a_whole_nonnegative_number() {
        assert_eq!(parse(Count, "十二").map_err(|e| e.rule), Err("value.integer"));
        assert_eq!(parse(Count, "3.5").map_err(|e| e.rule), Err("value.integer"));
        assert_eq!(parse(Count, "12,34").map_err(|e| e.rule), Err("value.integer"));
        assert_eq!(parse(Count, "1e3").map_err(|e| e.rule), Err("value.integer"));
        assert_eq!(parse(Count, "-1").map_err(|e| e.rule), Err("value.nonnegative"));
        assert_eq!(parse(Count, "－1").map_err(|e| e.rule), Err("value.nonnegative"));
        assert_eq!(
            parse(Count, "1000000000000").map_err(|e| e.rule),
            Err("value.range")
        );
        assert_eq!(
            parse(Count, "99999999999999999999999999").map_err(|e| e.rule),
            Err("value.range")
        );
        assert_eq!(parse(Count, "10000001").map_err(|e| e.rule), Err("value.range"));
        assert_eq!(parse(Count, "10000000"), Ok(Some(10_000_000)));
    }

    #[test]
    fn signed_changes_take_either_sign() {
        assert_eq!(parse(Signed, "-8"), Ok(Some(-8)));
        assert_eq!(parse(Signed, "−8"), Ok(Some(-8)));
        assert_eq!(parse(Signed, "+1036"), Ok(Some(1036)));
        assert_eq!(parse(Signed, "减8").map_err(|e| e.rule), Err("value.integer"));
    }

    #[test]
    fn amounts_are_exact_to_the_yuan() {
        assert_eq!(parse(Amount, "4068.208"), Ok(Some(40_682_080)));
        assert_eq!(parse(Amount, "0"), Ok(Some(0)));
        assert_eq!(parse(Amount, "0.0001"), Ok(Some(1)));
        assert_eq!(parse(Amount, "１２．５"), Ok(Some(125_000)));
        assert_eq!(parse(Amount, "0.123400"), Ok(Some(1234)));
        assert_eq!(parse(Amount, "0.00001").map_err(|e| e.rule), Err("value.range"));
        assert_eq!(parse(Amount, "-3").map_err(|e| e.rule), Err("value.nonnegative"));
        assert_eq!(parse(Amount, "abc").map_err(|e| e.rule), Err("value.range"));
        assert_eq!(parse(Amount, "251000元").map_err(|e| e.rule), Err("value.range"));
        assert_eq!(wan(40_682_080), "4068.208");
        assert_eq!(wan(125_000), "12.5");
        assert_eq!(wan(1), "0.0001");
    }

    #[test]
    fn tidy_keeps_wrong_input_as_typed() {
        assert_eq!(tidy(Count, "１２"), "12");
        assert_eq!(tidy(Count, "十二"), "十二");
        assert_eq!(tidy(Amount, "12.50"), "12.5");
        assert_eq!(tidy(Count, "  "), "");
        assert_eq!(tidy(Count, "007"), "7");
        assert_eq!(tidy(Count, "0"), "0");
        assert_eq!(
            tidy(Count, "123456789012"),
            "123456789012",
            "too large, kept as typed"
        );
        assert_eq!(tidy(Amount, "12"), "12");
        let mut out = String::from("old");
        for raw in ["１２", "十二", "12.50", "  ", "007", "0", "123456789012", "5"] {
            tidy_into(Count, raw, &mut out);
            assert_eq!(out, tidy(Count, raw), "{raw}");
        }
        for v in [0, 7, -3, 10_000_000] {
            let mut out = String::from("x");
            push_canonical(&mut out, Count, v);
            assert_eq!(out, format!("x{}", canonical(Count, v)));
        }
    }
}
