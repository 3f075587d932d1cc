//! Closed sets of named values (formats, layers, policies), as written in configuration
//! files and on the command line.

/// A closed set of values with one name each (`--format gpkg`, `invalid = "repair"`).
/// The binary builds its command-line parsers from [`Choice::ALL`], so a value added here
/// is accepted everywhere at once.
pub trait Choice: Sized + Copy + PartialEq + 'static {
    /// Every value, in documentation order.
    const ALL: &'static [Self];

    /// The value's name.
    fn name(self) -> &'static str;

    /// The value with this name, if any.
    ///
    /// ```
    /// use landsift::model::{Choice, Format};
    /// assert_eq!(Format::from_name("gpkg"), Some(Format::Gpkg));
    /// assert_eq!(Format::from_name("xlsx"), None);
    /// ```
    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.name() == name)
    }

    /// Every name, comma-separated, for messages.
    ///
    /// ```
    /// use landsift::model::{Choice, OutputLayer};
    /// assert!(OutputLayer::names().starts_with("parcels, small_circles"));
    /// ```
    fn names() -> String {
        Self::ALL
            .iter()
            .map(|v| v.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}
