//! A planned programme (`--programme`) on the sample district: the 70 % rule measures
//! the plan, a plan naming unknown parcels is refused.

mod common;
use common::*;

#[test]
fn the_programme_table_is_what_the_70_percent_rule_measures() {
    let dir = tmp();
    let base = dir.path().join("base");
    let s = run_ok(&[], &base);
    for town in s["zones"]["towns"].as_array().unwrap() {
        assert_eq!(town["programme"]["basis"], "proposal");
    }
    // The plan: the parcels of the renewal units of one town, named by their unit.
    let parcels = read_back(&base.join("parcels.shp"), None);
    let town = s["zones"]["towns"][0]["town"].as_str().unwrap().to_string();
    let mut csv = String::from("parcel_id,unit,year\n");
    let mut planned = 0;
    for row in &parcels.rows {
        let (Some(Some(id)), Some(Some(unit))) = (row.get("parcel_id"), row.get("unit_id")) else {
            continue;
        };
        if unit.starts_with(&town) && !unit.is_empty() {
            csv.push_str(&format!("{id},{unit},2027\n"));
            planned += 1;
        }
    }
    assert!(planned > 20, "{planned}");
    let table = write(dir.path(), "programme.csv", &csv);
    let out = dir.path().join("planned");
    let s = run_ok(&["--programme", table.to_str().unwrap()], &out);
    let towns = s["zones"]["towns"].as_array().unwrap();
    let p = &towns[0]["programme"];
    assert_eq!(p["basis"], "plan");
    assert!(p["units"].as_u64().unwrap() > 3);
    let share = p["share_in_large"].as_f64().unwrap();
    assert_eq!(p["meets_policy"].as_bool().unwrap(), share >= 0.7);
    assert_eq!(p["shortfall"].is_null(), share >= 0.7);
    // Every unit mostly outside is listed; the others' share inside adds up.
    let outside: f64 = p["units_outside"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["area_mu"].as_f64().unwrap())
        .sum();
    assert!(outside <= (1.0 - share) * p["area_mu"].as_f64().unwrap() * 2.0 + 1e-6);
    for other in &towns[1..] {
        assert_eq!(other["programme"]["area_mu"].as_f64().unwrap(), 0.0);
    }
    // The manifest lists the programme as an input.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert!(manifest.to_string().contains("programme.csv"));

    // A plan naming a parcel the run does not have is refused, naming it.
    let bad = write(dir.path(), "bad.csv", "parcel_id\nNO-SUCH-PARCEL\n");
    let o = landsift(&[
        "run",
        "--programme",
        bad.to_str().unwrap(),
        "--out",
        dir.path().join("bad").to_str().unwrap(),
    ]);
    assert!(o.code != 0 && o.code != 101, "exit {}", o.code);
    assert!(o.stderr.contains("NO-SUCH-PARCEL"), "{}", o.stderr);
}
