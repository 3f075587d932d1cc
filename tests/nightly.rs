//! Nightly operation: an output folder that is always one complete run (kill sweep),
//! one run at a time (lock), nothing stale after `--force`, inputs kept apart, the change
//! report over three nights with `--if-changed` on the third, history, JSON logs, and the
//! deployment units.

mod common;
use common::*;
use landsift::publish::manifest;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

fn run_args(out: &Path, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = vec![
        "run".into(),
        "-q".into(),
        "--out".into(),
        out.display().to_string(),
        "--force".into(),
    ];
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

fn spawn(args: &[String]) -> std::process::Child {
    Command::new(binary())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("landsift starts")
}

/// The run id of a published folder.
fn run_id(out: &Path) -> String {
    manifest::read(out).expect("a manifest").run_id
}

#[test]
fn killed_runs_leave_the_old_output_or_the_new_never_a_mix() {
    let dir = tmp();
    let out = dir.path().join("out");
    let args = run_args(&out, &[]);
    // A complete output to start from, and the length of a run.
    let o = landsift(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.code, 0, "{}", o.stderr);
    let t0 = Instant::now();
    let o = landsift(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.code, 0, "{}", o.stderr);
    let life = t0.elapsed();
    let mut published = vec![run_id(&out)];
    let kills = 32;
    for k in 0..kills {
        let mut child = spawn(&args);
        // Spread over the whole life of a run, a little past its end.
        std::thread::sleep(life.mul_f64(1.1 * k as f64 / kills as f64));
        let _ = child.kill();
        let _ = child.wait();
        let problems = manifest::verify(&out);
        assert!(
            problems.is_empty(),
            "kill {k} at {:?}: {problems:?}",
            life.mul_f64(1.1 * k as f64 / kills as f64)
        );
        let id = run_id(&out);
        if !published.contains(&id) {
            published.push(id);
        }
    }
    // The next run cleans up what the killed ones left.
    let o = landsift(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(manifest::verify(&out).is_empty());
    let runs = dir.path().join("out.runs");
    let staging: Vec<_> = std::fs::read_dir(&runs)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("staging-"))
        .collect();
    assert!(staging.is_empty(), "stale staging left: {staging:?}");
}

#[test]
fn two_runs_on_one_output_one_waits_out_the_other() {
    let dir = tmp();
    let out = dir.path().join("out");
    let mut a = Command::new(binary())
        .args(run_args(&out, &["--log-format", "json"]))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the first run holds the lock (it reads only once it does).
    let mut lines = BufReader::new(a.stderr.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.contains("\"stage_started\"") && line.contains("\"read\"") {
            break;
        }
    }
    let b = landsift(
        &run_args(&out, &[])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = a.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{rest:?}");
    assert_eq!(b.code, 10, "{}", b.stderr);
    assert!(
        b.stderr.contains("locked by another run") && b.stderr.contains("\"pid\""),
        "{}",
        b.stderr
    );
    assert!(manifest::verify(&out).is_empty());
    // A lock left by a process that ended is taken over.
    let o = landsift(
        &run_args(&out, &[])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
}

#[test]
fn force_leaves_nothing_of_an_earlier_run() {
    let dir = tmp();
    let out = dir.path().join("out");
    let full = run_ok(&[], &out);
    assert!(full["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f == "landsift.gpkg"));
    // Fewer formats, another CRS: nothing of the full run survives.
    let o = landsift(&[
        "run",
        "-q",
        "--out",
        out.to_str().unwrap(),
        "--force",
        "--format",
        "geojson",
        "--s-srs",
        "local",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    for stale in [
        "landsift.gpkg",
        "landsift.qgs",
        "report.html",
        "parcels.shp",
        "parcels.prj",
        "stats.csv",
    ] {
        assert!(
            !names.iter().any(|n| n == stale),
            "{stale} survived: {names:?}"
        );
    }
    assert!(names.iter().any(|n| n == "parcels.geojson"));
    assert!(manifest::verify(&out).is_empty());
    // The earlier output is in the history, complete.
    let history = dir.path().join("out.runs/history");
    let kept: Vec<PathBuf> = std::fs::read_dir(&history)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(kept.len(), 1);
    assert!(manifest::verify(&kept[0]).is_empty());
    assert!(kept[0].join("landsift.gpkg").exists());
}

#[test]
fn outputs_never_hold_an_input() {
    let dir = tmp();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("data/sample/parcels.{ext}")),
            data.join(format!("parcels.{ext}")),
        )
        .unwrap();
    }
    let parcels = data.join("parcels.shp");
    for out in [data.clone(), dir.path().to_path_buf()] {
        let before = std::fs::read_dir(dir.path()).unwrap().count();
        let o = landsift(&[
            "run",
            "--parcels",
            parcels.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--force",
        ]);
        assert_eq!(o.code, 2, "{}", o.stderr);
        assert!(o.stderr.contains("must not hold any input"), "{}", o.stderr);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            before,
            "nothing written"
        );
        assert!(parcels.exists());
    }
    // Beside the inputs is fine.
    let o = landsift(&[
        "run",
        "-q",
        "--parcels",
        parcels.to_str().unwrap(),
        "--out",
        data.join("out").to_str().unwrap(),
        "--gate",
        "rejected_share=off",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
}

/// The sample parcels as an editable GeoJSON layer, and a survey table for some of them.
fn night_inputs(dir: &Path) -> (PathBuf, Value, PathBuf) {
    let gj = dir.join("parcels.geojson");
    ogr2ogr(
        &gj,
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample/parcels.shp"),
        &["-f", "GeoJSON"],
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&gj).unwrap()).unwrap();
    let survey = dir.join("survey.csv");
    (gj, v, survey)
}

fn changes(out: &Path) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(out.join("changes.csv")).unwrap();
    let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[0].to_string(), rec[1].to_string(), rec[3].to_string())
        })
        .collect()
}

fn mtimes(dir: &Path) -> Vec<(String, SystemTime)> {
    let mut v: Vec<(String, SystemTime)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().unwrap().modified().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn three_nights_report_exactly_what_changed() {
    let dir = tmp();
    let work = dir.path().join("survey");
    std::fs::create_dir_all(&work).unwrap();
    let out = dir.path().join("published");
    let (gj, mut v, survey) = night_inputs(&work);
    let buildings = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample/buildings.shp");
    // A commercial parcel that is not low-efficiency, to be made vacant through the survey.
    let first_night = run_ok(
        &[
            "--parcels",
            gj.to_str().unwrap(),
            "--buildings",
            buildings.to_str().unwrap(),
            "--gate",
            "rejected_share=off",
        ],
        &out,
    );
    assert_eq!(first_night["changes"]["first_run"], true);
    let state = std::fs::read_to_string(out.join("parcels_state.csv")).unwrap();
    let not_low = |ltype: &str| -> String {
        state
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .find(|c| c[2] == "0" && c[3] == ltype)
            .map(|c| c[0].to_string())
            .unwrap()
    };
    let (ind, com) = (not_low("industrial"), not_low("commercial"));
    let unit_ids = |out: &Path| -> Vec<String> {
        let r = read_back(&out.join("small_circles.geojson"), None);
        r.rows
            .iter()
            .map(|row| row["zone_id"].clone().unwrap())
            .collect()
    };
    let night_one_units = unit_ids(&out);
    // Night 1 again with the survey table (empty of edits) as the baseline.
    std::fs::write(&survey, format!("parcel_id,vacancy\n{com},0.05\n")).unwrap();
    let args = [
        "--parcels",
        gj.to_str().unwrap(),
        "--buildings",
        buildings.to_str().unwrap(),
        "--survey",
        survey.to_str().unwrap(),
        "--gate",
        "rejected_share=off",
    ];
    run_ok(&args, &out);

    // Night 2: a tax edit, a parcel added, one removed, a survey row updated.
    let fs = v["features"].as_array_mut().unwrap();
    let pos = |fs: &Vec<Value>, id: &str| {
        fs.iter()
            .position(|f| f["properties"]["parcel_id"] == id)
            .unwrap()
    };
    let i = pos(fs, &ind);
    fs[i]["properties"]["tax_mu"] = json!(0.5);
    let removed = fs
        .iter()
        .rev()
        .find(|f| f["properties"]["land_use"] == "0701")
        .map(|f| f["properties"]["parcel_id"].as_str().unwrap().to_string())
        .unwrap();
    let r = pos(fs, &removed);
    let mut added = fs[r].clone();
    fs.remove(r);
    added["properties"]["parcel_id"] = json!("441900NEW0001");
    for ring in added["geometry"]["coordinates"].as_array_mut().unwrap() {
        for part in ring.as_array_mut().unwrap() {
            if let Some(pts) = part.as_array_mut() {
                for p in pts {
                    if let Some(x) = p.get_mut(0).and_then(|x| x.as_f64()) {
                        p[0] = json!(x + 3.0);
                    }
                }
            }
        }
    }
    fs.push(added);
    std::fs::write(&gj, v.to_string()).unwrap();
    std::fs::write(&survey, format!("parcel_id,vacancy\n{com},0.9\n")).unwrap();
    let s = run_ok(&args, &out);
    let mut got = changes(&out);
    got.sort();
    let mut want = vec![
        (
            "parcel".to_string(),
            "441900NEW0001".to_string(),
            "added".to_string(),
        ),
        ("parcel".to_string(), com.clone(), "became_low".to_string()),
        ("parcel".to_string(), ind.clone(), "became_low".to_string()),
        ("parcel".to_string(), removed.clone(), "removed".to_string()),
    ];
    want.sort();
    // Exactly the edited parcels changed, each with its change (a parcel whose own
    // score moved may also change class and score).
    let changed: std::collections::BTreeSet<&str> = got
        .iter()
        .filter(|c| c.0 == "parcel")
        .map(|c| c.1.as_str())
        .collect();
    let edited: std::collections::BTreeSet<&str> = want.iter().map(|w| w.1.as_str()).collect();
    assert_eq!(changed, edited, "all changes: {got:?}");
    for w in &want {
        assert!(got.contains(w), "{w:?} missing from {got:?}");
    }
    for c in got.iter().filter(|c| c.0 == "parcel") {
        assert!(
            want.contains(c) || ["class_changed", "score_moved"].contains(&c.2.as_str()),
            "unexpected {c:?}"
        );
    }
    assert_eq!(s["changes"]["parcels"]["became_low"], 2);
    // The tax edit's reason is named.
    let text = std::fs::read_to_string(out.join("changes.csv")).unwrap();
    assert!(
        text.lines()
            .any(|l| l.contains(&ind) && l.contains("+IND_TAX")),
        "{text}"
    );
    // Circles away from the edits keep their ids.
    let night_two_units = unit_ids(&out);
    let kept = night_one_units
        .iter()
        .filter(|id| night_two_units.contains(id))
        .count();
    assert!(
        kept * 10 >= night_one_units.len() * 9,
        "{kept} of {} unit ids kept",
        night_one_units.len()
    );
    // The changes layer is in the GeoPackage.
    let layer = read_back(&out.join("landsift.gpkg"), Some("changes"));
    assert!(layer
        .rows
        .iter()
        .any(|r| r["change"].as_deref() == Some("became_low")));

    // Night 3: nothing changed; --if-changed touches nothing.
    let before = mtimes(&out);
    let mut a: Vec<&str> = vec![
        "run",
        "--out",
        out.to_str().unwrap(),
        "--force",
        "--if-changed",
    ];
    a.extend_from_slice(&args);
    let t = Instant::now();
    let o = landsift(&a);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("up to date"), "{}", o.stderr);
    assert!(t.elapsed() < Duration::from_secs(5));
    assert_eq!(mtimes(&out), before);
}

#[test]
fn history_logs_and_verify() {
    let dir = tmp();
    let out = dir.path().join("out");
    for _ in 0..4 {
        let o = landsift(&[
            "run",
            "-q",
            "--out",
            out.to_str().unwrap(),
            "--force",
            "--keep",
            "2",
            "--format",
            "geojson,stats",
        ]);
        assert_eq!(o.code, 0, "{}", o.stderr);
    }
    let history = dir.path().join("out.runs/history");
    assert_eq!(std::fs::read_dir(&history).unwrap().count(), 2);
    // JSON log: every line an object of this run, the same as run.log, ending published.
    let o = landsift(&[
        "run",
        "--out",
        out.to_str().unwrap(),
        "--force",
        "--log-format",
        "json",
        "--format",
        "geojson",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let lines: Vec<Value> = o
        .stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let id = lines[0]["run_id"].as_str().unwrap().to_string();
    assert!(lines.iter().all(|l| l["run_id"] == id.as_str()));
    assert_eq!(lines.last().unwrap()["event"], "published");
    assert!(lines
        .iter()
        .any(|l| l["event"] == "result" && l["exit_code"] == 0));
    let log = std::fs::read_to_string(out.join("run.log")).unwrap();
    // run.log is written into the output before it is published: all but the end of the
    // publish stage and the `published` record.
    assert_eq!(log.lines().count() + 2, lines.len());
    for (file_line, stderr_line) in log.lines().zip(o.stderr.lines()) {
        assert_eq!(file_line, stderr_line);
    }
    assert_eq!(run_id(&out), id);
    // A failing run logs its error and exit code as JSON too.
    let o = landsift(&[
        "run",
        "--out",
        out.to_str().unwrap(),
        "--force",
        "--log-format",
        "json",
        "--parcels",
        "/nonexistent/x.shp",
    ]);
    assert_eq!(o.code, 4);
    let last: Value = serde_json::from_str(o.stderr.lines().last().unwrap()).unwrap();
    assert_eq!(last["event"], "error");
    assert_eq!(last["exit_code"], 4);
    // verify: a tampered output is found.
    let o = landsift(&["verify", out.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    std::fs::write(out.join("parcels.geojson"), "{}").unwrap();
    std::fs::write(out.join("stray.txt"), "x").unwrap();
    let o = landsift(&["verify", out.to_str().unwrap()]);
    assert_eq!(o.code, 4);
    assert!(
        o.stderr.contains("parcels.geojson: content differs")
            && o.stderr.contains("stray.txt: not in the manifest"),
        "{}",
        o.stderr
    );
}

#[test]
fn deployment_units_and_config_are_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("deploy/bureau.toml")).unwrap();
    landsift::config::check_text(&text, Path::new("deploy/bureau.toml")).unwrap();
    let cron = std::fs::read_to_string(root.join("deploy/landsift.cron")).unwrap();
    assert!(cron.lines().any(|l| l.starts_with("0 2 * * * landsift ")));
    let Ok(analyze) = which("systemd-analyze") else {
        eprintln!("systemd-analyze not found: units not verified");
        return;
    };
    // The units as installed, pointing at the binary built here.
    let dir = tmp();
    for unit in ["landsift-nightly.service", "landsift-nightly.timer"] {
        let text = std::fs::read_to_string(root.join("deploy").join(unit)).unwrap();
        let text = text.replace("/usr/bin/landsift", binary().to_str().unwrap());
        std::fs::write(dir.path().join(unit), text).unwrap();
    }
    let o = Command::new(analyze)
        .arg("verify")
        .arg(dir.path().join("landsift-nightly.service"))
        .arg(dir.path().join("landsift-nightly.timer"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    let real: Vec<&str> = err
        .lines()
        // Containers without a running systemd say so; that is not the units' fault.
        .filter(|l| {
            !l.contains("Failed to connect")
                && !l.contains("System has not been booted")
                && !l.contains("bus")
                && !l.is_empty()
        })
        .collect();
    assert!(real.is_empty(), "systemd-analyze verify: {err}");
}

fn which(cmd: &str) -> Result<PathBuf, ()> {
    std::env::var_os("PATH")
        .and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(cmd))
                .find(|p| p.is_file())
        })
        .ok_or(())
}
