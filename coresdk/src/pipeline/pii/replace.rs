//! Matches and their replacement: sort, merge overlaps, splice tokens in.

use super::rules::BuiltinRule;

/// Which rule a match came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A built-in rule.
    Builtin(BuiltinRule),
    /// The custom rule at this index.
    Custom(usize),
}

/// A byte range of the text and the rule that matched it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Match {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) kind: Kind,
}

impl Match {
    pub(crate) fn builtin(start: usize, end: usize, rule: BuiltinRule) -> Self {
        Self {
            start,
            end,
            kind: Kind::Builtin(rule),
        }
    }

    /// The built-in rule, if it is one.
    #[cfg(test)]
    pub(crate) fn rule(&self) -> Option<BuiltinRule> {
        match self.kind {
            Kind::Builtin(rule) => Some(rule),
            Kind::Custom(_) => None,
        }
    }
}

/// Sorts `matches` and merges overlapping ones (the earliest, then longest,
/// gives the kind), so no part of an overlapping match survives.
pub(crate) fn merge(matches: &mut Vec<Match>) {
    matches.sort_unstable_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut kept = 0;
    for i in 0..matches.len() {
        let m = matches[i];
        if kept > 0 && m.start < matches[kept - 1].end {
            let last = &mut matches[kept - 1];
            last.end = last.end.max(m.end);
        } else {
            matches[kept] = m;
            kept += 1;
        }
    }
    matches.truncate(kept);
}

/// Writes `text` with each (sorted, disjoint) match replaced by what `token`
/// appends. Bounds are widened to char boundaries, so no UTF-8 character is
/// ever split.
pub(crate) fn splice(
    text: &str,
    matches: &[Match],
    mut token: impl FnMut(&Match, &str, &mut String),
) -> String {
    let mut out = String::with_capacity(text.len() + 16 * matches.len());
    let mut copied = 0;
    for m in matches {
        let mut start = m.start.max(copied);
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = m.end.min(text.len()).max(start);
        while !text.is_char_boundary(end) {
            end += 1;
        }
        if end <= copied {
            continue;
        }
        let start = start.max(copied);
        out.push_str(&text[copied..start]);
        token(m, &text[start..end], &mut out);
        copied = end;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(start: usize, end: usize) -> Match {
        Match::builtin(start, end, BuiltinRule::Email)
    }

    #[test]
    fn merge_joins_overlaps_and_keeps_disjoint() {
        let mut v = vec![m(10, 12), m(0, 4), m(2, 6), m(6, 8), m(0, 3)];
        merge(&mut v);
        assert_eq!(v, [m(0, 6), m(6, 8), m(10, 12)]);
    }

    #[test]
    fn splice_replaces_and_respects_char_boundaries() {
        let out = splice("ab-cd-ef", &[m(3, 5)], |_, _, o| o.push_str("<X>"));
        assert_eq!(out, "ab-<X>-ef");
        // A range cutting into `é` (2 bytes at 1..3) widens to the whole char.
        let out = splice("aé b", &[m(2, 3)], |_, s, o| {
            o.push('<');
            o.push_str(s);
            o.push('>');
        });
        assert_eq!(out, "a<é> b");
    }
}
