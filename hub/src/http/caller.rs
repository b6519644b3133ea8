//! Who is calling, and whether their role allows what they ask.

use crate::error::{HubError, Result};
use crate::store::interface::Principal;
use crate::store::interface::photo_farms;
use farmlive_protocol::api::Role;
use farmlive_protocol::roles::{self, Capability};
use farmlive_protocol::{BuyerId, DeviceId, FarmId};
use std::collections::BTreeSet;

/// An enrolled device, any role: its id, role and farms.
pub(super) fn any_device(p: Principal) -> Result<(String, Role, BTreeSet<FarmId>)> {
    match p {
        Principal::Device {
            id, role, farms, ..
        } => Ok((id.to_string(), role, farms)),
        Principal::Buyer(_) => Err(HubError::Forbidden("only enrolled devices may do this")),
    }
}

/// An enrolled device whose role allows `needs` (see
/// [`farmlive_protocol::roles`]): its id and farms.
pub(super) fn device(p: Principal, needs: Capability) -> Result<(String, BTreeSet<FarmId>)> {
    let (id, role, farms) = any_device(p)?;
    if !roles::allows(role, needs) {
        return Err(HubError::Forbidden(needs.refusal()));
    }
    Ok((id, farms))
}

/// A device that uploads photos: one that lists produce, for its farms,
/// or an expert's (for its answers), for the experts' pseudo-farm (see
/// `store/rules/questions.rs`). Its id and the farms charged.
pub(super) fn uploader(p: Principal) -> Result<(String, BTreeSet<FarmId>)> {
    let (id, role, farms) = any_device(p)?;
    let may = roles::allows(role, Capability::UploadPhotos)
        || roles::allows(role, Capability::AnswerQuestions);
    if !may {
        return Err(HubError::Forbidden(Capability::UploadPhotos.refusal()));
    }
    Ok((id, photo_farms(role, farms)))
}

/// A signed-up buyer.
pub(super) fn buyer(p: Principal) -> Result<BuyerId> {
    match p {
        Principal::Buyer(b) => Ok(b),
        Principal::Device { .. } => Err(HubError::Forbidden("only buyers may do this")),
    }
}

/// The farm's farmer (a device whose role may manage the farm's devices):
/// its id and farms.
pub(super) fn farmer(p: Principal) -> Result<(DeviceId, BTreeSet<FarmId>)> {
    match p {
        Principal::Device {
            id, role, farms, ..
        } if may_manage_devices(role) => Ok((id, farms)),
        Principal::Device { .. } => Err(HubError::Forbidden(
            "only the farm's farmer may see or remove its devices",
        )),
        Principal::Buyer(_) => Err(HubError::Forbidden("only enrolled devices may do this")),
    }
}

/// True if `role` may list and remove its farm's devices (the role
/// matrix in `farmlive_protocol::roles` decides).
fn may_manage_devices(role: Role) -> bool {
    roles::allows(role, Capability::ManageDevices)
}
