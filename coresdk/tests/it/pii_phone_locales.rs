//! Phone numbers of thirteen regions, in national and international
//! formats, generated from each region's numbering plan and kept only when
//! libphonenumber (the `phonenumber` crate) says they are valid; and clean
//! numeric look-alikes (dates, times, versions, amounts, ids, codes). Prints
//! recall per region and the share of look-alikes altered, and asserts
//! recall >= 95 % and <= 1 % altered.

use crate::pii_support;

use std::collections::BTreeMap;

use coresdk::pipeline::pii::PiiMasker;
use phonenumber::country::Id;
use pii_support::{Rng, TEMPLATES, embed};

const PER_REGION: usize = 60;
const CLEAN: usize = 1_000;

/// A region's plan: country code, whether national numbers start with a
/// trunk `0` that the international form drops, and national significant
/// number generators with their written groupings.
struct Region {
    id: Id,
    cc: &'static str,
    trunk: bool,
    /// (leading digits, total NSN length, national grouping, separator)
    plans: &'static [(&'static str, usize, &'static [usize], &'static str)],
}

const REGIONS: &[Region] = &[
    Region {
        id: Id::GB,
        cc: "44",
        trunk: true,
        plans: &[
            ("207", 10, &[3, 4, 4], " "),
            ("7700", 10, &[5, 6], " "),
            ("7911", 10, &[5, 6], " "),
            ("1632", 10, &[5, 6], " "),
        ],
    },
    Region {
        id: Id::DE,
        cc: "49",
        trunk: true,
        plans: &[
            ("30", 10, &[3, 8], " "),
            ("89", 10, &[3, 8], " "),
            ("151", 11, &[4, 8], " "),
            ("1761", 11, &[4, 8], " "),
        ],
    },
    Region {
        id: Id::FR,
        cc: "33",
        trunk: true,
        plans: &[
            ("1", 9, &[2, 2, 2, 2, 2], " "),
            ("6", 9, &[2, 2, 2, 2, 2], " "),
            ("7", 9, &[2, 2, 2, 2, 2], "."),
            ("4", 9, &[2, 2, 2, 2, 2], " "),
        ],
    },
    Region {
        id: Id::IT,
        cc: "39",
        trunk: false,
        plans: &[
            ("06", 10, &[2, 4, 4], " "),
            ("02", 10, &[2, 4, 4], " "),
            ("33", 10, &[3, 3, 4], " "),
            ("347", 10, &[3, 3, 4], " "),
        ],
    },
    Region {
        id: Id::ES,
        cc: "34",
        trunk: false,
        plans: &[
            ("6", 9, &[3, 2, 2, 2], " "),
            ("91", 9, &[3, 3, 3], " "),
            ("7", 9, &[3, 3, 3], " "),
        ],
    },
    Region {
        id: Id::NL,
        cc: "31",
        trunk: true,
        plans: &[
            ("20", 9, &[3, 3, 4], " "),
            ("6", 9, &[2, 8], " "),
            ("10", 9, &[3, 7], "-"),
        ],
    },
    Region {
        id: Id::JP,
        cc: "81",
        trunk: true,
        plans: &[
            ("3", 9, &[2, 4, 4], "-"),
            ("90", 10, &[3, 4, 4], "-"),
            ("80", 10, &[3, 4, 4], "-"),
        ],
    },
    Region {
        id: Id::AU,
        cc: "61",
        trunk: true,
        plans: &[
            ("2", 9, &[4, 3, 3], " "),
            ("4", 9, &[4, 3, 3], " "),
            ("3", 9, &[2, 4, 4], " "),
        ],
    },
    Region {
        id: Id::BR,
        cc: "55",
        trunk: false,
        plans: &[("119", 11, &[2, 5, 4], " "), ("21", 10, &[2, 4, 4], " ")],
    },
    Region {
        id: Id::IN,
        cc: "91",
        trunk: false,
        plans: &[
            ("98", 10, &[5, 5], " "),
            ("7", 10, &[5, 5], " "),
            ("6", 10, &[5, 5], " "),
        ],
    },
    Region {
        id: Id::MX,
        cc: "52",
        trunk: false,
        plans: &[("55", 10, &[2, 4, 4], " "), ("33", 10, &[2, 4, 4], " ")],
    },
    Region {
        id: Id::CN,
        cc: "86",
        trunk: false,
        plans: &[
            ("138", 11, &[3, 4, 4], " "),
            ("159", 11, &[3, 4, 4], " "),
            ("186", 11, &[3, 4, 4], "-"),
        ],
    },
    Region {
        id: Id::US,
        cc: "1",
        trunk: false,
        plans: &[("415", 10, &[3, 3, 4], "-"), ("212", 10, &[3, 3, 4], " ")],
    },
];

fn group(digits: &str, sizes: &[usize], sep: &str) -> String {
    let mut out = Vec::new();
    let mut at = 0;
    for &s in sizes {
        out.push(&digits[at..(at + s).min(digits.len())]);
        at += s;
    }
    if at < digits.len() {
        out.push(&digits[at..]);
    }
    out.join(sep)
}

/// A valid national significant number of `region` (libphonenumber says so).
fn valid_nsn(region: &Region, plan: usize, rng: &mut Rng) -> Option<String> {
    let (lead, len, _, _) = region.plans[plan];
    for _ in 0..200 {
        let nsn = format!("{lead}{}", rng.digits(len - lead.len()));
        let national = if region.trunk {
            format!("0{nsn}")
        } else {
            nsn.clone()
        };
        if phonenumber::parse(Some(region.id), &national).is_ok_and(|n| n.is_valid()) {
            return Some(nsn);
        }
    }
    None
}

/// The number written as people write it there, or internationally.
fn written(region: &Region, plan: usize, nsn: &str, style: usize) -> String {
    let (_, _, sizes, sep) = region.plans[plan];
    let national = if region.trunk {
        format!("0{nsn}")
    } else {
        nsn.to_owned()
    };
    // The national grouping counts the trunk 0 in the first group.
    match style % 4 {
        1 if region.id == Id::BR || (region.trunk && sizes[0] <= 3) => {
            let area = sizes[0];
            format!(
                "({}) {}",
                &national[..area],
                group(&national[area..], &sizes[1..], sep)
            )
        }
        0 | 1 => group(&national, sizes, sep),
        2 => {
            let mut intl_sizes = sizes.to_vec();
            if region.trunk {
                intl_sizes[0] -= 1;
            }
            format!("+{} {}", region.cc, group(nsn, &intl_sizes, " "))
        }
        _ => format!("+{}{nsn}", region.cc),
    }
}

/// Numeric text that is not a phone number.
fn look_alike(i: usize, rng: &mut Rng) -> String {
    let y = rng.range(1990, 2030);
    let (m, d) = (rng.range(1, 12), rng.range(1, 28));
    match i % 25 {
        0 => format!("{y}-{m:02}-{d:02}"),
        1 => format!("{d:02}/{m:02}/{y}"),
        2 => format!("{d:02}.{m:02}.{y}"),
        3 => format!(
            "{y}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rng.below(24),
            rng.below(60),
            rng.below(60)
        ),
        4 => format!("v{}.{}.{}", rng.below(20), rng.below(40), rng.below(100)),
        5 => format!(
            "{},{:03},{:03}.{:02}",
            rng.range(1, 999),
            rng.below(1000),
            rng.below(1000),
            rng.below(100)
        ),
        6 => format!(
            "{}.{:03}.{:03},{:02} €",
            rng.range(1, 999),
            rng.below(1000),
            rng.below(1000),
            rng.below(100)
        ),
        7 => format!(
            "{} {:03} {:03}",
            rng.range(1, 99),
            rng.below(1000),
            rng.below(1000)
        ),
        8 => format!(
            "{} {:03} {:03} {:03}",
            rng.range(1, 9),
            rng.below(1000),
            rng.below(1000),
            rng.below(1000)
        ),
        9 => format!("ORD-{y}-{:06}", rng.below(1_000_000)),
        10 => format!("INV {y} {:04}", rng.below(10_000)),
        11 => format!("{} ms", rng.range(1, 99_999)),
        12 => format!("{}.{}%", rng.below(100), rng.below(10)),
        13 => format!(
            "{}.{:04}, {}.{:04}",
            rng.range(1, 89),
            rng.below(10_000),
            rng.range(1, 179),
            rng.below(10_000)
        ),
        14 => format!(
            "978-{}-{:02}-{:06}-{}",
            rng.below(10),
            rng.below(100),
            rng.below(1_000_000),
            rng.below(10)
        ),
        15 => format!("build {y}{m:02}{d:02}.{}", rng.range(1, 9)),
        16 => format!("{y}-{}", y + rng.range(1, 5)),
        17 => format!("pp. {}-{}", rng.range(10, 400), rng.range(401, 900)),
        18 => format!(
            "{:02}:{:02}-{:02}:{:02}",
            rng.below(12),
            rng.below(60),
            rng.range(12, 23),
            rng.below(60)
        ),
        19 => format!("{}x{}", rng.range(320, 3840), rng.range(240, 2160)),
        20 => format!(
            "{} {}",
            rng.range(10_000, 99_999),
            *rng.pick(&["Berlin", "Paris", "Madrid"])
        ),
        21 => format!("batch {y}/{m:02}/{:04}", rng.below(10_000)),
        22 => format!(
            "{} items in {} boxes, {} kg",
            rng.range(1, 999),
            rng.range(1, 99),
            rng.range(1, 999)
        ),
        23 => format!(
            "{}.{}.{}-beta.{}",
            rng.range(1, 9),
            rng.range(10, 99),
            rng.range(0, 9),
            rng.range(1, 9)
        ),
        _ => format!("{:04} {:04}", rng.below(10_000), rng.below(10_000)),
    }
}

#[test]
fn national_and_international_numbers_of_many_regions() {
    let masker = PiiMasker::builder()
        .with_hash_key("phones")
        .build()
        .expect("rules");
    let mut rng = Rng::new(18);
    let mut per_region: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    let (mut total, mut caught) = (0_u32, 0_u32);
    for region in REGIONS {
        for i in 0..PER_REGION {
            let plan = i % region.plans.len();
            let Some(nsn) = valid_nsn(region, plan, &mut rng) else {
                continue;
            };
            let number = written(region, plan, &nsn, i / region.plans.len());
            let text = embed(TEMPLATES[i % TEMPLATES.len()], &number);
            let masked = masker.mask(&text);
            let hit = !masked.contains(&number)
                && masked.contains("<PHONE>")
                && !masked.contains(&nsn[nsn.len() - 4..]);
            let entry = per_region.entry(format!("{:?}", region.id)).or_default();
            entry.0 += 1;
            total += 1;
            if hit {
                entry.1 += 1;
                caught += 1;
            } else {
                misses.push(format!("{:?}: {text:?} -> {masked:?}", region.id));
            }
        }
    }
    let mut altered = Vec::new();
    for i in 0..CLEAN {
        let value = look_alike(i, &mut rng);
        let text = embed(TEMPLATES[(i / 25) % TEMPLATES.len()], &value);
        let masked = masker.mask(&text);
        if masked != text {
            altered.push(format!("{text:?} -> {masked:?}"));
        }
    }
    println!("\n{:<6} {:>6} {:>7}", "region", "items", "recall");
    for (region, (items, hits)) in &per_region {
        println!(
            "{region:<6} {items:>6} {:>7.3}",
            *hits as f64 / *items as f64
        );
    }
    let recall = f64::from(caught) / f64::from(total);
    let false_positive = altered.len() as f64 / CLEAN as f64;
    println!(
        "phone numbers {total}, recall {recall:.4}; clean look-alikes {CLEAN}, altered {false_positive:.4}"
    );
    for m in &misses {
        println!("MISS {m}");
    }
    for a in &altered {
        println!("ALTERED {a}");
    }
    assert!(total >= 600, "the corpus has {total} numbers");
    assert!(recall >= 0.95, "recall {recall} < 0.95");
    assert!(
        false_positive <= 0.01,
        "{false_positive} of clean look-alikes altered"
    );
}
