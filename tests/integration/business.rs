//! The business clock, the owner roster and team time zones (`fixtures/business`).
//!
//! Calendar: Mon–Fri 09:00–17:00 America/New_York, 2026-12-25 off, SLA 16 working hours,
//! as_of 2026-12-31 12:00Z (Thu 07:00 EST). Ann Park works in New York (no zone in the roster:
//! the audit's), Berta Vogel in Europe/Berlin, Carl Stone has departed.
//!
//! | lead | handover (local)          | first touch (local)       | business h | calendar h |
//! |------|---------------------------|---------------------------|-----------:|-----------:|
//! | l1   | Fri 12-04 19:00 EST       | Mon 12-07 10:30           | 1.5 (clock starts Mon 09:00) | 63.5 |
//! | l2   | Thu 12-24 16:00 EST       | Mon 12-28 16:00 (Fri off) | 1 + 7 = 8  | 96   |
//! | l3   | Tue 12-01 14:00 EST       | Wed 12-02 10:00           | 3 + 1 = 4  | 20   |
//! | l4   | Mon 12-07 09:00 EST       | Thu 12-10 09:30           | 8+8+8+0.5 = 24.5 (late) | 72.5 |
//! | l5   | Mon 12-14 10:00 EST       | never                     |            |      |
//! | l6   | Wed 12-30 16:00 EST       | (in window: 1 h by as_of) |            |      |
//! | l7   | Fri 12-04 17:00 Berlin    | Mon 12-07 10:00 Berlin    | 1 (Berlin hours; NY would give 6) | 65 |
//! | l8   | Tue 12-08 10:00 EST       | Tue 11:00 (departed owner) | 1         | 1    |
//! | l9   | Fri 10-30 16:00 EDT       | Mon 11-02 10:00 EST (DST ended Sunday) | 1 + 1 = 2 | 67 |

use crate::common::{assert_close, audit_json, fixture};

#[test]
fn business_hours_per_lead_and_counts() {
    let r = audit_json(&fixture("business/handoff.toml"), &[]);
    let f = &r["follow_up"];
    assert_eq!(r["sla"]["clock"], "business");
    assert_eq!(f["handed_over"], 9);
    assert_eq!(f["in_window"], 1); // l6
    assert_eq!(f["eligible"], 8);
    assert_eq!(f["followed_up"], 7);
    assert_eq!(f["within_sla"], 6); // l1 l2 l3 l7 l8 l9
    assert_eq!(f["late"], 1); // l4
    assert_eq!(f["never"], 1); // l5
    assert_eq!(f["breaches"], 2);
    // Business hours sorted: 1, 1, 1.5, 2, 4, 8, 24.5 → median x[3] = 2;
    // p90 at h = 6 × 0.9 = 5.4: 8 + 0.4 × (24.5 − 8) = 14.6.
    assert_close(&f["hours_to_first_touch"]["median"], 2.0);
    assert_close(&f["hours_to_first_touch"]["p90"], 14.6);
    assert_eq!(
        f["hours_to_first_touch"],
        f["hours_to_first_touch_business"]
    );
    // Calendar hours sorted: 1, 20, 63.5, 65, 67, 72.5, 96 → median 65;
    // p90: 72.5 + 0.4 × (96 − 72.5) = 81.9.
    assert_close(&f["hours_to_first_touch_calendar"]["median"], 65.0);
    assert_close(&f["hours_to_first_touch_calendar"]["p90"], 81.9);
    // Buckets on the SLA clock: ≤1h: l7, l8 (1 h each); ≤24h: 1.5, 2, 4, 8; >SLA: 24.5.
    let buckets: Vec<u64> = f["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .collect();
    assert_eq!(buckets, [0, 2, 4, 0, 1, 1]);
}

#[test]
fn departed_owner_counts_as_unowned_and_berlin_owner_uses_berlin_hours() {
    let r = audit_json(&fixture("business/handoff.toml"), &[]);
    let o = &r["ownership"];
    assert_eq!(o["unowned"], 1); // l8, Carl Stone departed
    assert_eq!(o["inactive_owner"], 1);
    assert_eq!(o["unowned_breaches"], 0);
    let owners = o["owners"].as_array().unwrap();
    assert_eq!(owners.len(), 2);
    // Ann: l1 l2 l3 l4 l5 l9 eligible; l5 never, l4 late.
    assert_eq!(owners[0]["owner"], "Ann Park");
    assert_eq!(
        (
            owners[0]["eligible"].as_u64(),
            owners[0]["within_sla"].as_u64()
        ),
        (Some(6), Some(4))
    );
    assert_eq!(owners[0]["breaches"], 2);
    // Berta: l7 within (1 working hour in Berlin).
    assert_eq!(owners[1]["owner"], "Berta Vogel");
    assert_eq!(owners[1]["within_sla"], 1);
}

#[test]
fn calendar_clock_on_the_same_data_uses_wall_time() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture("business");
    for f in ["marketing.csv", "crm.csv", "activities.csv", "owners.csv"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    let cfg = std::fs::read_to_string(src.join("handoff.toml"))
        .unwrap()
        .replace("sla_clock = \"business\"", "sla_clock = \"calendar\"")
        .replace("sla_hours = 16", "sla_hours = 48");
    std::fs::write(dir.path().join("handoff.toml"), cfg).unwrap();
    let r = audit_json(&dir.path().join("handoff.toml"), &[]);
    let f = &r["follow_up"];
    // Calendar 48 h: l6 (12-30 21:00Z + 48 h > as_of) in window; within: l3 (20), l8 (1);
    // late: l1 63.5, l2 96, l4 72.5, l7 65, l9 67; never: l5.
    assert_eq!(f["in_window"], 1);
    assert_eq!(f["within_sla"], 2);
    assert_eq!(f["late"], 5);
    assert_eq!(f["never"], 1);
    assert_close(&f["hours_to_first_touch"]["median"], 65.0);
    assert!(f.get("hours_to_first_touch_business").is_none());
}
