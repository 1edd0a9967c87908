//! Finding a label in a document that misspells it: published reports carry typos
//! (`行政法复议`, `其他法律行政止公开`), truncations and stray characters from line breaks.
//! An approximate substring search (Sellers' edit distance), the first match within the
//! allowed distance and then the best one near it.

/// A label found in a stream: `chars[start..end]`, `distance` edits away from the label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    pub start: usize,
    pub end: usize,
    pub distance: usize,
}

/// How many edits a label of `len` characters may be away: none for short labels (规章,
/// 其他: a misread two-letter label matches everything), then about one in four.
pub fn allowed(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=7 => 1,
        _ => len / 4,
    }
}

/// The first place in `text[from..to]` where `label` occurs within its allowed distance.
pub fn find(text: &[char], from: usize, to: usize, label: &[char]) -> Option<Found> {
    find_within(text, from, to, label, allowed(label.len()))
}

pub fn find_within(text: &[char], from: usize, to: usize, label: &[char], k: usize) -> Option<Found> {
    let m = label.len();
    let to = to.min(text.len());
    if m == 0 || from >= to {
        return None;
    }
    // dist[j]: edits to match label[..j] ending at the current position; start[j]: where
    // that match starts.
    let mut dist: Vec<usize> = (0..=m).collect();
    let mut start: Vec<usize> = vec![from; m + 1];
    let mut best: Option<Found> = None;
    for (i, &c) in text.iter().enumerate().take(to).skip(from) {
        let (mut diag, mut diag_start) = (dist[0], start[0]);
        dist[0] = 0;
        start[0] = i + 1;
        for j in 1..=m {
            let (up, up_start) = (dist[j], start[j]);
            let sub = diag + usize::from(label[j - 1] != c);
            let del = dist[j - 1] + 1;
            let ins = up + 1;
            let (d, s) = if sub <= del && sub <= ins {
                (sub, if j == 1 { i } else { diag_start })
            } else if ins <= del {
                (ins, up_start)
            } else {
                (del, start[j - 1])
            };
            diag = up;
            diag_start = up_start;
            dist[j] = d;
            start[j] = s;
        }
        let d = dist[m];
        if d <= k {
            let here = Found {
                start: start[m],
                end: i + 1,
                distance: d,
            };
            match best {
                Some(b) if b.distance <= d => {}
                _ => best = Some(here),
            }
        }
        // Past the first match by more than the label's length: the best near it is known.
        if let Some(b) = best
            && i + 1 >= b.end + m
        {
            break;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn finds_a_misspelt_label_and_where_it_starts() {
        let text = chars("（三）不予公开1.属于国家秘密40000042.其他法律行政止公开0000000");
        let label = chars("其他法律行政法规禁止公开");
        let found = find(&text, 0, text.len(), &label).expect("found");
        assert_eq!(text[found.start..found.end].iter().collect::<String>(), "其他法律行政止公开");
        assert_eq!(found.distance, 3);
    }

    #[test]
    fn short_labels_match_only_exactly() {
        let text = chars("规范性文件107");
        assert_eq!(find(&text, 0, text.len(), &chars("规章")), None);
        let text = chars("3.其他1100002");
        assert_eq!(
            find(&text, 0, text.len(), &chars("其他")),
            Some(Found { start: 2, end: 4, distance: 0 })
        );
    }
}
