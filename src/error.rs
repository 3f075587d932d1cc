//! Library errors. Each variant names the value at fault, and keeps the error that caused
//! it (`source`) where there is one; the binary maps the variant to a documented exit code
//! through [`Error::exit_code`] and prints the whole chain ([`Error::report`]).

use std::path::PathBuf;

/// Result alias for the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An underlying error (I/O, GDAL, PROJ, CSV…) kept as the cause of one of ours.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can stop a run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line was inconsistent (besides what the argument parser rejects).
    #[error("usage: {0}")]
    Usage(String),

    /// The configuration file or a preset is wrong.
    #[error("config {path}: {message}")]
    Config {
        path: PathBuf,
        message: String,
        #[source]
        source: Option<Cause>,
    },

    /// An input could not be opened or read, or lacks what the run needs.
    #[error("input {path}: {message}")]
    Input {
        path: PathBuf,
        message: String,
        #[source]
        source: Option<Cause>,
    },

    /// A CRS is missing, unknown, or inconsistent across inputs.
    #[error("CRS of {path}: {message}")]
    Crs {
        path: PathBuf,
        message: String,
        #[source]
        source: Option<Cause>,
    },

    /// A text value cannot be decoded in the chosen encoding.
    #[error("encoding of {path}: field '{field}' of record {record} is not valid {encoding} (bytes {bytes}); pass --encoding to override")]
    Encoding {
        path: PathBuf,
        field: String,
        /// 0-based record index.
        record: usize,
        encoding: String,
        /// The offending bytes, hex.
        bytes: String,
    },

    /// A record has invalid geometry and the policy is `stop`.
    #[error("invalid geometry in {path}, record {record} (id '{id}'): {detail}; use --invalid repair or skip to carry on")]
    InvalidGeometry {
        path: PathBuf,
        record: usize,
        id: String,
        detail: String,
    },

    /// The run finished but its result cannot be credible (README "Quality gates");
    /// nothing is published.
    #[error("quality gate '{gate}' failed: {message}")]
    QualityGate { gate: String, message: String },

    /// Another run holds the output's lock.
    #[error("output {path} is locked by another run ({holder}); wait for it, or stop it: a lock whose process has ended is taken over by the next run")]
    Locked { path: PathBuf, holder: String },

    /// An output could not be written.
    #[error("output {path}: {message}")]
    Output {
        path: PathBuf,
        message: String,
        #[source]
        source: Option<Cause>,
    },
}

impl Error {
    /// The process exit code for this error; see README "Exit codes".
    /// Codes avoid 124–127 and 137, which `timeout` and shells use.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => 2,
            Error::Config { .. } => 3,
            Error::Input { .. } => 4,
            Error::Crs { .. } => 5,
            Error::Encoding { .. } => 6,
            Error::InvalidGeometry { .. } => 7,
            Error::Output { .. } => 8,
            Error::QualityGate { .. } => 9,
            Error::Locked { .. } => 10,
        }
    }

    pub fn input(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Input {
            path: path.into(),
            message: message.into(),
            source: None,
        }
    }

    pub fn crs(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Crs {
            path: path.into(),
            message: message.into(),
            source: None,
        }
    }

    pub fn output(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Output {
            path: path.into(),
            message: message.into(),
            source: None,
        }
    }

    pub fn config(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Config {
            path: path.into(),
            message: message.into(),
            source: None,
        }
    }

    /// The same error, caused by `cause` (kept as its [`std::error::Error::source`]).
    ///
    /// ```
    /// use landsift::Error;
    /// let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
    /// let e = Error::input("zd.shp", "cannot open").because(io);
    /// assert_eq!(e.to_string(), "input zd.shp: cannot open");
    /// assert_eq!(e.report(), "input zd.shp: cannot open: no such file");
    /// assert!(std::error::Error::source(&e).is_some());
    /// ```
    pub fn because(mut self, cause: impl Into<Cause>) -> Self {
        match &mut self {
            Error::Config { source, .. }
            | Error::Input { source, .. }
            | Error::Crs { source, .. }
            | Error::Output { source, .. } => *source = Some(cause.into()),
            Error::Usage(_)
            | Error::Encoding { .. }
            | Error::InvalidGeometry { .. }
            | Error::QualityGate { .. }
            | Error::Locked { .. } => {}
        }
        self
    }

    /// The message with every cause after it, `: `-separated: what people read.
    pub fn report(&self) -> String {
        let mut text = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            let more = c.to_string();
            // Some libraries repeat their cause in their own message.
            if !text.ends_with(&more) {
                text.push_str(": ");
                text.push_str(&more);
            }
            cause = c.source();
        }
        text
    }
}
