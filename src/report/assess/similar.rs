//! 雷同: how much of a text repeats another. Both are reduced to their wording (no
//! whitespace, digits or punctuation: a copied paragraph with this year's numbers is still
//! copied), and every run of [`GRAM`] characters of this year's text found in the other
//! counts as repeated. The share is of this year's characters; the passages are the
//! repeated stretches long enough to show.
//!
//! Measured on consecutive years of real reports (docs/benchmarks.md, "Issue 14"): own
//! earlier years share 0–29 % of 一 and 五, 洪泽 2024's 一 repeats 50 % of 2023's.

use rustc_hash::FxHashSet;

/// Characters per compared run: long enough that common phrases (政府信息公开工作) alone
/// do not make two reports alike, short enough to find a copied sentence with its numbers
/// changed.
pub const GRAM: usize = 8;

/// A shared stretch worth showing: about a sentence.
const PASSAGE: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    /// Per cent of this text's wording found in the other.
    pub share: u32,
    /// This text's wording, in characters.
    pub chars: usize,
    /// The longest shared passages, as this text writes them, longest first.
    pub passages: Vec<String>,
}

/// The wording of a text with where each character stands in it.
fn wording(text: &str) -> (Vec<char>, Vec<usize>) {
    let mut chars = Vec::new();
    let mut at = Vec::new();
    for (i, c) in text.char_indices() {
        if c.is_alphabetic() && !c.is_ascii_digit() {
            chars.push(c);
            at.push(i);
        }
    }
    (chars, at)
}

/// How much of `this` repeats `other`.
pub fn overlap(this: &str, other: &str) -> Overlap {
    let (a, at) = wording(this);
    let (b, _) = wording(other);
    if a.len() < GRAM || b.len() < GRAM {
        return Overlap { share: 0, chars: a.len(), passages: Vec::new() };
    }
    let grams: FxHashSet<&[char]> = b.windows(GRAM).collect();
    let mut covered = vec![false; a.len()];
    for (i, w) in a.windows(GRAM).enumerate() {
        if grams.contains(w) {
            covered[i..i + GRAM].iter_mut().for_each(|c| *c = true);
        }
    }
    let share = (covered.iter().filter(|c| **c).count() * 100 / a.len()) as u32;
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < a.len() {
        if !covered[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < a.len() && covered[i] {
            i += 1;
        }
        if i - start >= PASSAGE {
            runs.push((start, i));
        }
    }
    runs.sort_by_key(|&(s, e)| std::cmp::Reverse(e - s));
    let passages = runs
        .iter()
        .map(|&(s, e)| {
            let from = at[s];
            let to = at[e - 1] + this[at[e - 1]..].chars().next().map_or(0, char::len_utf8);
            this[from..to].to_string()
        })
        .collect();
    Overlap { share, chars: a.len(), passages }
}

/// Other units' texts of the same section, indexed by their runs of [`GRAM`] characters:
/// a keystroke's check looks each of its runs up once, whatever the number of peers.
#[derive(Debug, Default)]
pub struct PeerIndex {
    names: Vec<String>,
    grams: rustc_hash::FxHashMap<Vec<char>, Vec<u32>>,
}

impl PeerIndex {
    /// `peers`: (unit's name, its text).
    pub fn new(peers: &[(&str, &str)]) -> PeerIndex {
        let mut grams: rustc_hash::FxHashMap<Vec<char>, Vec<u32>> = rustc_hash::FxHashMap::default();
        for (k, (_, text)) in peers.iter().enumerate() {
            let (chars, _) = wording(text);
            for w in chars.windows(GRAM) {
                let ids = grams.entry(w.to_vec()).or_default();
                if ids.last() != Some(&(k as u32)) {
                    ids.push(k as u32);
                }
            }
        }
        PeerIndex {
            names: peers.iter().map(|(n, _)| (*n).to_string()).collect(),
            grams,
        }
    }

    /// The peers sharing a passage of at least `passage` characters of wording with `text`:
    /// (peer's name, the longest such passage as `text` writes it), longest first.
    pub fn shared(&self, text: &str, passage: usize) -> Vec<(&str, String)> {
        let (a, at) = wording(text);
        if a.len() < GRAM {
            return Vec::new();
        }
        // For each peer, the start of the current run of shared grams and the longest run.
        let mut best: rustc_hash::FxHashMap<u32, (usize, usize)> = rustc_hash::FxHashMap::default();
        let mut open: rustc_hash::FxHashMap<u32, usize> = rustc_hash::FxHashMap::default();
        for (i, w) in a.windows(GRAM).enumerate() {
            let hits = self.grams.get(w).map_or(&[][..], Vec::as_slice);
            open.retain(|peer, _| hits.contains(peer));
            for &peer in hits {
                let start = *open.entry(peer).or_insert(i);
                let len = i + GRAM - start;
                let b = best.entry(peer).or_insert((start, 0));
                if len > b.1 {
                    *b = (start, len);
                }
            }
        }
        let mut out: Vec<(usize, &str, String)> = best
            .into_iter()
            .filter(|(_, (_, len))| *len >= passage)
            .map(|(peer, (start, len))| {
                let from = at[start];
                let last = at[start + len - 1];
                let to = last + text[last..].chars().next().map_or(0, char::len_utf8);
                (len, self.names[peer as usize].as_str(), text[from..to].to_string())
            })
            .collect();
        out.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(y.1)));
        out.into_iter().map(|(_, name, p)| (name, p)).collect()
    }
}

/// The peers of a report, one index per text section.
#[derive(Debug, Default)]
pub struct Peers {
    /// How many reports are indexed.
    pub count: usize,
    pub by_text: Vec<(String, PeerIndex)>,
}

impl Peers {
    /// Indexes `reports` ((unit's name, report)) for each of `texts`.
    pub fn of(reports: &[(&str, &crate::report::Report)], texts: &[&str]) -> Peers {
        let by_text = texts
            .iter()
            .map(|key| {
                let theirs: Vec<(&str, &str)> = reports
                    .iter()
                    .filter_map(|(name, r)| Some((*name, r.texts[r.format().text(key)?].as_str())))
                    .collect();
                (key.to_string(), PeerIndex::new(&theirs))
            })
            .collect();
        Peers { count: reports.len(), by_text }
    }

    pub fn index(&self, key: &str) -> Option<&PeerIndex> {
        self.by_text.iter().find(|(k, _)| k == key).map(|(_, i)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copied_paragraph_with_new_numbers_still_counts_as_copied() {
        let last = "2023年，我局认真贯彻落实《条例》，全年主动公开政府信息1600余条，做好政策解读3篇。";
        let this = "2024年，我局认真贯彻落实《条例》，全年主动公开政府信息1800余条，做好政策解读5篇。";
        let o = overlap(this, last);
        assert_eq!(o.share, 100, "{o:?}");
        assert!(o.passages.iter().any(|p| p.contains("认真贯彻落实")), "{o:?}");
    }

    #[test]
    fn a_passage_shared_with_another_unit_is_found_by_the_index() {
        let copied = "深入贯彻落实习近平总书记关于政务公开工作的重要论述，持续深化政务公开，充分发挥以公开促落实、助监督、强监管的功能作用";
        let a = format!("本局{copied}。");
        let b = "本局加强政策解读。".to_string();
        let peers = [("甲局", a.as_str()), ("乙局", b.as_str())];
        let index = PeerIndex::new(&peers);
        let found = index.shared(&format!("我县{copied}，取得实效。"), 40);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "甲局");
        assert!(found[0].1.contains("以公开促落实"));
        assert!(index.shared("我县推进基层政务公开标准化规范化。", 40).is_empty());
    }

    #[test]
    fn different_texts_share_little() {
        let last = "本年度重点推进基层政务公开标准化规范化建设，完善公开目录。";
        let this = "下一步将加强政策解读，丰富解读形式，提高回应关切的时效。";
        assert!(overlap(this, last).share < 10);
        assert_eq!(overlap("", last).share, 0);
    }
}
