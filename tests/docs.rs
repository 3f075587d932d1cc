//! What the documentation shows is what landsift reads: every TOML block of the README
//! and docs/, the example configurations (shipped in the Debian package) and the
//! bureau's nightly configuration parse with landsift's own parsers.

use landsift::config::{self, Overrides};
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The ```toml blocks of a Markdown file, with the line each starts on.
fn toml_blocks(path: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```toml") => current = Some((i + 2, String::new())),
            (Some(_), l) if l.starts_with("```") => blocks.extend(current.take()),
            (Some((_, b)), _) => {
                b.push_str(line);
                b.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(
        current.is_none(),
        "{}: a ```toml block is not closed",
        path.display()
    );
    blocks
}

/// A criteria-file excerpt (rules, modes, the composite score) rather than a run
/// configuration.
fn is_criteria(block: &str) -> bool {
    block.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with("[[rule]]") || l.starts_with("[[mode]]") || l.starts_with("[composite")
    })
}

fn markdown_files() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

#[test]
fn every_toml_block_of_the_readme_and_docs_parses() {
    let mut configs = 0;
    let mut criteria = 0;
    for file in markdown_files() {
        let blocks = toml_blocks(&file);
        for (i, (line, block)) in blocks.iter().enumerate() {
            let at = PathBuf::from(format!("{}:{line}", file.display()));
            if !is_criteria(block) {
                config::check_text(block, &at).unwrap_or_else(|e| panic!("{}", e.report()));
                configs += 1;
                continue;
            }
            // An excerpt of a criteria file: a file needs its name; a rule that reads
            // the 亩均 class needs the [composite] that ranks it, which the document
            // shows just before, there with role = "rule" as its text says.
            let mut text = format!("name = \"docs\"\n{block}");
            if block.contains("field = \"class\"") && !block.contains("[composite") {
                let composite = blocks[..i]
                    .iter()
                    .rev()
                    .find(|(_, b)| b.contains("[composite"))
                    .unwrap_or_else(|| panic!("{}: no [composite] before", at.display()));
                text = format!(
                    "name = \"docs\"\n{block}\n{}",
                    composite.1.replace("role = \"report\"", "role = \"rule\"")
                );
            }
            landsift::criteria::parse(&text, &at).unwrap_or_else(|e| panic!("{}", e.report()));
            criteria += 1;
        }
    }
    assert!(configs >= 1, "the README shows a configuration");
    assert!(criteria >= 4, "docs/criteria.md shows criteria");
}

#[test]
fn the_readme_configuration_block_loads_with_every_key() {
    // The README's block is the schema's tour: it loads into settings (paths relative
    // to the file, values in range), not only parses.
    let readme = root().join("README.md");
    let (_, block) = toml_blocks(&readme)
        .into_iter()
        .find(|(_, b)| !is_criteria(b))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("readme.toml");
    std::fs::write(&path, &block).unwrap();
    let s = config::load(&Overrides {
        config: Some(path),
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{}", e.report()));
    assert!(s.parcels.unwrap().ends_with("zd.shp"));
    assert_eq!(s.building_fields.floors, "CS");
}

#[test]
fn example_configurations_load() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 2, "{files:?}");
    files.push(root().join("deploy/bureau.toml"));
    for path in files {
        let s = config::load(&Overrides {
            config: Some(path.clone()),
            ..Default::default()
        })
        .unwrap_or_else(|e| panic!("{}", e.report()));
        assert!(s.parcels.is_some(), "{} names its parcels", path.display());
    }
}
