//! The content version: a short hash over every data file, so that a database knows
//! whether it already holds this content.

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{DataError, fail};

/// Bump when the loader writes the same files differently, so that the next start-up
/// reloads content a database already holds.
pub const LOADER_FORMAT: u32 = 2;

/// A short hash over the loader format and every file's name and bytes: any content
/// change changes it.
pub(super) fn content_version(dir: &Path) -> Result<String, DataError> {
    let mut files = Vec::new();
    collect_files(dir, &mut files)?;
    files.sort();
    let mut hasher = Sha256::new();
    hasher.update(LOADER_FORMAT.to_le_bytes());
    for file in &files {
        let bytes = fs::read(file).map_err(|e| fail(file, e.to_string()))?;
        let name = file.strip_prefix(dir).unwrap_or(file).to_string_lossy();
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    let digest = hasher.finalize();
    Ok(digest[..8].iter().map(|b| format!("{b:02x}")).collect())
}

/// Every file below `dir`, in any order.
fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), DataError> {
    let entries = fs::read_dir(dir).map_err(|e| fail(dir, e.to_string()))?;
    for entry in entries {
        let path = entry.map_err(|e| fail(dir, e.to_string()))?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder with the given files, removed on drop.
    struct Folder(PathBuf);

    impl Folder {
        fn with(files: &[(&str, &str)]) -> Self {
            let dir = std::env::temp_dir().join(format!(
                "acupress-version-{}-{}",
                std::process::id(),
                uuid::Uuid::new_v4()
            ));
            let folder = Self(dir);
            for (name, text) in files {
                folder.write(name, text);
            }
            folder
        }

        fn write(&self, name: &str, text: &str) {
            let path = self.0.join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }

        fn version(&self) -> String {
            content_version(&self.0).unwrap()
        }
    }

    impl Drop for Folder {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    const FILES: [(&str, &str); 3] = [
        ("a.csv", "code\nLU1\n"),
        ("points/LU.toml", "[[points]]\ncode = \"LU1\"\n"),
        ("points/EX.toml", "points = []\n"),
    ];

    #[test]
    fn the_version_is_sixteen_hex_digits_and_stable() {
        let folder = Folder::with(&FILES);
        let version = folder.version();
        assert_eq!(version.len(), 16, "{version}");
        assert!(version.bytes().all(|b| b.is_ascii_hexdigit()), "{version}");
        assert_eq!(folder.version(), version, "same files, same version");
    }

    #[test]
    fn the_version_does_not_depend_on_where_the_folder_is() {
        assert_eq!(
            Folder::with(&FILES).version(),
            Folder::with(&FILES).version()
        );
    }

    #[test]
    fn any_content_change_changes_the_version() {
        let folder = Folder::with(&FILES);
        let before = folder.version();
        folder.write("points/LU.toml", "[[points]]\ncode = \"LU2\"\n");
        let edited = folder.version();
        assert_ne!(edited, before, "a changed byte");
        folder.write("points/ST.toml", "points = []\n");
        let added = folder.version();
        assert_ne!(added, edited, "an added file");
        fs::rename(
            folder.0.join("points/ST.toml"),
            folder.0.join("points/SP.toml"),
        )
        .unwrap();
        assert_ne!(folder.version(), added, "a renamed file");
    }

    #[test]
    fn moving_bytes_between_files_changes_the_version() {
        // Without the length prefix both folders would hash `a\0Pb\0xb\0y`.
        let one = Folder::with(&[("a", "P"), ("b", "xb\0y")]).version();
        let two = Folder::with(&[("a", "Pb\0x"), ("b", "y")]).version();
        assert_ne!(one, two);
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_it() {
        let missing = std::env::temp_dir().join("acupress-version-no-such-folder");
        let err = content_version(&missing).unwrap_err();
        assert!(
            err.file.contains("acupress-version-no-such-folder"),
            "{err}"
        );
    }
}
