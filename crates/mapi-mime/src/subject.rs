//! PR_SUBJECT_PREFIX and PR_NORMALIZED_SUBJECT from PR_SUBJECT, by MAPI's rule.
//!
//! A subject has a prefix when it begins with one, two or three letters (alphabetic
//! characters of any script: no digits, blanks or punctuation), then a colon and a
//! space: `RE: `, `FW: `, `Fwd: `, `AW: `, `SV: `. The prefix is those letters with the
//! colon and the space; the normalized subject is the rest, so prefix + normalized
//! subject is always the whole subject. Only one prefix is taken (`RE: FW: x` has the
//! prefix `RE: ` and the normalized subject `FW: x`). Without a prefix the prefix is
//! empty and the normalized subject is the subject.

/// The byte length of the subject's prefix (0 when it has none).
pub fn prefix_len(subject: &str) -> usize {
    for (letters, (i, c)) in subject.char_indices().enumerate() {
        if c == ':' {
            if letters == 0 || !subject[i + 1..].starts_with(' ') {
                return 0;
            }
            return i + 2;
        }
        if !c.is_alphabetic() || letters == 3 {
            return 0;
        }
    }
    0
}

/// The subject's prefix and its normalized subject.
pub fn split(subject: &str) -> (&str, &str) {
    subject.split_at(prefix_len(subject))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_of_one_to_three_letters() {
        for (subject, prefix, normalized) in [
            ("RE: Lunch", "RE: ", "Lunch"),
            ("FW: Lunch", "FW: ", "Lunch"),
            ("Fwd: Lunch", "Fwd: ", "Lunch"),
            ("R: x", "R: ", "x"),
            ("AW: Grüße", "AW: ", "Grüße"),
            ("Réf: x", "Réf: ", "x"),
            ("RE: FW: x", "RE: ", "FW: x"),
            ("RE:  two spaces", "RE: ", " two spaces"),
            ("Re: ", "Re: ", ""),
            // not a prefix
            ("RE:no space", "", "RE:no space"),
            ("Four: x", "", "Four: x"),
            ("R2: x", "", "R2: x"),
            ("12: x", "", "12: x"),
            ("A B: x", "", "A B: x"),
            (": x", "", ": x"),
            ("Re-: x", "", "Re-: x"),
            ("Lunch", "", "Lunch"),
            ("", "", ""),
            ("RE:", "", "RE:"),
        ] {
            assert_eq!(split(subject), (prefix, normalized), "{subject:?}");
        }
    }
}
