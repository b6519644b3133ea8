//! Which database a hub runs on: a SQLite file (the default) or a
//! PostgreSQL server, as `--db` names it.

use std::path::{Path, PathBuf};

/// Where a hub keeps what is not in its database: photos, live media (HLS
/// and recordings) and the key that hashes enrolment codes.
///
/// A hub on a SQLite file keeps them beside the file (`<db>.blobs/`,
/// `<db>.live/`, `<db>.secret`) unless told otherwise. A hub on PostgreSQL
/// must be told (`--hub-data`): its processes share the database, and they
/// must share these too, so guessing a folder from the working directory
/// would let two processes disagree silently (a code minted by one would be
/// refused by the other).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HubFiles {
    /// The folder for photos (`blobs/`), live media (`live/`) and, unless
    /// `secret_file` is given, the code key (`hub.secret`).
    pub data_dir: Option<PathBuf>,
    /// The code key's file, when not in the data folder: e.g. one copied
    /// to each machine of a hub whose photos are in shared object storage.
    pub secret_file: Option<PathBuf>,
    /// Photos (and their uploads in progress) in S3 rather than in the
    /// data folder (`--objects s3://BUCKET[/PREFIX]`): then the hub's
    /// processes need share no folder, only PostgreSQL and the bucket.
    pub objects: Option<crate::store::objects::S3Location>,
}

/// Why a hub on PostgreSQL cannot open without a data folder.
pub const DATA_DIR_NEEDED: &str = "a hub on PostgreSQL keeps photos, live media and its code key \
     outside the database: name the folder every process of this hub shares with --hub-data DIR";

impl HubFiles {
    /// Files in `dir`.
    pub fn in_dir(dir: impl Into<PathBuf>) -> HubFiles {
        HubFiles {
            data_dir: Some(dir.into()),
            secret_file: None,
            objects: None,
        }
    }

    /// Checks these fit a hub on `target`: a SQLite hub keeps its files
    /// beside its database and takes neither folder nor key file (refused
    /// rather than ignored, so nobody believes photos went elsewhere).
    pub fn check_for(&self, target: &DbTarget) -> crate::error::Result<()> {
        if matches!(target, DbTarget::Sqlite(_)) && self.objects.is_some() {
            return Err(crate::error::HubError::Setup(
                "a hub on a SQLite file is one process and keeps its photos beside the file; \
                 --objects s3://… is for the processes of a hub on PostgreSQL"
                    .into(),
            ));
        }
        if matches!(target, DbTarget::Sqlite(_))
            && (self.data_dir.is_some() || self.secret_file.is_some())
        {
            return Err(crate::error::HubError::Setup(
                "a hub on a SQLite file keeps its photos, live media and code key beside the \
                 file; --hub-data and --secret-file are for a hub on PostgreSQL"
                    .into(),
            ));
        }
        Ok(())
    }

    /// A PostgreSQL hub's data folder and code key file.
    pub fn for_postgres(&self) -> crate::error::Result<(PathBuf, PathBuf)> {
        let dir = self
            .data_dir
            .clone()
            .ok_or_else(|| crate::error::HubError::Setup(DATA_DIR_NEEDED.into()))?;
        let secret = self
            .secret_file
            .clone()
            .unwrap_or_else(|| dir.join("hub.secret"));
        Ok((dir, secret))
    }
}

/// A hub database: a SQLite file, or a PostgreSQL connection URL
/// (`postgres://…` or `postgresql://…`). The URL may hold a password, so
/// [`std::fmt::Debug`] and [`std::fmt::Display`] show it without one.
#[derive(Clone, PartialEq, Eq)]
pub enum DbTarget {
    /// A SQLite file; photos and live media go beside it.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl DbTarget {
    /// The SQLite file, if this is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            DbTarget::Sqlite(path) => Some(path),
            DbTarget::Postgres(_) => None,
        }
    }
}

impl From<&Path> for DbTarget {
    fn from(path: &Path) -> DbTarget {
        DbTarget::Sqlite(path.to_owned())
    }
}

impl From<PathBuf> for DbTarget {
    fn from(path: PathBuf) -> DbTarget {
        DbTarget::Sqlite(path)
    }
}

impl std::str::FromStr for DbTarget {
    type Err = String;

    /// A `postgres://` or `postgresql://` URL, or else a file path. Another
    /// `scheme://` is refused rather than taken for a file name.
    fn from_str(s: &str) -> Result<DbTarget, String> {
        let trimmed = s.trim();
        if trimmed.is_empty() {
            return Err("the database is empty: name a SQLite file or a postgres:// URL".into());
        }
        if let Some((scheme, rest)) = trimmed.split_once("://")
            && ["postgres", "postgresql"].contains(&scheme.to_ascii_lowercase().as_str())
        {
            // The client takes only the lower-case schemes.
            return Ok(DbTarget::Postgres(format!(
                "{}://{rest}",
                scheme.to_ascii_lowercase()
            )));
        }
        if let Some((scheme, _)) = trimmed.split_once("://")
            && !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            return Err(format!(
                "{scheme}:// is not a database the hub runs on: name a SQLite file or a postgres:// URL"
            ));
        }
        Ok(DbTarget::Sqlite(PathBuf::from(s)))
    }
}

/// A URL with its password (`user:password@`) replaced by `***`.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split(':').next().unwrap_or_default();
            let shown = if user_info.contains(':') {
                format!("{user}:***")
            } else {
                user.to_owned()
            };
            // The query may carry `password=…` too: keep only its keys.
            format!("{scheme}://{shown}@{host}{}", redact_query(tail))
        }
        None => format!("{scheme}://{authority}{}", redact_query(tail)),
    }
}

fn redact_query(tail: &str) -> String {
    match tail.split_once('?') {
        Some((path, query)) => {
            let keys: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_owned(),
                })
                .collect();
            format!("{path}?{}", keys.join("&"))
        }
        None => tail.to_owned(),
    }
}

impl std::fmt::Display for DbTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbTarget::Sqlite(path) => write!(f, "{}", path.display()),
            DbTarget::Postgres(url) => f.write_str(&redacted(url)),
        }
    }
}

impl std::fmt::Debug for DbTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbTarget::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            DbTarget::Postgres(url) => f.debug_tuple("Postgres").field(&redacted(url)).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_a_sqlite_file_and_a_postgres_url_is_postgres() {
        let file: DbTarget = "farmlive-hub.db".parse().expect("path");
        assert_eq!(file, DbTarget::Sqlite("farmlive-hub.db".into()));
        assert_eq!(file.sqlite_path(), Some(Path::new("farmlive-hub.db")));
        for url in [
            "postgres://hub@db.example/farmlive",
            "postgresql://hub@db.example/farmlive",
            "POSTGRES://hub@db.example/farmlive",
        ] {
            let target: DbTarget = url.parse().expect("url");
            let DbTarget::Postgres(kept) = &target else {
                panic!("{url}: {target:?}")
            };
            assert!(kept.starts_with("postgres"), "{kept}");
            assert_eq!(target.sqlite_path(), None);
        }
        for bad in ["", "  ", "mysql://hub@db/x", "sqlite://hub.db"] {
            assert!(bad.parse::<DbTarget>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_password_never_shows() {
        let target: DbTarget =
            "postgres://hub:s3cret@db.example:5432/farmlive?sslmode=disable&password=s3cret"
                .parse()
                .expect("url");
        let shown = format!("{target} {target:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("postgres://hub:***@db.example:5432/farmlive"),
            "{shown}"
        );
        assert!(shown.contains("sslmode=disable"), "{shown}");
        let plain: DbTarget = "postgres:///farmlive?host=/tmp/s".parse().expect("url");
        assert_eq!(plain.to_string(), "postgres:///farmlive?host=/tmp/s");
    }
}
