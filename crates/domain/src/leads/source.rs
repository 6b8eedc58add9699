//! Where a lead came from: a channel name an organisation chooses (`autohome`, `dongchedi`,
//! `walk_in`, `web_form`), so that routing rules, SLA rules and source quality can name it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest channel name.
pub const SOURCE_CHANNEL_MAX: usize = 64;

/// A lead's source channel: 1 to 64 of `a-z 0-9 _ - .`, lower-cased on parse so that
/// `Autohome` and `autohome` are one channel.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SourceChannel(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a source channel is 1 to {SOURCE_CHANNEL_MAX} characters of a-z, 0-9, '_', '-' and '.'")]
pub struct InvalidSourceChannel;

impl SourceChannel {
    pub fn parse(input: &str) -> Result<Self, InvalidSourceChannel> {
        let name = input.trim().to_ascii_lowercase();
        if is_slug(&name, SOURCE_CHANNEL_MAX) {
            Ok(SourceChannel(name))
        } else {
            Err(InvalidSourceChannel)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 1 to `max` bytes of `a-z 0-9 _ - .`: safe in keys, URLs and settings.
pub(crate) fn is_slug(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-.".contains(&b))
}

impl TryFrom<String> for SourceChannel {
    type Error = InvalidSourceChannel;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        SourceChannel::parse(&value)
    }
}

impl From<SourceChannel> for String {
    fn from(value: SourceChannel) -> Self {
        value.0
    }
}

impl fmt::Display for SourceChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_normalise_and_reject_garbage() {
        assert_eq!(
            SourceChannel::parse(" Autohome ").unwrap().as_str(),
            "autohome"
        );
        assert_eq!(
            SourceChannel::parse("web_form-2.cn").unwrap().as_str(),
            "web_form-2.cn"
        );
        for bad in ["", " ", "汽车之家", "a b", "a/b", &"x".repeat(65)] {
            assert_eq!(
                SourceChannel::parse(bad),
                Err(InvalidSourceChannel),
                "{bad}"
            );
        }
        let json: SourceChannel = serde_json::from_str("\"Dongchedi\"").unwrap();
        assert_eq!(json.to_string(), "dongchedi");
        assert!(serde_json::from_str::<SourceChannel>("\"\"").is_err());
    }
}
