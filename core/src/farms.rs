//! Farms this device lists for: one for a farmer, several for a field agent.
//! The one writer of the `farms` table.

use crate::Core;
use crate::error::{Error, Result};
use farmlive_protocol::FarmId;
use farmlive_protocol::listing::validate_farm_name;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// A farm known to this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Farm {
    /// Its id.
    pub id: FarmId,
    /// Its name, e.g. "李家果园".
    pub name: String,
}

/// The farm made for a device that lists before it has any.
pub const DEFAULT_FARM_NAME: &str = "My farm";

impl Core {
    /// Adds a farm this device lists for. A name already used returns that farm.
    pub fn add_farm(&self, name: &str) -> Result<Farm> {
        let name = validate_farm_name(name)?;
        self.act(|a| {
            if let Some(farm) = farm_by_name(&a.tx, &name)? {
                return Ok(farm);
            }
            let farm = Farm {
                id: FarmId::new(),
                name,
            };
            a.tx.execute(
                "INSERT INTO farms (id, name, created_at) VALUES (?1, ?2, ?3)",
                params![farm.id.to_string(), farm.name, a.now_ms],
            )?;
            Ok(farm)
        })
    }

    /// The farms this device lists for, by name.
    pub fn farms(&self) -> Result<Vec<Farm>> {
        let conn = self.store.reader();
        let mut stmt = conn.prepare_cached("SELECT id, name FROM farms ORDER BY name")?;
        let farms = stmt
            .query_map([], farm_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(farms)
    }

    /// The farm a new listing goes to: the one named (by name or id), else the
    /// device's only farm, else a new farm called "My farm" on a fresh device.
    pub fn resolve_farm(&self, name_or_id: Option<&str>) -> Result<Farm> {
        let farms = self.farms()?;
        match name_or_id.map(str::trim) {
            Some(key) => farms
                .into_iter()
                .find(|f| f.name == key || f.id.to_string() == key)
                .ok_or_else(|| Error::not_found("farm", key)),
            None => {
                let count = farms.len();
                match (farms.into_iter().next(), count) {
                    (None, _) => self.add_farm(DEFAULT_FARM_NAME),
                    (Some(farm), 1) => Ok(farm),
                    _ => Err(Error::InvalidArgument(format!(
                        "this device lists for {count} farms; say which one"
                    ))),
                }
            }
        }
    }
}

fn farm_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Farm> {
    Ok(Farm {
        id: crate::columns::parse_col(row, 0)?,
        name: row.get(1)?,
    })
}

fn farm_by_name(conn: &Connection, name: &str) -> Result<Option<Farm>> {
    Ok(conn
        .query_row(
            "SELECT id, name FROM farms WHERE name = ?1",
            [name],
            farm_from_row,
        )
        .optional()?)
}

/// Makes sure a farm is known, under `name` if it is new (a known farm
/// keeps its name).
pub(crate) fn ensure_known(conn: &Connection, id: FarmId, name: &str, now: i64) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO farms (id, name, created_at) VALUES (?1, ?2, ?3)")?
        .execute(params![id.to_string(), name, now])?;
    Ok(())
}

/// Stores a farm as the hub names it (a known one takes the hub's name).
pub(crate) fn adopt(conn: &Connection, id: FarmId, name: &str, now: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO farms (id, name, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET name = ?2",
        params![id.to_string(), name, now],
    )?;
    Ok(())
}

/// Forgets a farm (its listings must have moved to another first).
pub(crate) fn delete(conn: &Connection, id: FarmId) -> Result<()> {
    conn.execute("DELETE FROM farms WHERE id = ?1", [id.to_string()])?;
    Ok(())
}
