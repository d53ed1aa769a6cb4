//! The documents the editor has open, and the file system analysis sees.
//!
//! Open buffers live in a [`MemVfs`] keyed by path; analysis reads through
//! an [`OverlayVfs`] that prefers them to the disk, so an import of an open
//! file sees the unsaved text. URIs are mapped to paths here (and back) and
//! nowhere else: `file:` URIs become their decoded paths, other schemes
//! (`untitled:`) get a made-up path under `<scheme>/`.

use crate::vfs::{DiskVfs, MemVfs, OverlayVfs};
use indexmap::IndexMap;
use lsp_types::Uri;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// One open document.
#[derive(Debug, Clone)]
pub struct Document {
    /// The URI the editor uses.
    pub uri: Uri,
    /// The path analysis uses.
    pub path: PathBuf,
    /// The editor's version number.
    pub version: i32,
    /// The current text.
    pub text: String,
}

/// The open documents.
#[derive(Debug, Default)]
pub struct Documents {
    open: IndexMap<String, Document>,
    overlay: MemVfs,
}

impl Documents {
    /// Opens (or replaces) a document.
    pub fn open(&mut self, uri: Uri, version: i32, text: String) {
        let path = uri_to_path(&uri);
        self.overlay.insert(path.clone(), text.clone().into_bytes());
        self.open.insert(
            uri.as_str().to_string(),
            Document {
                uri,
                path,
                version,
                text,
            },
        );
    }

    /// Replaces the text of an open document; `false` if it is not open.
    pub fn update(&mut self, uri: &Uri, version: i32, edit: impl FnOnce(&mut String)) -> bool {
        let Some(document) = self.open.get_mut(uri.as_str()) else {
            return false;
        };
        edit(&mut document.text);
        document.version = version;
        self.overlay
            .insert(document.path.clone(), document.text.clone().into_bytes());
        true
    }

    /// Closes a document; analysis reads it from the disk again.
    pub fn close(&mut self, uri: &Uri) -> Option<Document> {
        let document = self.open.shift_remove(uri.as_str())?;
        self.overlay.remove(&document.path);
        Some(document)
    }

    /// An open document.
    pub fn get(&self, uri: &Uri) -> Option<&Document> {
        self.open.get(uri.as_str())
    }

    /// An open document by the text of its URI.
    pub fn get_by_key(&self, uri: &str) -> Option<&Document> {
        self.open.get(uri)
    }

    /// All open documents, in the order they were opened.
    pub fn iter(&self) -> impl Iterator<Item = &Document> {
        self.open.values()
    }

    /// Open buffers over the disk.
    pub fn vfs(&self) -> OverlayVfs<'_> {
        OverlayVfs {
            overlay: &self.overlay,
            base: &DiskVfs,
        }
    }

    /// The URI of a path: the editor's own URI for an open document, a
    /// `file:` URI otherwise. `None` for paths with no URI (the stdlib).
    pub fn uri_of(&self, path: &Path) -> Option<Uri> {
        if let Some(document) = self.open.values().find(|d| d.path == path) {
            return Some(document.uri.clone());
        }
        path_to_uri(path)
    }
}

/// The path of a URI.
pub fn uri_to_path(uri: &Uri) -> PathBuf {
    let text = uri.as_str();
    match text.strip_prefix("file://") {
        Some(rest) => {
            // Skip the authority (`localhost` or empty).
            let path = rest
                .find('/')
                .and_then(|slash| rest.get(slash..))
                .unwrap_or("/");
            let decoded = percent_decode(path);
            // `/C:/dir` is a Windows drive path.
            let bytes = decoded.as_bytes();
            if cfg!(windows)
                && bytes.len() > 2
                && bytes.get(2) == Some(&b':')
                && bytes.get(1).is_some_and(u8::is_ascii_alphabetic)
            {
                return PathBuf::from(decoded.get(1..).unwrap_or(""));
            }
            PathBuf::from(decoded)
        }
        None => {
            let (scheme, rest) = text.split_once(':').unwrap_or(("unknown", text));
            let name: String = rest
                .chars()
                .map(|c| if c == '/' || c == '\\' { '_' } else { c })
                .collect();
            PathBuf::from(format!("<{scheme}>")).join(percent_decode(&name))
        }
    }
}

/// A `file:` URI for an absolute path, `None` for others.
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    if !path.is_absolute() {
        return None;
    }
    let text = path.to_string_lossy().replace('\\', "/");
    let mut uri = String::from("file://");
    if !text.starts_with('/') {
        uri.push('/');
    }
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric()
            || b"/-._~".contains(&byte)
            || (byte == b':' && cfg!(windows))
        {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    Uri::from_str(&uri).ok()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        let hex = bytes
            .get(index + 1..index + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (byte, hex) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                index += 3;
            }
            _ => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn file_uris_round_trip() {
        let uri = Uri::from_str("file:///tmp/my%20dir/a.ecs").unwrap();
        let path = uri_to_path(&uri);
        assert_eq!(path, PathBuf::from("/tmp/my dir/a.ecs"));
        assert_eq!(path_to_uri(&path).unwrap().as_str(), uri.as_str());
    }

    #[test]
    fn untitled_documents_get_a_path() {
        let uri = Uri::from_str("untitled:Untitled-1").unwrap();
        assert_eq!(uri_to_path(&uri), PathBuf::from("<untitled>/Untitled-1"));
    }
}
