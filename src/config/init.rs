//! `landsift init`: a commented configuration for a bureau's own data, from what
//! [`super::suggest`] finds — the layers and their roles, CRS and encoding, the code
//! scheme with its evidence, the field mapping with the evidence of each field, the
//! engine fields it could not map and the source fields left unused. The text is
//! checked with the configuration's own parser before it is written, so what `init`
//! writes is what `landsift run --config` reads.

use super::file::FileConfig;
use super::suggest::{self, How, Pick, Role, Suggestion};
use super::MappedField;
use crate::error::{Error, Result};
use crate::model::{Choice, SurveyField};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The file `landsift init` writes when not told otherwise.
pub const DEFAULT_FILE: &str = "landsift.toml";

/// Column at which a value's comment starts.
const COMMENT_AT: usize = 32;

/// What `landsift init` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    /// Files or folders holding the data; none: the working directory.
    pub inputs: Vec<PathBuf>,
    /// The file to write; `None`: standard output (the caller prints [`Written::text`]).
    pub out: Option<PathBuf>,
    /// Replace an existing file.
    pub force: bool,
    /// `--field ENGINE=SOURCE`: mappings to take as they are.
    pub fields: Vec<(MappedField, String)>,
    /// `--encoding`: read the Shapefiles so, and say so in the configuration.
    pub encoding: Option<String>,
    /// `--s-srs`: the inputs' CRS, said in the configuration.
    pub s_srs: Option<String>,
}

/// What `landsift init` wrote.
#[derive(Debug)]
pub struct Written {
    pub text: String,
    /// The file written; `None` for standard output.
    pub path: Option<PathBuf>,
    pub suggestion: Suggestion,
}

impl Written {
    /// A few lines for the console: what was found and what needs a person.
    pub fn summary(&self) -> Vec<String> {
        let s = &self.suggestion;
        let mut lines = Vec::new();
        for (role, l) in s.used() {
            lines.push(format!(
                "{}: {} ({} features, {}, {})",
                role.label(),
                l.describe(),
                suggest::group(l.features),
                l.crs.as_ref().map_or("no CRS", |(label, _)| label.as_str()),
                l.encoding.name
            ));
        }
        if let Some(g) = &s.scheme {
            lines.push(format!(
                "scheme {}: {}",
                g.scheme.name(),
                g.evidence.first().cloned().unwrap_or_default()
            ));
        }
        let mapped: Vec<String> = s
            .fields
            .iter()
            .map(|(f, p)| format!("{}={}", f.name(), p.source))
            .collect();
        lines.push(format!(
            "{} of {} engine fields mapped: {}",
            s.fields.len(),
            SurveyField::ALL.len(),
            mapped.join(", ")
        ));
        let missing: Vec<&str> = s.missing.iter().map(|(f, _)| f.name()).collect();
        if !missing.is_empty() {
            lines.push(format!("not mapped: {}", missing.join(", ")));
        }
        lines
    }

    /// What a person must look at before running (empty when nothing).
    pub fn notes(&self) -> &[String] {
        &self.suggestion.notes
    }
}

/// Finds the layers, suggests a configuration, checks it with the configuration's
/// parser and writes it (refusing to replace a file without `force`).
pub fn init(opts: &InitOptions) -> Result<Written> {
    if let Some(path) = &opts.out {
        if path.exists() && !opts.force {
            return Err(Error::output(
                path,
                "exists; --force replaces it (or -o another file, -o - for standard output)",
            ));
        }
    }
    // As a run checks them, before anything is read.
    if let Some(label) = &opts.encoding {
        if crate::ingest::dbf::encoding_for_label(label).is_none() {
            return Err(Error::Usage(format!(
                "--encoding '{label}' is not an encoding landsift knows (try UTF-8, GBK, GB18030, Big5 or a code page such as 936)"
            )));
        }
    }
    if let Some(crs) = &opts.s_srs {
        crate::crs::parse_user_crs(crs)?;
    }
    let inputs = if opts.inputs.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.inputs.clone()
    };
    let found = suggest::find_layers(&inputs, opts.encoding.as_deref(), opts.s_srs.as_deref())?;
    let suggestion = suggest::suggest(found, &opts.fields)?;
    let base = match &opts.out {
        Some(p) => p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        None => PathBuf::from("."),
    };
    let text = render(&suggestion, opts, &inputs, &base);
    let name = opts
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("<standard output>"));
    FileConfig::parse(&text, &name).map_err(|e| {
        Error::config(
            &name,
            format!("landsift init made a configuration its parser refuses (a bug; nothing written): {}", e.report()),
        )
    })?;
    if let Some(path) = &opts.out {
        write_file(path, &text)?;
    }
    Ok(Written {
        text,
        path: opts.out.clone(),
        suggestion,
    })
}

/// Writes beside the target and renames, so a reader never sees half a file.
fn write_file(path: &Path, text: &str) -> Result<()> {
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| DEFAULT_FILE.into());
    let tmp = path.with_file_name(format!(".{file}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::output(path, "cannot write").because(e)
        })
}

/// A TOML string (quoted and escaped by the TOML serializer).
fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// One comment line's text: no line breaks.
fn c(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// `key = value` with its comment from [`COMMENT_AT`].
fn line(out: &mut String, key: &str, value: &str, comment: &str) {
    let head = format!("{key} = {value}");
    if comment.is_empty() {
        let _ = writeln!(out, "{head}");
    } else {
        let pad = COMMENT_AT.saturating_sub(head.chars().count()).max(1);
        let _ = writeln!(out, "{head}{}# {}", " ".repeat(pad), c(comment));
    }
}

/// Folders up (`..`) a relative path may climb; farther, the path is written absolute.
const MAX_UP: usize = 2;

/// A path as the configuration writes it: relative to the configuration's folder (so
/// that the two move together) when the data lie inside it or at most [`MAX_UP`]
/// folders above, else absolute.
fn path_text(path: &Path, base: &Path) -> String {
    use std::path::Component;
    let abs = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (p, b) = (abs(path), abs(base));
    let pc: Vec<Component> = p.components().collect();
    let bc: Vec<Component> = b.components().collect();
    let common = pc.iter().zip(&bc).take_while(|(x, y)| x == y).count();
    let up = bc.len() - common;
    // Sharing only the root (`/srv/…` and `/home/…`) is no reason to climb.
    if common <= 1 || up > MAX_UP || common == pc.len() {
        return p.to_string_lossy().into_owned();
    }
    let mut rel = PathBuf::new();
    for _ in 0..up {
        rel.push("..");
    }
    for c in &pc[common..] {
        rel.push(c);
    }
    rel.to_string_lossy().into_owned()
}

fn how(pick: &Pick) -> &'static str {
    match pick.how {
        How::Forced | How::Name => "",
        How::Cut => "check: ",
        How::Values => "check: ",
    }
}

/// Stray land-use values listed for recoding, at most.
const STRAYS_LISTED: usize = 50;

/// The land-use field's values that are no code of the scheme and not recoded, with
/// their counts, most frequent first.
fn stray_values(s: &Suggestion) -> Vec<(String, usize)> {
    let (Some(pick), Some(g)) = (s.fields.get(&SurveyField::LandUse), &s.scheme) else {
        return Vec::new();
    };
    let Some(prof) = s.parcels().fields.iter().find(|p| p.name == pick.source) else {
        return Vec::new();
    };
    prof.counts
        .iter()
        .filter(|(v, _)| {
            !s.recode.contains_key(v)
                && g.scheme
                    .name_of(&crate::landuse::normalise_code(v))
                    .is_none()
        })
        .cloned()
        .collect()
}

fn render(s: &Suggestion, opts: &InitOptions, inputs: &[PathBuf], base: &Path) -> String {
    let mut o = String::new();
    let file = opts.out.as_ref().and_then(|p| p.file_name()).map_or_else(
        || DEFAULT_FILE.to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let _ = writeln!(
        o,
        "# landsift configuration, written by `landsift init` (landsift {}) from:",
        crate::VERSION
    );
    for i in inputs {
        let _ = writeln!(o, "#   {}", c(&path_text(i, base)));
    }
    let _ = writeln!(
        o,
        "# Each mapping says what it rests on; one marked \"check\" is a guess from the\n\
         # values alone. 每项映射均注明依据；标“check”者仅凭数值推断，请核对。\n\
         # Run: landsift run --config {file}   Schema: README \"Configuration\"."
    );
    if !s.notes.is_empty() {
        let _ = writeln!(o, "#\n# 运行前请处理 Before running, look at:");
        for n in &s.notes {
            let _ = writeln!(o, "#   - {}", c(n));
        }
    }
    let _ = writeln!(o);

    // The code scheme.
    let _ = writeln!(
        o,
        "# 用地分类 code scheme: yongdi2023 (用地用海 2023) | sandiao (三调); 1001 is industrial in one, railway in the other"
    );
    match &s.scheme {
        Some(g) => {
            for e in &g.evidence {
                let _ = writeln!(o, "#   {}", c(e));
            }
            line(
                &mut o,
                "scheme",
                &q(g.scheme.name()),
                if g.sure {
                    ""
                } else {
                    "check: the values do not tell"
                },
            );
        }
        None => {
            let _ = writeln!(o, "#   no land-use field mapped: nothing to tell it from");
            line(&mut o, "scheme", &q("yongdi2023"), "check: the default");
        }
    }
    let _ = writeln!(
        o,
        "# criteria preset: {} (or criteria = \"FILE.toml\", a city's own)",
        crate::criteria::preset_names().join(" | ")
    );
    line(&mut o, "preset", &q(crate::criteria::DEFAULT_PRESET), "");

    // Inputs.
    let _ = writeln!(
        o,
        "\n[input]                        # paths relative to this file"
    );
    let layer_lines = |o: &mut String, role: Role, l: &suggest::Layer, why: &str| {
        let _ = writeln!(
            o,
            "# {}: {} {}, {} fields{}",
            role.label(),
            suggest::group(l.features),
            l.shape.label(),
            l.fields.len(),
            if why.is_empty() {
                String::new()
            } else {
                format!("; {}", c(why))
            }
        );
        let crs = match &l.crs {
            Ok((label, name)) => format!(
                "CRS {label} ({name}), {}",
                if opts.s_srs.is_some() {
                    "as --s-srs says"
                } else {
                    "as the layer declares"
                }
            ),
            Err(why) => format!("CRS: {why}"),
        };
        let _ = writeln!(
            o,
            "#   {}; encoding {}, {}",
            c(&crs),
            l.encoding.name,
            l.encoding.source.describe()
        );
    };
    let p = s.parcels();
    layer_lines(&mut o, Role::Parcels, p, &s.parcels.1);
    line(&mut o, "parcels", &q(&path_text(&p.path, base)), "");
    if let Some(layer) = &p.layer {
        line(&mut o, "parcels_layer", &q(layer), "");
    }
    if let (Some(b), Some((_, why))) = (s.buildings(), &s.buildings) {
        layer_lines(&mut o, Role::Buildings, b, why);
        line(&mut o, "buildings", &q(&path_text(&b.path, base)), "");
        if let Some(layer) = &b.layer {
            line(&mut o, "buildings_layer", &q(layer), "");
        }
    } else {
        let _ = writeln!(
            o,
            "# buildings = \"…\"              # 建筑物 footprints with 层数: none found (FAR is then the surveyed one)"
        );
    }
    match (&opts.encoding, &s.encoding) {
        (Some(e), _) => line(&mut o, "encoding", &q(e), "as --encoding said"),
        (None, Some(e)) => line(
            &mut o,
            "encoding",
            &q(e),
            "guessed from the bytes (no .cpg): stated so that a run does not guess",
        ),
        (None, None) => {}
    }
    match &opts.s_srs {
        Some(crs) => line(&mut o, "s_srs", &q(crs), "as --s-srs said"),
        None if p.crs.is_err() => {
            let _ = writeln!(
                o,
                "# s_srs = \"EPSG:4547\"           # the parcels declare no CRS: state it (EPSG:N, WKT, or \"local\")"
            );
        }
        None => {}
    }

    // Fields.
    let _ = writeln!(
        o,
        "\n[fields]                       # engine field = source field"
    );
    for (f, pick) in &s.fields {
        line(
            &mut o,
            f.name(),
            &q(&pick.source),
            &format!("{} {}{}", f.label_zh(), how(pick), pick.evidence),
        );
    }
    for (f, why) in &s.missing {
        if let MappedField::Survey(sf) = f {
            if sf.required() {
                let _ = writeln!(
                    o,
                    "# {} = \"…\"{}# 必填 REQUIRED, not found: {}",
                    sf.name(),
                    " ".repeat(COMMENT_AT.saturating_sub(sf.name().len() + 8).max(1)),
                    c(why)
                );
            }
        }
    }
    let optional: Vec<&(MappedField, String)> = s
        .missing
        .iter()
        .filter(|(f, _)| matches!(f, MappedField::Survey(sf) if !sf.required()))
        .collect();
    if !optional.is_empty() {
        let _ = writeln!(
            o,
            "# 未能映射 Engine fields not mapped (unknown in every record; the rules that read them cannot judge):"
        );
        for (f, why) in optional {
            if let MappedField::Survey(sf) = f {
                let _ = writeln!(o, "#   {} ({}): {}", sf.name(), sf.label_zh(), c(why));
            }
        }
    }
    if !s.unused_fields.is_empty() {
        let _ = writeln!(
            o,
            "# 未使用 Source fields not used (kept in the outputs under their own names):\n#   {}",
            c(&s.unused_fields.join(", "))
        );
    }
    let strays = stray_values(s);
    if !s.recode.is_empty() || !strays.is_empty() {
        let _ = writeln!(
            o,
            "\n[land_use_recode]              # source value = code of the scheme"
        );
        for (from, to) in &s.recode {
            line(&mut o, &q(from), &q(to), "a land-use name of the scheme");
        }
        if !strays.is_empty() {
            let _ = writeln!(
                o,
                "# Values that are no code of the scheme: each is rejected (unknown_land_use) unless given its code here:"
            );
            for (v, n) in strays.iter().take(STRAYS_LISTED) {
                let _ = writeln!(
                    o,
                    "# {} = \"\"{}# ×{}",
                    q(v),
                    " ".repeat(COMMENT_AT.saturating_sub(q(v).chars().count() + 7).max(1)),
                    suggest::group(*n)
                );
            }
            if strays.len() > STRAYS_LISTED {
                let _ = writeln!(o, "#   … and {} more", strays.len() - STRAYS_LISTED);
            }
        }
    }

    // Buildings.
    if s.buildings.is_some() {
        let _ = writeln!(o, "\n[buildings]");
        match &s.floors {
            Some(pick) => line(
                &mut o,
                "floors",
                &q(&pick.source),
                &format!("层数 {}{}", how(pick), pick.evidence),
            ),
            None => {
                let _ = writeln!(o, "# floors = \"…\"                 # 层数: none found");
            }
        }
        match &s.height {
            Some(pick) => line(
                &mut o,
                "height",
                &q(&pick.source),
                &format!("高度 m {}{}", how(pick), pick.evidence),
            ),
            None => {
                let _ = writeln!(
                    o,
                    "# height = \"…\"                 # 高度 (m): none found; floors come from it where missing, and the 8 m rule reads it"
                );
            }
        }
        let _ = writeln!(
            o,
            "# storey_height = 3.5            # metres per storey, to read floors from a height"
        );
    }

    // Planning, programme, towns.
    if let Some((i, why, pick)) = &s.planning {
        let l = &s.found.layers[*i];
        let _ = writeln!(
            o,
            "\n[planning]                     # 控规: each parcel's planned use by overlay"
        );
        let _ = writeln!(o, "# {}", c(why));
        line(&mut o, "path", &q(&path_text(&l.path, base)), "");
        if let Some(layer) = &l.layer {
            line(&mut o, "layer", &q(layer), "");
        }
        line(&mut o, "field", &q(&pick.source), &pick.evidence);
    }
    if s.programme.is_some() || s.towns.is_some() {
        let _ = writeln!(o, "\n[zones]");
    }
    if let Some((i, why)) = &s.programme {
        let l = &s.found.layers[*i];
        let _ = writeln!(o, "# 改造计划 the planned programme: {}", c(why));
        line(&mut o, "programme", &q(&path_text(&l.path, base)), "");
        if let Some(layer) = &l.layer {
            line(&mut o, "programme_layer", &q(layer), "");
        }
    }
    if let Some((i, why, pick)) = &s.towns {
        let l = &s.found.layers[*i];
        let _ = writeln!(o, "# 镇街界线 town boundaries: {}", c(why));
        line(&mut o, "towns", &q(&path_text(&l.path, base)), "");
        if let Some(layer) = &l.layer {
            line(&mut o, "towns_layer", &q(layer), "");
        }
        line(&mut o, "towns_field", &q(&pick.source), &pick.evidence);
    }

    // What else was there.
    if !s.unused_layers.is_empty() || !s.found.skipped.is_empty() || !s.found.tables.is_empty() {
        let _ = writeln!(o, "\n# 其他 Also found, not used:");
        for (i, what) in &s.unused_layers {
            let l = &s.found.layers[*i];
            let _ = writeln!(o, "#   {}: {}", c(&path_text(&l.path, base)), c(what));
        }
        for (what, why) in &s.found.skipped {
            let _ = writeln!(o, "#   {}: not read: {}", c(what), c(why));
        }
        for t in &s.found.tables {
            let _ = writeln!(
                o,
                "#   {}: a table (a survey table keyed by parcel id goes in [survey] path, key)",
                c(&path_text(t, base))
            );
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_relative_to_the_configuration_when_near() {
        let d = tempfile::tempdir().unwrap();
        let base = d.path().join("cfg");
        let data = d.path().join("data/zd.shp");
        std::fs::create_dir_all(&base).unwrap();
        std::fs::create_dir_all(data.parent().unwrap()).unwrap();
        std::fs::write(&data, "").unwrap();
        assert_eq!(path_text(&data, &base), "../data/zd.shp");
        assert_eq!(path_text(&data, d.path()), "data/zd.shp");
        let deep = base.join("a/b/c");
        std::fs::create_dir_all(&deep).unwrap();
        let abs = std::fs::canonicalize(&data).unwrap();
        assert_eq!(path_text(&data, &deep), abs.to_string_lossy());
        // Quoted and escaped by the TOML serializer: what is written reads back.
        for text in ["a\"b\\c", "宗地号", "it's", "a'b\"c"] {
            let v: toml::Table = toml::from_str(&format!("x = {}", q(text))).unwrap();
            assert_eq!(v["x"].as_str(), Some(text));
        }
    }
}
