//! Ship-by reminders for the apps' notifications: 12 hours and 2 hours
//! before an order must ship, each once, decided by the core from the
//! orders the device holds (so offline too).

use crate::error::Result;
use crate::facade::{FarmLive, check_text};
use crate::remote::SellingUnit;
use farmlive_core::protocol::Lang;

/// An order that must ship soon (see [`FarmLive::ship_reminders`]).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ShipReminder {
    /// The order's id.
    pub order_id: String,
    /// What was ordered.
    pub title: String,
    /// How much, in `unit`.
    pub quantity: i64,
    /// The unit of `quantity`.
    pub unit: SellingUnit,
    /// Hours left before the ship-by when the reminder fell due (12 or 2).
    pub hours_left: u32,
    /// When it must ship by (UTC ms).
    pub ship_by_ms: i64,
    /// The destination city's id, when ordered over a route.
    pub city: Option<String>,
    /// The notification's text, in the language asked for.
    pub text: String,
}

impl ShipReminder {
    /// The core's reminder, with its text in `lang`.
    pub(crate) fn new(r: farmlive_core::ShipReminder, lang: Lang) -> ShipReminder {
        ShipReminder {
            text: r.message().render(lang),
            order_id: r.order.to_string(),
            title: r.title,
            quantity: r.quantity,
            unit: r.unit,
            hours_left: r.hours_left,
            ship_by_ms: r.ship_by,
            city: r.city,
        }
    }
}

#[uniffi::export]
impl FarmLive {
    /// The ship-by reminders now due that were not given before, most
    /// urgent first, each given once: call it after a sync (and on a timer
    /// while the app is open) and show each as a notification. None for an
    /// order already past its ship-by (it shows as overdue instead). Texts
    /// in `lang` (`zh-CN` or `en`).
    pub fn ship_reminders(&self, lang: String) -> Result<Vec<ShipReminder>> {
        check_text("language", &lang)?;
        let lang = Lang::from_tag(&lang);
        Ok(self
            .core
            .ship_reminders()?
            .into_iter()
            .map(|r| ShipReminder::new(r, lang))
            .collect())
    }
}
