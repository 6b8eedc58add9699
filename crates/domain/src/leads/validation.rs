//! Field-by-field validation problems, for settings and for inputs such as quotes: the API turns
//! them into a 422 problem with one entry per field, so every problem is reported at once.

use serde::Serialize;

crate::text_enum! {
    /// Stable machine codes; clients branch on these, so never rename one.
    pub enum IssueCode {
        /// A field that must be given, or a list that must not be empty.
        Required = "required",
        /// A number outside its range, or inconsistent with another field.
        OutOfRange = "out_of_range",
        /// A value that appears twice where each must be unique.
        Duplicate = "duplicate",
        /// A list that must be in ascending order.
        NotSorted = "not_sorted",
        /// A value of the right type that the rule does not allow.
        NotAllowed = "not_allowed",
        /// Text longer than allowed.
        TooLong = "too_long",
    }
}

/// One rejected field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldIssue {
    /// The snake_case path of the field, with indexes and keys (`rules[2].team`).
    pub field: String,
    pub code: IssueCode,
    /// English explanation for humans.
    pub message: String,
}

/// Every problem found in one input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", summary(.issues))]
pub struct Invalid {
    pub issues: Vec<FieldIssue>,
}

impl Invalid {
    pub(crate) fn one(field: &str, code: IssueCode, message: impl Into<String>) -> Invalid {
        Invalid {
            issues: vec![FieldIssue {
                field: field.to_owned(),
                code,
                message: message.into(),
            }],
        }
    }
}

fn summary(issues: &[FieldIssue]) -> String {
    issues
        .iter()
        .map(|i| format!("{}: {}", i.field, i.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Collects issues while a validator walks its input.
#[derive(Debug, Default)]
pub(crate) struct Issues(Vec<FieldIssue>);

impl Issues {
    pub fn push(&mut self, field: impl Into<String>, code: IssueCode, message: impl Into<String>) {
        self.0.push(FieldIssue {
            field: field.into(),
            code,
            message: message.into(),
        });
    }

    /// Pushes an `out_of_range` issue unless `low <= value <= high`.
    pub fn range<T: PartialOrd + std::fmt::Display>(
        &mut self,
        field: &str,
        value: T,
        low: T,
        high: T,
    ) {
        if value < low || value > high {
            self.push(
                field,
                IssueCode::OutOfRange,
                format!("must be between {low} and {high}"),
            );
        }
    }

    /// Adds the issues of a nested validator under `prefix` (`rules[2]` + `.team`).
    pub fn nest(&mut self, prefix: &str, result: Result<(), Invalid>) {
        if let Err(invalid) = result {
            for mut issue in invalid.issues {
                let dot = if issue.field.starts_with('[') {
                    ""
                } else {
                    "."
                };
                issue.field = format!("{prefix}{dot}{}", issue.field);
                self.0.push(issue);
            }
        }
    }

    pub fn finish(self) -> Result<(), Invalid> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Invalid { issues: self.0 })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_issues_carry_their_path() {
        let mut inner = Issues::default();
        inner.range("minutes", 0, 1, 10);
        let mut outer = Issues::default();
        outer.nest("rules[1]", inner.finish());
        let invalid = outer.finish().unwrap_err();
        assert_eq!(invalid.issues[0].field, "rules[1].minutes");
        assert_eq!(invalid.issues[0].code, IssueCode::OutOfRange);
        assert_eq!(
            invalid.to_string(),
            "invalid input: rules[1].minutes: must be between 1 and 10"
        );
        assert!(Issues::default().finish().is_ok());
    }
}
