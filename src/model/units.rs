//! Units of area and length: m² inside the engine; mu (exactly 2000/3 m²), ha and km² in
//! what a bureau reads; checked lengths and areas for the options that take them.

/// Square metres in one mu (亩): exactly 2000/3.
pub const M2_PER_MU: f64 = 2000.0 / 3.0;
/// Square metres in one hectare (公顷).
pub const M2_PER_HA: f64 = 10_000.0;
/// Square metres in one square kilometre.
pub const M2_PER_KM2: f64 = 1_000_000.0;

/// Converts m² to mu.
pub fn m2_to_mu(m2: f64) -> f64 {
    m2 * 3.0 / 2000.0
}

/// Areas in every unit a bureau reports.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Areas {
    pub m2: f64,
    pub mu: f64,
    pub ha: f64,
    pub km2: f64,
}

impl Areas {
    pub fn from_m2(m2: f64) -> Self {
        Areas {
            m2,
            mu: m2_to_mu(m2),
            ha: m2 / M2_PER_HA,
            km2: m2 / M2_PER_KM2,
        }
    }
}

/// The valid values of one numeric option, checked where the value enters (command line
/// or configuration file alike), so that code further in never clamps again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// The option's name as a user writes it (`gap`, `max_unit_mu`).
    pub name: &'static str,
    pub min: f64,
    pub max: f64,
    /// The unit, as printed after the bounds (`m`, `mu`).
    pub unit: &'static str,
}

impl Range {
    /// `value` when it is a finite number within the bounds, else a message that names
    /// the option, the value and the valid range.
    ///
    /// ```
    /// use landsift::model::Range;
    /// let gap = Range { name: "gap", min: 0.0, max: 200.0, unit: "m" };
    /// assert_eq!(gap.check(30.0), Ok(30.0));
    /// assert_eq!(
    ///     gap.check(-5.0).unwrap_err(),
    ///     "gap = -5 is out of range: 0 to 200 m"
    /// );
    /// assert!(gap.check(f64::NAN).is_err());
    /// ```
    pub fn check(&self, value: f64) -> Result<f64, String> {
        if value.is_finite() && (self.min..=self.max).contains(&value) {
            Ok(value)
        } else {
            Err(format!(
                "{} = {value} is out of range: {} to {} {}",
                self.name, self.min, self.max, self.unit
            ))
        }
    }

    /// Parses text as a number and checks it (for command-line values).
    ///
    /// ```
    /// use landsift::model::Range;
    /// let gap = Range { name: "gap", min: 0.0, max: 200.0, unit: "m" };
    /// assert_eq!(gap.parse(" 45 "), Ok(45.0));
    /// assert!(gap.parse("inf").is_err());
    /// assert!(gap.parse("thirty").is_err());
    /// ```
    pub fn parse(&self, text: &str) -> Result<f64, String> {
        let value: f64 = text.trim().parse().map_err(|_| {
            format!(
                "{} = '{text}' is not a number: {} to {} {}",
                self.name, self.min, self.max, self.unit
            )
        })?;
        self.check(value)
    }
}

/// A length in metres that is finite and within its option's [`Range`]: a gap tolerance.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, serde::Serialize)]
#[serde(transparent)]
pub struct Metres(f64);

impl Metres {
    /// A length: finite and ≥ 0 (an option's own [`Range`] is checked by [`Metres::within`]).
    ///
    /// ```
    /// use landsift::model::Metres;
    /// assert_eq!(Metres::new(12.5).unwrap().get(), 12.5);
    /// assert!(Metres::new(-1.0).is_err());
    /// assert!(Metres::new(f64::NAN).is_err());
    /// ```
    pub fn new(value: f64) -> Result<Self, String> {
        if value.is_finite() && value >= 0.0 {
            Ok(Metres(value))
        } else {
            Err(format!("{value} is not a length in metres (finite, ≥ 0)"))
        }
    }

    /// Checks `value` against `range`.
    ///
    /// ```
    /// use landsift::model::{Metres, Range};
    /// let gap = Range { name: "gap", min: 0.0, max: 200.0, unit: "m" };
    /// assert_eq!(Metres::within(30.0, &gap).unwrap().get(), 30.0);
    /// assert!(Metres::within(f64::INFINITY, &gap).is_err());
    /// ```
    pub fn within(value: f64, range: &Range) -> Result<Self, String> {
        range.check(value).map(Metres)
    }

    /// Parses and checks command-line text.
    pub fn parse(text: &str, range: &Range) -> Result<Self, String> {
        range.parse(text).map(Metres)
    }

    /// A default known to be in range (a constant of the code, never input).
    pub(crate) const fn default_of(value: f64) -> Self {
        Metres(value)
    }

    pub fn get(self) -> f64 {
        self.0
    }

    /// The larger of two lengths.
    pub fn max(self, other: Metres) -> Metres {
        if other.0 > self.0 {
            other
        } else {
            self
        }
    }
}

/// An area in mu that is finite and within its option's [`Range`]: a zone size.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, serde::Serialize)]
#[serde(transparent)]
pub struct Mu(f64);

impl Mu {
    /// Checks `value` against `range`.
    ///
    /// ```
    /// use landsift::model::{Mu, Range};
    /// let max = Range { name: "max_unit_mu", min: 1.0, max: 1500.0, unit: "mu" };
    /// assert_eq!(Mu::within(300.0, &max).unwrap().m2(), 200_000.0);
    /// assert!(Mu::within(0.0, &max).is_err());
    /// ```
    pub fn within(value: f64, range: &Range) -> Result<Self, String> {
        range.check(value).map(Mu)
    }

    /// Parses and checks command-line text.
    pub fn parse(text: &str, range: &Range) -> Result<Self, String> {
        range.parse(text).map(Mu)
    }

    /// A default known to be in range (a constant of the code, never input).
    pub(crate) const fn default_of(value: f64) -> Self {
        Mu(value)
    }

    pub fn get(self) -> f64 {
        self.0
    }

    /// The same area in m².
    pub fn m2(self) -> f64 {
        self.0 * M2_PER_MU
    }
}
