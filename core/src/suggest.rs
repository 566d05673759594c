//! "Did you mean" suggestions by edit distance.

/// The closest candidate to `word`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word_l = word.to_ascii_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        if c == word {
            continue;
        }
        let d = strsim::damerau_levenshtein(&word_l, &c.to_ascii_lowercase());
        let limit = (c.chars().count().max(word.chars().count()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_close_names_only() {
        let names = ["payments", "inventory", "latency"];
        assert_eq!(did_you_mean("paymnets", names), Some("payments"));
        assert_eq!(did_you_mean("lantency", names), Some("latency"));
        assert_eq!(did_you_mean("zzz", names), None);
        assert_eq!(did_you_mean("Inventory", names), Some("inventory"));
    }
}
