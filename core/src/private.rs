//! The device's files are private to the app's user: the data folder and
//! the photo folders 0700, the database (which holds the device token), its
//! -wal and -shm, and the photos 0600. Folders and files left more open by
//! older versions are restricted when the core opens.

use crate::error::{Error, Result};
use std::path::Path;

/// Creates `dir` and missing parents as 0700 folders, and restricts `dir`
/// itself to 0700 if it already existed.
pub(crate) fn private_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| Error::io("create the data directory", e))?;
    restrict(dir)
}

/// Sets a folder to 0700 or a file to 0600; a missing path is fine.
pub(crate) fn restrict(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => 0o700,
            Ok(_) => 0o600,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::io("inspect a data file", e)),
        };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| Error::io("make a data file private", e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Options that create a file as 0600.
pub(crate) fn private_file() -> std::fs::OpenOptions {
    let mut opts = std::fs::OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts
}

/// Before SQLite opens `db`: creates it 0600 if missing (SQLite gives the
/// -wal and -shm files the database's mode) and restricts all three.
pub(crate) fn prepare_db_file(db: &Path) -> Result<()> {
    private_file()
        .append(true)
        .create(true)
        .open(db)
        .map_err(|e| Error::io("create the database", e))?;
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        restrict(Path::new(&p))?;
    }
    Ok(())
}
