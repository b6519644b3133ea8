//! What this device may do: the role the hub gave it at enrolment (a
//! farmer's phone, an agent's device, an expert's), kept in `meta`, and
//! the check every action and request makes against the protocol's role
//! rules before anything is queued or sent.

use crate::Core;
use crate::error::{Error, Result};
use crate::meta::get_meta;
use farmlive_protocol::api::Role;
use farmlive_protocol::roles::{self, Capability};

/// Where the role is kept in `meta` (written at enrolment).
pub(crate) const ROLE_KEY: &str = "device_role";

/// The role the hub gave this device when it enrolled (`None` before).
pub(crate) fn stored_role(conn: &rusqlite::Connection) -> Result<Option<Role>> {
    Ok(get_meta(conn, ROLE_KEY)?.as_deref().and_then(Role::parse))
}

/// Refuses what a device of `role` may not do (see
/// [`farmlive_protocol::roles`]), as the hub would, in the same words.
pub(crate) fn require(role: Option<Role>, capability: Capability) -> Result<()> {
    match role {
        Some(role) => roles::check(role, capability).map_err(Error::Rule),
        // Not enrolled: nothing of the hub's to protect yet.
        None => Ok(()),
    }
}

impl Core {
    /// What this device may do, from its enrolment (`None` before it
    /// enrolled): a farmer's phone, an agent's device, or an expert's.
    pub fn role(&self) -> Result<Option<Role>> {
        stored_role(&self.store.reader())
    }

    /// Refuses, before anything is queued or sent, what this device's
    /// role may not do.
    pub(crate) fn require(&self, capability: Capability) -> Result<()> {
        require(self.role()?, capability)
    }
}
