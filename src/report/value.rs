//! Parsing what a clerk typed into a cell. Parsing is validation: an unparseable value
//! stays stored as typed and comes back as an [`Invalid`] shown beside the cell.
//!
//! Accepted, because Chinese input methods and spreadsheets produce them: full-width
//! digits and signs (１２、－３、１２．５), surrounding spaces (also U+3000), thousands
//! separators in their proper places (1,234 / 1，234) and a whole number written with
//! zero decimals (12.0). Everything else that is not a number is refused, Chinese
//! numerals included (“十二”). Amounts are exact to the 分 (six decimals of 万元, two of
//! 元) and are held as whole 分: no floating point anywhere. A valid amount is stored as
//! typed (its decimals kept, `24252.311082` stays `24252.311082`), only normalised to
//! plain ASCII digits.

use crate::format::{CellKind, Unit, ValueRule};

/// The largest count the app accepts (value.range): well above any real agency's numbers.
pub const MAX_COUNT: i64 = 10_000_000;
/// The largest amount in 分 (10^12 元 = 1 亿万元).
pub const MAX_AMOUNT_FEN: i64 = 100_000_000_000_000;

/// Why a typed value is not a valid value, with the rule it breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid {
    pub rule: ValueRule,
    /// What to tell the clerk beside the cell.
    pub hint: &'static str,
}

const NOT_WHOLE: Invalid = Invalid {
    rule: ValueRule::Integer,
    hint: "请填写非负整数",
};
const NOT_SIGNED: Invalid = Invalid {
    rule: ValueRule::Integer,
    hint: "请填写整数，减少用负数表示",
};
const NEGATIVE: Invalid = Invalid {
    rule: ValueRule::Nonnegative,
    hint: "不能为负数",
};
const TOO_LARGE: Invalid = Invalid {
    rule: ValueRule::Range,
    hint: "数值过大（超过一千万），请核对",
};

/// The ways an amount in `unit` can be wrong.
const fn amount_refusals(unit: Unit) -> [Invalid; 3] {
    let range = ValueRule::Range;
    match unit {
        Unit::Wan => [
            Invalid {
                rule: range,
                hint: "请填写金额数字（单位：万元），如 12.5",
            },
            Invalid {
                rule: range,
                hint: "金额最多保留六位小数（精确到分）",
            },
            Invalid {
                rule: range,
                hint: "金额过大，请核对单位（万元）",
            },
        ],
        Unit::Yuan => [
            Invalid {
                rule: range,
                hint: "请填写金额数字（单位：元），如 1234.56",
            },
            Invalid {
                rule: range,
                hint: "金额最多保留两位小数（精确到分）",
            },
            Invalid {
                rule: range,
                hint: "金额过大，请核对单位（元）",
            },
        ],
    }
}

/// Parses a raw value: `Ok(None)` when blank (read as 0), `Ok(Some(n))` with amounts in 分.
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
            CellKind::Amount(unit) => Ok(Some(v * unit.fen())),
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
        CellKind::Amount(unit) => amount(unit, number).map(|(fen, _)| Some(fen)),
    }
}

/// An amount in 分, with its spelling as typed in plain ASCII (`１２．５０` → `12.50`).
fn amount(unit: Unit, number: Option<Decimal>) -> Result<(i64, String), Invalid> {
    let [not_amount, too_precise, too_large] = amount_refusals(unit);
    let n = number.ok_or(not_amount)?;
    if n.negative && !n.is_zero() {
        return Err(NEGATIVE);
    }
    if n.frac.trim_end_matches('0').len() > unit.decimals() {
        return Err(too_precise);
    }
    let int: i64 = n.int.parse().map_err(|_| too_large)?;
    let mut frac = n.frac.trim_end_matches('0').to_string();
    while frac.len() < unit.decimals() {
        frac.push('0');
    }
    let frac: i64 = frac.parse().map_err(|_| not_amount)?;
    let fen = int
        .checked_mul(unit.fen())
        .and_then(|f| f.checked_add(frac))
        .filter(|f| *f <= MAX_AMOUNT_FEN)
        .ok_or(too_large)?;
    let spelled = if n.frac.is_empty() {
        n.int
    } else {
        format!("{}.{}", n.int, n.frac)
    };
    Ok((fen, spelled))
}

/// The canonical spelling of a valid value, for a computed value (amounts without
/// trailing zeros in their unit).
pub fn canonical(kind: CellKind, value: i64) -> String {
    match kind {
        CellKind::Count | CellKind::Signed => value.to_string(),
        CellKind::Amount(unit) => in_unit(unit, value),
    }
}

/// 分 written in `unit`, without trailing zeros: 2425231108200 分 → "24252.311082" 万元.
pub fn in_unit(unit: Unit, fen: i64) -> String {
    let (int, frac) = (fen / unit.fen(), fen % unit.fen());
    if frac == 0 {
        int.to_string()
    } else {
        let digits = format!("{frac:0width$}", width = unit.decimals());
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
        CellKind::Amount(unit) => out.push_str(&in_unit(unit, value)),
    }
}

/// What the clerk typed, as it should be stored: valid counts in canonical form, valid
/// amounts as typed in plain ASCII (decimals kept), anything else exactly as typed.
pub fn tidy(kind: CellKind, raw: &str) -> String {
    // Most values typed are blank or plain digits without a leading zero: kept as they are
    // whether valid or too large.
    if raw.bytes().all(|b| b.is_ascii_digit()) && !(raw.len() > 1 && raw.starts_with('0')) {
        return raw.to_string();
    }
    if let CellKind::Amount(unit) = kind {
        let text = normalize(raw);
        if text.is_empty() {
            return String::new();
        }
        return match amount(unit, Decimal::read(&text)) {
            Ok((_, spelled)) => spelled,
            Err(_) => raw.to_string(),
        };
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
    use crate::format::Unit;
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
        assert_eq!(
            parse(Count, "十二").map_err(|e| e.rule.id()),
            Err("value.integer")
        );
        assert_eq!(parse(Count, "3.5").map_err(|e| e.rule.id()), Err("value.integer"));
        assert_eq!(
            parse(Count, "12,34").map_err(|e| e.rule.id()),
            Err("value.integer")
        );
        assert_eq!(parse(Count, "1e3").map_err(|e| e.rule.id()), Err("value.integer"));
        assert_eq!(
            parse(Count, "-1").map_err(|e| e.rule.id()),
            Err("value.nonnegative")
        );
        assert_eq!(
            parse(Count, "－1").map_err(|e| e.rule.id()),
            Err("value.nonnegative")
        );
        assert_eq!(
            parse(Count, "1000000000000").map_err(|e| e.rule.id()),
            Err("value.range")
        );
        assert_eq!(
            parse(Count, "99999999999999999999999999").map_err(|e| e.rule.id()),
            Err("value.range")
        );
        assert_eq!(
            parse(Count, "10000001").map_err(|e| e.rule.id()),
            Err("value.range")
        );
        assert_eq!(parse(Count, "10000000"), Ok(Some(10_000_000)));
    }

    #[test]
    fn signed_changes_take_either_sign() {
        assert_eq!(parse(Signed, "-8"), Ok(Some(-8)));
        assert_eq!(parse(Signed, "−8"), Ok(Some(-8)));
        assert_eq!(parse(Signed, "+1036"), Ok(Some(1036)));
        assert_eq!(
            parse(Signed, "减8").map_err(|e| e.rule.id()),
            Err("value.integer")
        );
    }

    const WAN: CellKind = Amount(Unit::Wan);
    const YUAN: CellKind = Amount(Unit::Yuan);

    #[test]
    fn amounts_in_wan_are_exact_to_the_fen() {
        assert_eq!(parse(WAN, "4068.208"), Ok(Some(4_068_208_000)));
        assert_eq!(parse(WAN, "0"), Ok(Some(0)));
        assert_eq!(parse(WAN, "0.000001"), Ok(Some(1)));
        assert_eq!(parse(WAN, "１２．５"), Ok(Some(12_500_000)));
        assert_eq!(parse(WAN, "0.123400"), Ok(Some(123_400)));
        // Real published values: 平潭 2021, 三明 2022, 三明 2024.
        assert_eq!(parse(WAN, "24252.311082"), Ok(Some(24_252_311_082)));
        assert_eq!(parse(WAN, "19167.08326"), Ok(Some(19_167_083_260)));
        assert_eq!(parse(WAN, "14515.939627"), Ok(Some(14_515_939_627)));
        assert_eq!(
            parse(WAN, "0.0000001").map_err(|e| e.rule.id()),
            Err("value.range")
        );
        assert_eq!(
            parse(WAN, "-3").map_err(|e| e.rule.id()),
            Err("value.nonnegative")
        );
        assert_eq!(parse(WAN, "abc").map_err(|e| e.rule.id()), Err("value.range"));
        assert_eq!(
            parse(WAN, "251000元").map_err(|e| e.rule.id()),
            Err("value.range")
        );
        assert_eq!(parse(WAN, "100000000"), Ok(Some(MAX_AMOUNT_FEN)));
        assert_eq!(
            parse(WAN, "100000000.000001").map_err(|e| e.rule.id()),
            Err("value.range")
        );
        assert_eq!(in_unit(Unit::Wan, 4_068_208_000), "4068.208");
        assert_eq!(in_unit(Unit::Wan, 24_252_311_082), "24252.311082");
        assert_eq!(in_unit(Unit::Wan, 1), "0.000001");
    }

    #[test]
    fn amounts_in_yuan_are_exact_to_the_fen() {
        // 三明 2019 prints 采购总金额 481714587.29元: not 金额过大 (it is not 万元).
        assert_eq!(parse(YUAN, "481714587.29"), Ok(Some(48_171_458_729)));
        assert_eq!(parse(YUAN, "481,714,587.29"), Ok(Some(48_171_458_729)));
        assert_eq!(parse(YUAN, "12.5"), Ok(Some(1250)));
        assert_eq!(
            parse(YUAN, "12.345").map_err(|e| e.hint),
            Err("金额最多保留两位小数（精确到分）")
        );
        assert_eq!(parse(YUAN, "1000000000000"), Ok(Some(MAX_AMOUNT_FEN)));
        assert_eq!(
            parse(YUAN, "1000000000000.01").map_err(|e| e.rule.id()),
            Err("value.range")
        );
        assert_eq!(in_unit(Unit::Yuan, 48_171_458_729), "481714587.29");
    }

    #[test]
    fn valid_amounts_are_kept_as_typed_in_plain_digits() {
        assert_eq!(tidy(WAN, "24252.311082"), "24252.311082");
        assert_eq!(tidy(WAN, "12.50"), "12.50");
        assert_eq!(tidy(WAN, "１２．５０"), "12.50");
        assert_eq!(tidy(WAN, " 0012.5 "), "12.5");
        assert_eq!(tidy(WAN, "+3"), "3");
        assert_eq!(tidy(YUAN, "481,714,587.29"), "481714587.29");
        assert_eq!(tidy(WAN, "12.3456789"), "12.3456789", "wrong: kept as typed");
        assert_eq!(tidy(WAN, "  "), "");
    }

    #[test]
    fn tidy_keeps_wrong_input_as_typed() {
        assert_eq!(tidy(Count, "１２"), "12");
        assert_eq!(tidy(Count, "十二"), "十二");
        assert_eq!(tidy(Count, "12.50"), "12.50", "not a whole number: kept as typed");
        assert_eq!(tidy(Count, "  "), "");
        assert_eq!(tidy(Count, "007"), "7");
        assert_eq!(tidy(Count, "0"), "0");
        assert_eq!(
            tidy(Count, "123456789012"),
            "123456789012",
            "too large, kept as typed"
        );
        assert_eq!(tidy(WAN, "12"), "12");
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
