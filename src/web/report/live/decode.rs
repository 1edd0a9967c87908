//! The live check's form decoder: decodes as `form_urlencoded::parse` does, borrowing from
//! the body where nothing is escaped. Every other form is read with `form_urlencoded` (see
//! `web/extract.rs`); this one exists because the check reads a form of up to ~15 KB, half
//! of it escaped Chinese text, after every keystroke (docs/benchmarks.md).

use std::borrow::Cow;

/// The pairs as decoded, owned, for comparing the decoder with the standard one.
#[cfg(test)]
fn decoded(bytes: &[u8]) -> Vec<(String, String)> {
    pairs(bytes)
        .into_iter()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The pairs of a urlencoded form, borrowed from the body where nothing is escaped. Decodes
/// as `form_urlencoded::parse` does (`+` is a space, a bad `%` escape stays as it is,
/// invalid UTF-8 becomes U+FFFD), faster: the live check reads a form of up to ~15 KB, half
/// of it escaped Chinese text, after every keystroke.
pub fn pairs(bytes: &[u8]) -> Vec<(Cow<'_, str>, Cow<'_, str>)> {
    // The form is checked for UTF-8 once, not piece by piece: splitting at ASCII `&` and
    // `=` keeps every piece valid. Most pieces are short ids and digits with nothing to
    // unescape, borrowed as they are; `memchr` finds the separators many bytes at a time.
    let whole = simdutf8::basic::from_utf8(bytes).ok();
    let piece = |start: usize, end: usize| {
        let raw = &bytes[start..end];
        match whole {
            Some(text) if memchr::memchr2(b'%', b'+', raw).is_none() => Cow::Borrowed(&text[start..end]),
            _ => decode(raw),
        }
    };
    let mut out = Vec::with_capacity(256);
    let mut start = 0;
    for end in memchr::memchr_iter(b'&', bytes).chain(std::iter::once(bytes.len())) {
        if end > start {
            out.push(match memchr::memchr(b'=', &bytes[start..end]) {
                Some(eq) => (piece(start, start + eq), piece(start + eq + 1, end)),
                None => (piece(start, end), Cow::Borrowed("")),
            });
        }
        start = end + 1;
    }
    out
}

fn decode(input: &[u8]) -> Cow<'_, str> {
    if memchr::memchr2(b'%', b'+', input).is_none() {
        return String::from_utf8_lossy(input);
    }
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        // Escaped Chinese is runs of `%XX`, three per character: take them four at a time.
        while let Some(Ok(run)) = input.get(i..i + 12).map(<[u8; 12]>::try_from)
            && let Some(bytes) = four_escapes(run)
        {
            out.extend_from_slice(&bytes);
            i += 12;
        }
        let Some(&b) = input.get(i) else { break };
        if b == b'%'
            && let [hi, lo, ..] = input[i + 1..]
            && HEX[hi as usize] < 16
            && HEX[lo as usize] < 16
        {
            out.push(HEX[hi as usize] << 4 | HEX[lo as usize]);
            i += 3;
            continue;
        }
        out.push(if b == b'+' { b' ' } else { b });
        i += 1;
    }
    // Checked with SIMD and copied: quicker than `String::from_utf8` on Chinese.
    match simdutf8::basic::from_utf8(&out) {
        Ok(text) => Cow::Owned(text.to_owned()),
        Err(_) => Cow::Owned(String::from_utf8_lossy(&out).into_owned()),
    }
}

/// `%XX%XX%XX%XX` decoded, or `None` if `run` is not four valid escapes.
fn four_escapes(run: [u8; 12]) -> Option<[u8; 4]> {
    let mut bytes = [0; 4];
    let mut bad = 0;
    for (k, byte) in bytes.iter_mut().enumerate() {
        let (hi, lo) = (HEX[run[3 * k + 1] as usize], HEX[run[3 * k + 2] as usize]);
        bad |= usize::from(run[3 * k] != b'%') | usize::from((hi | lo) > 15);
        *byte = hi << 4 | lo;
    }
    (bad == 0).then_some(bytes)
}

/// The value of each hex digit; 255 for any other byte.
const HEX: [u8; 256] = {
    let mut table = [255u8; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_as_the_standard_parser_does() {
        for raw in [
            "a=1&b=2",
            "text.overview=%E4%B8%80%E3%80%81%E6%80%BB%E4%BD%93+%E6%83%85%E5%86%B5&x=",
            "a=%&b=%4&c=%zz&d=%41%42&e=100%25",
            "novalue&=empty&&a=b=c",
            "bad=%FF%FE&cut=%E4%B8",
            "plus=a+b%2Bc&tab=%09",
            "",
            "%",
            "a=%4",
            "a=%41bc%42&x=%e4%b8%80+z&%%41=%4%41",
            "shown=1%3A2f%2C3%3Aa0&k=%",
            "requests.new.natural_person=12&requests.new.commercial=0&x.y.z=1234567890123&&=",
            "abcdefgh&abcdefg=abcdefghijklmnop+q&a%2Bcdefgh=12345678%",
        ] {
            let ours = decoded(raw.as_bytes());
            let theirs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes()).into_owned().collect();
            assert_eq!(ours, theirs, "{raw}");
        }
        // Raw bytes that are not UTF-8, beside pieces that are.
        for raw in [&b"a=\xff&b=%41&c=d"[..], b"\xe4\xb8=1&x=\xe4\xb8\x80"] {
            let theirs: Vec<(String, String)> = form_urlencoded::parse(raw).into_owned().collect();
            assert_eq!(decoded(raw), theirs, "{raw:?}");
        }
    }

    #[test]
    fn random_forms_decode_as_the_standard_parser_does() {
        let alphabet: Vec<&[u8]> = vec![
            b"a", b"1", b".", b"=", b"&", b"%", b"+", b"4", b"F", b"\xe4", b"\xb8", b"\x80", b"%E4", b"%2",
        ];
        let mut seed = 0x2545_f491_u64;
        for _ in 0..5000 {
            let mut raw = Vec::new();
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            for _ in 0..(seed >> 59) * 3 {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                raw.extend_from_slice(alphabet[(seed >> 33) as usize % alphabet.len()]);
            }
            let theirs: Vec<(String, String)> = form_urlencoded::parse(&raw).into_owned().collect();
            assert_eq!(decoded(&raw), theirs, "{raw:?}");
        }
    }
}
