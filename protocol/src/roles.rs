//! Who may do what: the role matrix, written once. The hub enforces it on
//! every device request and every pushed op; the device's core enforces it
//! before it queues anything offline, so an agent is told at once, not at
//! the next sync.
//!
//! A farmer owns the farm: listings, prices, rooms (and prices during a
//! show), orders, buyers' contact details and the farm's devices. An agent
//! lists produce for its farms — listings, photos, stock — and nothing more.
//! Both may ask the experts. An expert belongs to no farm: it reads the
//! open questions of every farm and answers them, and nothing else — no
//! farm's listings feed, orders, buyers' contacts, farm names or devices.
//! Buyers are not a device role: they see public listings and rooms and only
//! their own orders (the hub checks that per order).

use crate::api::Role;
use crate::ops::OpBody;
use crate::rejection::Rejection;

/// Something a device may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    /// Create and edit listings (title, description, unit, price), pause,
    /// resume or archive them.
    ListProduce,
    /// Upload photos and attach them to listings, or remove them.
    UploadPhotos,
    /// Set or adjust stock.
    SetStock,
    /// Open, end and follow the farm's live rooms.
    RunRooms,
    /// Pin and unpin listings in a live room, at a live price: prices
    /// during a show.
    PinPrices,
    /// Accept, pack, ship, deliver or cancel orders.
    ActOnOrders,
    /// See the farm's orders, which carry the buyer's name, phone and
    /// delivery address.
    SeeBuyerContact,
    /// List and revoke the farm's devices.
    ManageDevices,
    /// Ask the experts a question, follow it up, resolve it.
    AskExperts,
    /// Read the open questions of every farm (without the farm) and
    /// answer them, with photos.
    AnswerQuestions,
    /// Publish guides (the programme's courses) every device reads.
    PublishGuides,
}

impl Capability {
    /// Every capability, in matrix order.
    pub const ALL: [Capability; 11] = [
        Capability::ListProduce,
        Capability::UploadPhotos,
        Capability::SetStock,
        Capability::RunRooms,
        Capability::PinPrices,
        Capability::ActOnOrders,
        Capability::SeeBuyerContact,
        Capability::ManageDevices,
        Capability::AskExperts,
        Capability::AnswerQuestions,
        Capability::PublishGuides,
    ];

    /// Short words for people and tables.
    pub fn describe(self) -> &'static str {
        match self {
            Capability::ListProduce => "create and edit listings",
            Capability::UploadPhotos => "upload and attach photos",
            Capability::SetStock => "set and adjust stock",
            Capability::RunRooms => "open, follow and end live rooms",
            Capability::PinPrices => "pin listings at a live price",
            Capability::ActOnOrders => "accept, pack, ship or cancel orders",
            Capability::SeeBuyerContact => "see orders and buyers' contact details",
            Capability::ManageDevices => "list and revoke the farm's devices",
            Capability::AskExperts => "ask the experts, follow up, resolve",
            Capability::AnswerQuestions => "read the experts' queue and answer",
            Capability::PublishGuides => "publish guides",
        }
    }

    /// What a device that may not do this is told: what is refused and
    /// whose it is.
    pub fn refusal(self) -> &'static str {
        match self {
            Capability::ListProduce | Capability::UploadPhotos | Capability::SetStock => {
                "this device may not list produce"
            }
            Capability::RunRooms => {
                "only the farmer's phone can go live: an agent's device cannot open, follow or end a live room"
            }
            Capability::PinPrices => {
                "only the farmer's phone can pin or unpin during a show and set its live price"
            }
            Capability::ActOnOrders => {
                "only the farmer's phone can accept, pack, ship or cancel orders"
            }
            Capability::SeeBuyerContact => {
                "only the farmer's phone sees orders and buyers' contact details"
            }
            Capability::ManageDevices => "only the farmer's phone can manage the farm's devices",
            Capability::AskExperts => "only a farm's devices can ask the experts",
            Capability::AnswerQuestions => {
                "only an expert's device can read the experts' queue and answer questions"
            }
            Capability::PublishGuides => {
                "only an expert's device (or the hub's operator) can publish guides"
            }
        }
    }
}

/// True if a device of `role` may do `capability`. The whole matrix.
pub fn allows(role: Role, capability: Capability) -> bool {
    use Capability::*;
    match role {
        Role::Farmer => !matches!(capability, AnswerQuestions | PublishGuides),
        Role::Agent => matches!(
            capability,
            ListProduce | UploadPhotos | SetStock | AskExperts
        ),
        Role::Expert => matches!(capability, AnswerQuestions | PublishGuides),
    }
}

/// `Ok` if `role` may do `capability`, else the refusal as a rejection
/// (code `not_allowed`), as a pushed op or an offline action gets it.
pub fn check(role: Role, capability: Capability) -> Result<(), Rejection> {
    if allows(role, capability) {
        Ok(())
    } else {
        Err(Rejection::new("not_allowed", capability.refusal()))
    }
}

/// What a device needs to be allowed to push `op`.
pub fn needed_for(op: &OpBody) -> Capability {
    match op {
        OpBody::ListingCreate { .. }
        | OpBody::ListingEdit { .. }
        | OpBody::ListingStatus { .. } => Capability::ListProduce,
        OpBody::StockSet { .. } | OpBody::StockAdjust { .. } => Capability::SetStock,
        OpBody::PhotoAttach { .. } | OpBody::PhotoRemove { .. } => Capability::UploadPhotos,
        OpBody::OrderAction { .. } => Capability::ActOnOrders,
        OpBody::QuestionAsk { .. }
        | OpBody::QuestionFollowUp { .. }
        | OpBody::QuestionResolve { .. } => Capability::AskExperts,
    }
}

/// The matrix as a Markdown table (capabilities down, roles across).
pub fn matrix_markdown() -> String {
    let roles = [Role::Farmer, Role::Agent, Role::Expert];
    let mut out = String::from("| capability |");
    for r in roles {
        out.push_str(&format!(" {} |", r.as_str()));
    }
    out.push_str("\n| --- |");
    for _ in roles {
        out.push_str(" --- |");
    }
    out.push('\n');
    for c in Capability::ALL {
        out.push_str(&format!("| {} |", c.describe()));
        for r in roles {
            out.push_str(if allows(r, c) { " yes |" } else { " no |" });
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::{CancelledBy, OrderAction};
    use crate::{ListingId, OrderId};

    #[test]
    fn the_matrix() {
        let table = matrix_markdown();
        println!("{table}");
        let agent: Vec<_> = Capability::ALL
            .into_iter()
            .filter(|c| allows(Role::Agent, *c))
            .collect();
        assert_eq!(
            agent,
            [
                Capability::ListProduce,
                Capability::UploadPhotos,
                Capability::SetStock,
                Capability::AskExperts,
            ],
            "an agent lists produce and asks the experts, nothing more"
        );
        assert!(
            Capability::ALL
                .into_iter()
                .filter(|c| !matches!(c, Capability::AnswerQuestions | Capability::PublishGuides))
                .all(|c| allows(Role::Farmer, c))
        );
        assert_eq!(table.lines().count(), 2 + Capability::ALL.len());
        assert!(table.contains("| pin listings at a live price | yes | no | no |"));
        assert!(table.contains("| publish guides | no | no | yes |"));
    }

    #[test]
    fn every_op_kind_needs_a_capability_and_agents_may_not_act_on_orders() {
        let listing = ListingId::new();
        let order = OpBody::OrderAction {
            order: OrderId::new(),
            action: OrderAction::Cancel {
                by: CancelledBy::Farmer,
                reason: "no".into(),
            },
        };
        let rejection = check(Role::Agent, needed_for(&order)).unwrap_err();
        assert_eq!(rejection.code, "not_allowed");
        assert!(
            rejection.message.contains("farmer"),
            "{}",
            rejection.message
        );
        assert!(check(Role::Farmer, needed_for(&order)).is_ok());
        let stock = OpBody::StockAdjust { listing, delta: 1 };
        assert_eq!(needed_for(&stock), Capability::SetStock);
        assert!(check(Role::Agent, needed_for(&stock)).is_ok());
        let photo = OpBody::PhotoRemove {
            listing,
            sha256: "00".into(),
        };
        assert!(check(Role::Agent, needed_for(&photo)).is_ok());
    }

    #[test]
    fn an_expert_answers_and_sees_nothing_of_a_farm() {
        let expert: Vec<_> = Capability::ALL
            .into_iter()
            .filter(|c| allows(Role::Expert, *c))
            .collect();
        assert_eq!(
            expert,
            [Capability::AnswerQuestions, Capability::PublishGuides]
        );
        for private in [
            Capability::SeeBuyerContact,
            Capability::ManageDevices,
            Capability::ActOnOrders,
            Capability::ListProduce,
        ] {
            assert!(check(Role::Expert, private).is_err(), "{private:?}");
        }
        // Farmers and agents ask; neither answers.
        let ask = OpBody::QuestionAsk {
            question: crate::QuestionId::new(),
            farm: crate::FarmId::new(),
            text: "why?".into(),
            crop: "mango".into(),
            region: "Hainan".into(),
            photos: vec![],
        };
        assert_eq!(needed_for(&ask), Capability::AskExperts);
        assert!(check(Role::Farmer, needed_for(&ask)).is_ok());
        assert!(check(Role::Agent, needed_for(&ask)).is_ok());
        let refused = check(Role::Expert, needed_for(&ask)).unwrap_err();
        assert_eq!(refused.code, "not_allowed");
        assert!(!allows(Role::Farmer, Capability::AnswerQuestions));
        assert!(!allows(Role::Agent, Capability::AnswerQuestions));
        assert_eq!(Role::parse("expert"), Some(Role::Expert));
        assert!(!Role::Expert.has_farms());
    }
}
