//! Segments: ordered rules over the score cube, first match wins.
//!
//! A scheme is written on a scale of `scale` levels per dimension (2 for
//! high / low, 3, 5, ...). Each rule gives an inclusive range per dimension
//! it constrains (`r`, `f`, `m`, or `fm` = the mean of F and M rounded half
//! up); a customer's scores, first rescaled to the scheme's scale, fall into
//! the first rule whose ranges all hold, else into the fallback. Several
//! rules may share a segment code (a segment that is not a rectangle).
//! Because the cube has only `scale^3` cells, matching precomputes the
//! winner of every cell and looks customers up in that table.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// An inclusive range of scores on the scheme's scale.
pub type Range = [u32; 2];

/// One rule of a scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The segment's stable ASCII code.
    pub code: String,
    /// The segment's label per language (at least "en" and "zh").
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r: Option<Range>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub f: Option<Range>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub m: Option<Range>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fm: Option<Range>,
}

/// Where customers go when no rule matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fallback {
    pub code: String,
    pub labels: BTreeMap<String, String>,
}

/// A segment scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    pub name: String,
    /// Levels per dimension the rules are written on.
    pub scale: u32,
    pub rules: Vec<Rule>,
    pub fallback: Fallback,
}

const LANGS: [&str; 2] = ["en", "zh"];

impl Scheme {
    /// A scheme from JSON, validated.
    pub fn from_json(text: &str) -> Result<Scheme> {
        let scheme: Scheme =
            serde_json::from_str(text).map_err(|e| Error::option("scheme", e.to_string()))?;
        scheme.validate()?;
        Ok(scheme)
    }

    /// Checks the scale, every range and every label.
    pub(crate) fn validate(&self) -> Result<()> {
        let bad = |what: String| Err(Error::option(&format!("scheme '{}'", self.name), what));
        if !(2..=10).contains(&self.scale) {
            return bad(format!(
                "scale must be between 2 and 10, got {}",
                self.scale
            ));
        }
        if self.rules.is_empty() {
            return bad("it has no rules".into());
        }
        // Winners are u16, with rules.len() meaning the fallback.
        if self.rules.len() >= usize::from(u16::MAX) {
            return bad(format!(
                "it has {} rules; at most {} are supported",
                self.rules.len(),
                u16::MAX - 1
            ));
        }
        let codes = self.rules.iter().map(|r| (&r.code, &r.labels));
        for (code, labels) in codes.chain([(&self.fallback.code, &self.fallback.labels)]) {
            if code.is_empty() || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return bad(format!(
                    "segment code {code:?} must be ASCII letters, digits or _"
                ));
            }
            if let Some(lang) = LANGS
                .iter()
                .find(|l| labels.get(**l).is_none_or(|s| s.is_empty()))
            {
                return bad(format!("segment {code:?} has no {lang:?} label"));
            }
        }
        let mut labels_of: HashMap<&str, &BTreeMap<String, String>> = HashMap::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let dims = [("r", rule.r), ("f", rule.f), ("m", rule.m), ("fm", rule.fm)];
            for (dim, range) in dims {
                if let Some([lo, hi]) = range {
                    if lo > hi {
                        return bad(format!(
                            "rule {i} ({}): {dim} range [{lo}, {hi}] is empty",
                            rule.code
                        ));
                    }
                    if lo < 1 || hi > self.scale {
                        return bad(format!(
                            "rule {i} ({}): {dim} range [{lo}, {hi}] is outside the scale 1..{}",
                            rule.code, self.scale
                        ));
                    }
                }
            }
            // One pass over the rules (a map per code), not one per rule.
            match labels_of.entry(rule.code.as_str()) {
                Entry::Vacant(e) => {
                    e.insert(&rule.labels);
                }
                Entry::Occupied(e) if *e.get() != &rule.labels => {
                    return bad(format!(
                        "rules of segment {:?} have different labels",
                        rule.code
                    ));
                }
                Entry::Occupied(_) => {}
            }
        }
        if labels_of.contains_key(self.fallback.code.as_str()) {
            return bad(format!(
                "the fallback's code {:?} is also the code of a rule; give the fallback a code of its own",
                self.fallback.code
            ));
        }
        Ok(())
    }

    /// The winning rule of every cell of the cube, `cell = ((r - 1) * scale +
    /// (f - 1)) * scale + (m - 1)`; `rules.len()` means the fallback.
    pub fn cube(&self) -> Vec<u16> {
        let s = self.scale;
        let mut cube = Vec::with_capacity((s * s * s) as usize);
        for r in 1..=s {
            for f in 1..=s {
                for m in 1..=s {
                    let fm = (f + m).div_ceil(2);
                    let inside = |range: Option<Range>, v: u32| {
                        range.is_none_or(|[lo, hi]| lo <= v && v <= hi)
                    };
                    let winner = self.rules.iter().position(|rule| {
                        inside(rule.r, r)
                            && inside(rule.f, f)
                            && inside(rule.m, m)
                            && inside(rule.fm, fm)
                    });
                    cube.push(winner.unwrap_or(self.rules.len()) as u16);
                }
            }
        }
        cube
    }

    /// The winning rule of every customer (`rules.len()` for the fallback),
    /// from scores on `levels` levels per dimension, rescaled to the scale.
    pub fn assign(&self, r: &[u8], f: &[u8], m: &[u8], levels: [u32; 3]) -> Result<Vec<u16>> {
        assign_cells(&self.cube(), self.scale, r, f, m, levels)
    }

    /// The scheme, validated, with its cube computed once for matching many
    /// times.
    pub fn compile(self) -> Result<Compiled> {
        self.validate()?;
        let cube = self.cube();
        Ok(Compiled { scheme: self, cube })
    }
}

/// A validated scheme and the winner of every cell of its cube.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    scheme: Scheme,
    cube: Vec<u16>,
}

impl Compiled {
    /// A compiled scheme from JSON, validated.
    pub fn from_json(text: &str) -> Result<Compiled> {
        Scheme::from_json(text)?.compile()
    }

    /// The scheme.
    pub fn scheme(&self) -> &Scheme {
        &self.scheme
    }

    /// The winning rule of every cell (see [`Scheme::cube`]).
    pub fn cube(&self) -> &[u16] {
        &self.cube
    }

    /// As [`Scheme::assign`], with the precomputed cube.
    pub fn assign(&self, r: &[u8], f: &[u8], m: &[u8], levels: [u32; 3]) -> Result<Vec<u16>> {
        assign_cells(&self.cube, self.scheme.scale, r, f, m, levels)
    }
}

/// Looks every customer up in `cube` (of a scheme on `scale` levels).
fn assign_cells(
    cube: &[u16],
    scale: u32,
    r: &[u8],
    f: &[u8],
    m: &[u8],
    levels: [u32; 3],
) -> Result<Vec<u16>> {
    if r.len() != f.len() || r.len() != m.len() {
        return Err(Error::Length {
            first: "r_score".into(),
            first_len: r.len(),
            other: if r.len() != f.len() {
                "f_score"
            } else {
                "m_score"
            }
            .into(),
            other_len: if r.len() != f.len() { f.len() } else { m.len() },
        });
    }
    let dims = [
        ("r_score", r, levels[0]),
        ("f_score", f, levels[1]),
        ("m_score", m, levels[2]),
    ];
    for (name, scores, k) in dims {
        if !(2..=100).contains(&k) {
            return Err(Error::option(
                &format!("{name} levels"),
                format!("must be between 2 and 100, got {k}"),
            ));
        }
        if let Some(row) = scores.iter().position(|&s| s < 1 || u32::from(s) > k) {
            return Err(Error::InvalidValue {
                column: name.into(),
                value: scores[row].to_string(),
                row,
                reason: format!("scores must be between 1 and {k}"),
            });
        }
    }
    let s = scale as usize;
    let rescale = |v: u8, k: u32| ((u32::from(v) - 1) * scale / k) as usize;
    Ok((0..r.len())
        .into_par_iter()
        .with_min_len(1 << 14)
        .map(|i| {
            let cell = (rescale(r[i], levels[0]) * s + rescale(f[i], levels[1])) * s
                + rescale(m[i], levels[2]);
            cube[cell]
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scheme(rules: &str) -> Result<Scheme> {
        Scheme::from_json(&format!(
            r#"{{"name": "t", "scale": 2, "rules": [{rules}],
                "fallback": {{"code": "other", "labels": {{"en": "Other", "zh": "其他"}}}}}}"#
        ))
    }

    const HIGH_R: &str =
        r#"{"code": "recent", "labels": {"en": "Recent", "zh": "近期"}, "r": [2, 2]}"#;

    #[test]
    fn first_match_wins_and_the_rest_falls_back() {
        let s = scheme(&format!(
            r#"{HIGH_R}, {{"code": "big", "labels": {{"en": "Big", "zh": "大"}}, "m": [2, 2]}}"#
        ))
        .unwrap();
        let got = s
            .assign(&[2, 2, 1, 1], &[1, 1, 1, 1], &[2, 1, 2, 1], [2, 2, 2])
            .unwrap();
        assert_eq!(got, vec![0, 0, 1, 2]);
    }

    #[test]
    fn scores_are_rescaled_to_the_scheme_scale() {
        let s = scheme(HIGH_R).unwrap();
        // On a 5-level scale, 4 and 5 are high; the middle, 3, is low.
        let got = s
            .assign(&[1, 2, 3, 4, 5], &[1; 5], &[1; 5], [5, 5, 5])
            .unwrap();
        assert_eq!(got, vec![1, 1, 1, 0, 0]);
    }

    #[test]
    fn validation() {
        assert!(scheme(r#"{"code": "x", "labels": {"en": "X"}, "r": [1, 2]}"#).is_err()); // no zh
        assert!(scheme(r#"{"code": "x", "labels": {"en": "X", "zh": "X"}, "r": [2, 1]}"#).is_err());
        assert!(scheme(r#"{"code": "x", "labels": {"en": "X", "zh": "X"}, "r": [1, 3]}"#).is_err());
        assert!(scheme(r#"{"code": "x y", "labels": {"en": "X", "zh": "X"}}"#).is_err());
        assert!(scheme(r#"{"code": "x", "labels": {"en": "X", "zh": "X"}, "q": [1, 2]}"#).is_err());
        assert!(scheme("").is_err());
        // The fallback may not reuse a rule's code.
        assert!(
            scheme(r#"{"code": "other", "labels": {"en": "O", "zh": "O"}, "r": [1, 2]}"#).is_err()
        );
        let s = scheme(HIGH_R).unwrap();
        assert!(s.assign(&[3], &[1], &[1], [2, 2, 2]).is_err());
        assert!(s.assign(&[1], &[1, 1], &[1], [2, 2, 2]).is_err());
        assert!(s.assign(&[1], &[1], &[1], [1, 2, 2]).is_err());
    }

    #[test]
    fn fm_is_the_mean_rounded_half_up() {
        let s =
            scheme(r#"{"code": "fm", "labels": {"en": "FM", "zh": "FM"}, "fm": [2, 2]}"#).unwrap();
        let got = s
            .assign(&[1, 1, 1], &[1, 2, 1], &[1, 1, 2], [2, 2, 2])
            .unwrap();
        assert_eq!(got, vec![1, 0, 0]);
    }

    #[test]
    fn a_compiled_scheme_assigns_as_the_scheme_does() {
        let s = scheme(&format!(
            r#"{HIGH_R}, {{"code": "fm", "labels": {{"en": "FM", "zh": "FM"}}, "fm": [2, 2]}}"#
        ))
        .unwrap();
        let compiled = s.clone().compile().unwrap();
        assert_eq!(compiled.cube(), s.cube().as_slice());
        assert_eq!(compiled.scheme(), &s);
        // Every combination of scores on 1..=7 levels, as a deterministic sweep.
        let (mut r, mut f, mut m) = (Vec::new(), Vec::new(), Vec::new());
        for a in 1..=7u8 {
            for b in 1..=7u8 {
                for c in 1..=7u8 {
                    r.push(a);
                    f.push(b);
                    m.push(c);
                }
            }
        }
        for levels in [[7, 7, 7], [7, 5, 3]] {
            let clip =
                |v: &[u8], k: u32| -> Vec<u8> { v.iter().map(|&x| x.min(k as u8)).collect() };
            let (r, f, m) = (
                clip(&r, levels[0]),
                clip(&f, levels[1]),
                clip(&m, levels[2]),
            );
            assert_eq!(
                compiled.assign(&r, &f, &m, levels).unwrap(),
                s.assign(&r, &f, &m, levels).unwrap()
            );
        }
        assert!(compiled.assign(&[3], &[1], &[1], [2, 2, 2]).is_err());
        let mut bad = s;
        bad.scale = 0;
        assert!(bad.compile().is_err());
    }
}
