//! Attachments: what kinds of file AutoCRM keeps, how a file's kind is told from its first
//! bytes (never from what the sender claims), and what a file name may be.
//!
//! The kinds are those a dealership files: contracts and scans (PDF), photos (JPEG, PNG, WebP,
//! HEIC from phones) and call recordings (MP3, M4A, AMR). Anything else, an `.exe` above all,
//! is refused whatever its `Content-Type` says.

use std::fmt;

crate::text_enum! {
    /// A kind of file AutoCRM accepts, told from its content.
    pub enum FileKind {
        Pdf = "pdf",
        Jpeg = "jpeg",
        Png = "png",
        Webp = "webp",
        Heic = "heic",
        Mp3 = "mp3",
        M4a = "m4a",
        Amr = "amr",
    }
}

/// How many leading bytes [`sniff`] needs to decide (it decides on fewer when the file is
/// shorter).
pub const SNIFF_BYTES: usize = 64;

impl FileKind {
    /// The media type the file is served with.
    pub const fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Webp => "image/webp",
            FileKind::Heic => "image/heic",
            FileKind::Mp3 => "audio/mpeg",
            FileKind::M4a => "audio/mp4",
            FileKind::Amr => "audio/amr",
        }
    }

    /// Other names senders use for the same media type.
    const fn mime_aliases(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["application/x-pdf"],
            FileKind::Jpeg => &["image/jpg", "image/pjpeg"],
            FileKind::Png => &["image/x-png"],
            FileKind::Webp => &[],
            FileKind::Heic => &["image/heif", "image/heic-sequence", "image/heif-sequence"],
            FileKind::Mp3 => &["audio/mp3", "audio/x-mp3", "audio/mpeg3", "audio/x-mpeg"],
            FileKind::M4a => &["audio/m4a", "audio/x-m4a", "audio/aac", "audio/x-aac"],
            FileKind::Amr => &["audio/amr-wb", "audio/x-amr"],
        }
    }

    /// The file-name extensions of this kind, lower case; the first is the usual one.
    pub const fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Jpeg => &["jpg", "jpeg", "jpe", "jfif"],
            FileKind::Png => &["png"],
            FileKind::Webp => &["webp"],
            FileKind::Heic => &["heic", "heif", "hif"],
            FileKind::Mp3 => &["mp3"],
            FileKind::M4a => &["m4a", "mp4", "aac"],
            FileKind::Amr => &["amr", "awb"],
        }
    }

    /// The kind a media type names (its parameters and case ignored), if any.
    pub fn from_mime(media_type: &str) -> Option<FileKind> {
        let essence = media_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        FileKind::ALL
            .iter()
            .copied()
            .find(|k| k.mime() == essence || k.mime_aliases().contains(&essence.as_str()))
    }

    /// A kind by its name (`png`) or its media type (`image/png`), as settings list them.
    pub fn from_setting(text: &str) -> Option<FileKind> {
        let text = text.trim();
        text.to_ascii_lowercase()
            .parse()
            .ok()
            .or_else(|| FileKind::from_mime(text))
    }
}

/// A media type that claims nothing about the content: the server decides.
pub fn is_generic_media_type(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    essence.is_empty()
        || essence.eq_ignore_ascii_case("application/octet-stream")
        || essence.eq_ignore_ascii_case("binary/octet-stream")
}

/// The kind of a file from its first bytes ([`SNIFF_BYTES`] of them, or the whole file if
/// shorter); `None` for anything that is not one of the accepted kinds.
pub fn sniff(head: &[u8]) -> Option<FileKind> {
    if head.starts_with(b"%PDF-") {
        return Some(FileKind::Pdf);
    }
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(FileKind::Jpeg);
    }
    if head.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Some(FileKind::Png);
    }
    if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
        return Some(FileKind::Webp);
    }
    if head.starts_with(b"#!AMR") {
        return Some(FileKind::Amr);
    }
    if let Some(kind) = iso_media(head) {
        return Some(kind);
    }
    if head.starts_with(b"ID3") || mpeg_audio_frame(head) {
        return Some(FileKind::Mp3);
    }
    None
}

/// ISO base media files (HEIC photos, M4A recordings) by the brands of their `ftyp` box.
fn iso_media(head: &[u8]) -> Option<FileKind> {
    if head.len() < 12 || &head[4..8] != b"ftyp" {
        return None;
    }
    let size = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
    // Major brand at 8, minor version at 12, compatible brands from 16 to the box's end.
    let end = size.clamp(12, head.len());
    let mut brands = vec![&head[8..12]];
    let mut at = 16;
    while at + 4 <= end {
        brands.push(&head[at..at + 4]);
        at += 4;
    }
    const HEVC_IMAGES: [&[u8; 4]; 8] = [
        b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs",
    ];
    // Phone recorders write audio-only MPEG-4 under the generic brands too.
    const AUDIO: [&[u8; 4]; 7] = [
        b"M4A ", b"M4B ", b"M4P ", b"isom", b"iso2", b"mp41", b"mp42",
    ];
    let has = |set: &[&[u8; 4]]| brands.iter().any(|b| set.iter().any(|s| &s[..] == *b));
    if has(&HEVC_IMAGES) {
        Some(FileKind::Heic)
    } else if has(&[b"avif", b"avis", b"qt  "]) {
        None
    } else if has(&AUDIO) {
        Some(FileKind::M4a)
    } else {
        None
    }
}

/// An MPEG-1/2 Layer III frame header (an MP3 without an ID3 tag).
fn mpeg_audio_frame(head: &[u8]) -> bool {
    let [a, b, c, ..] = head else { return false };
    let sync = *a == 0xFF && b & 0xE0 == 0xE0;
    let version_ok = (b >> 3) & 0x03 != 0x01;
    let layer_three = (b >> 1) & 0x03 == 0x01;
    let bitrate_ok = c >> 4 != 0x0F && c >> 4 != 0x00;
    let rate_ok = (c >> 2) & 0x03 != 0x03;
    sync && version_ok && layer_three && bitrate_ok && rate_ok
}

/// Why a file name is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileNameError {
    Empty,
    TooLong {
        max: usize,
    },
    /// Control characters, or a path (`/`, `\`).
    InvalidCharacters,
    /// The extension says another kind than the content (`photo.exe` holding a PNG).
    ExtensionMismatch {
        extension: String,
        kind: FileKind,
    },
}

impl fmt::Display for FileNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileNameError::Empty => f.write_str("the file name is empty"),
            FileNameError::TooLong { max } => {
                write!(f, "the file name must be at most {max} characters")
            }
            FileNameError::InvalidCharacters => {
                f.write_str("the file name must not contain control characters or a path")
            }
            FileNameError::ExtensionMismatch { extension, kind } => write!(
                f,
                "the extension .{extension} does not fit the content, which is {} ({})",
                kind.as_str(),
                kind.mime()
            ),
        }
    }
}

/// A file's name as the sender gave it: one name (no path), printable, at most
/// [`FileName::MAX_CHARS`] characters. It may be personal (`张伟-身份证.jpg`): it is stored
/// encrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName(String);

impl FileName {
    pub const MAX_CHARS: usize = 255;

    pub fn parse(name: &str) -> Result<FileName, FileNameError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(FileNameError::Empty);
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(FileNameError::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        if name
            .chars()
            .any(|c| c.is_control() || c == '/' || c == '\\')
            || name == ".."
        {
            return Err(FileNameError::InvalidCharacters);
        }
        Ok(FileName(name.to_owned()))
    }

    /// The name for a file sent without one: `attachment.pdf`.
    pub fn default_for(kind: FileKind) -> FileName {
        FileName(format!("attachment.{}", kind.extensions()[0]))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The extension, lower case: up to 5 letters or digits after the last dot.
    pub fn extension(&self) -> Option<String> {
        let (stem, ext) = self.0.rsplit_once('.')?;
        let ok = !stem.is_empty()
            && (1..=5).contains(&ext.len())
            && ext.bytes().all(|b| b.is_ascii_alphanumeric());
        ok.then(|| ext.to_ascii_lowercase())
    }

    /// A name with an extension must name the kind the content is.
    pub fn check_fits(&self, kind: FileKind) -> Result<(), FileNameError> {
        match self.extension() {
            Some(ext) if !kind.extensions().contains(&ext.as_str()) => {
                Err(FileNameError::ExtensionMismatch {
                    extension: ext,
                    kind,
                })
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compatible.len();
        let mut out = (size as u32).to_be_bytes().to_vec();
        out.extend_from_slice(b"ftyp");
        out.extend_from_slice(major);
        out.extend_from_slice(&[0, 0, 0, 0]);
        for b in compatible {
            out.extend_from_slice(&b[..]);
        }
        out.extend_from_slice(&[0, 0, 0, 8, b'f', b'r', b'e', b'e']);
        out
    }

    #[test]
    fn each_accepted_kind_is_told_from_its_bytes() {
        let cases: Vec<(Vec<u8>, FileKind)> = vec![
            (b"%PDF-1.7\n%\xe2\xe3".to_vec(), FileKind::Pdf),
            (
                vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F'],
                FileKind::Jpeg,
            ),
            (
                vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0],
                FileKind::Png,
            ),
            (b"RIFF\x24\0\0\0WEBPVP8 ".to_vec(), FileKind::Webp),
            (iso(b"heic", &[b"mif1", b"heic"]), FileKind::Heic),
            (iso(b"mif1", &[b"mif1", b"heic"]), FileKind::Heic),
            (iso(b"M4A ", &[b"M4A ", b"mp42", b"isom"]), FileKind::M4a),
            (iso(b"mp42", &[b"isom"]), FileKind::M4a),
            (b"ID3\x04\0\0\0\0\0\0".to_vec(), FileKind::Mp3),
            (vec![0xFF, 0xFB, 0x90, 0x64, 0, 0], FileKind::Mp3),
            (b"#!AMR\n\x3c".to_vec(), FileKind::Amr),
            (b"#!AMR-WB\n".to_vec(), FileKind::Amr),
        ];
        for (bytes, kind) in cases {
            assert_eq!(sniff(&bytes), Some(kind), "{bytes:x?}");
        }
    }

    #[test]
    fn anything_else_is_refused_whatever_it_is_called() {
        let cases: Vec<Vec<u8>> = vec![
            b"MZ\x90\0\x03\0\0\0\x04\0".to_vec(), // Windows .exe
            b"\x7fELF\x02\x01\x01\0".to_vec(),    // Linux binary
            b"PK\x03\x04\x14\0".to_vec(),         // zip, docx, apk
            b"<!DOCTYPE html><script>".to_vec(),  // HTML
            b"<svg xmlns=\"http://www.w3.org/2000/svg\">".to_vec(),
            b"GIF89a\x01\0".to_vec(),
            iso(b"avif", &[b"avif", b"mif1"]),
            iso(b"qt  ", &[b"qt  "]),
            vec![0xFF, 0xD8],             // too short to be a JPEG
            vec![0xFF, 0xF1, 0x50, 0x80], // AAC ADTS, not layer III
            vec![],
        ];
        for bytes in cases {
            assert_eq!(sniff(&bytes), None, "{bytes:x?}");
        }
    }

    #[test]
    fn media_types_and_settings_name_kinds() {
        assert_eq!(FileKind::from_mime("image/PNG"), Some(FileKind::Png));
        assert_eq!(FileKind::from_mime("image/jpg"), Some(FileKind::Jpeg));
        assert_eq!(
            FileKind::from_mime("audio/x-m4a; codecs=mp4a"),
            Some(FileKind::M4a)
        );
        assert_eq!(FileKind::from_mime("application/x-msdownload"), None);
        assert_eq!(FileKind::from_setting(" heic "), Some(FileKind::Heic));
        assert_eq!(FileKind::from_setting("audio/mpeg"), Some(FileKind::Mp3));
        assert_eq!(FileKind::from_setting("exe"), None);
        assert!(is_generic_media_type("application/octet-stream"));
        assert!(is_generic_media_type(""));
        assert!(!is_generic_media_type("image/png"));
        for kind in FileKind::ALL {
            assert_eq!(FileKind::from_mime(kind.mime()), Some(*kind));
        }
    }

    #[test]
    fn file_names_are_one_printable_name_whose_extension_fits() {
        let name = FileName::parse("  张伟-身份证正面.JPG ").unwrap();
        assert_eq!(name.as_str(), "张伟-身份证正面.JPG");
        assert_eq!(name.extension().as_deref(), Some("jpg"));
        assert!(name.check_fits(FileKind::Jpeg).is_ok());
        assert!(matches!(
            name.check_fits(FileKind::Png),
            Err(FileNameError::ExtensionMismatch { .. })
        ));
        let exe = FileName::parse("invoice.exe").unwrap();
        assert!(exe.check_fits(FileKind::Png).is_err());
        assert!(
            FileName::parse("合同")
                .unwrap()
                .check_fits(FileKind::Pdf)
                .is_ok()
        );
        assert_eq!(FileName::parse(".bashrc").unwrap().extension(), None);
        assert_eq!(FileName::parse(""), Err(FileNameError::Empty));
        assert_eq!(
            FileName::parse("../etc/passwd"),
            Err(FileNameError::InvalidCharacters)
        );
        assert_eq!(
            FileName::parse("a\u{0}b"),
            Err(FileNameError::InvalidCharacters)
        );
        assert!(FileName::parse(&"长".repeat(256)).is_err());
        assert_eq!(
            FileName::default_for(FileKind::M4a).as_str(),
            "attachment.m4a"
        );
    }
}
