//! The file system as the pipeline sees it.
//!
//! The core never touches the disk directly: it reads through a [`Vfs`].
//! The CLI and watch mode use [`DiskVfs`]; the LSP overlays open buffers on
//! top of the disk; tests use [`MemVfs`].

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

/// Read access to source files.
pub trait Vfs {
    /// The bytes of a file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct DiskVfs;

impl Vfs for DiskVfs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }
}

/// Files held in memory (tests, LSP buffers).
#[derive(Debug, Clone, Default)]
pub struct MemVfs {
    files: HashMap<PathBuf, Vec<u8>>,
}

impl MemVfs {
    /// An empty file system.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a file.
    pub fn insert(&mut self, path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), contents.into());
    }

    /// Removes a file.
    pub fn remove(&mut self, path: &Path) {
        self.files.remove(path);
    }
}

impl Vfs for MemVfs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }
}

/// Open buffers first, then another file system.
pub struct OverlayVfs<'a> {
    /// The buffers.
    pub overlay: &'a MemVfs,
    /// What is not in a buffer.
    pub base: &'a dyn Vfs,
}

impl Vfs for OverlayVfs<'_> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.overlay.read(path).or_else(|_| self.base.read(path))
    }
}
