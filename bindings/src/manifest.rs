//! The dispatch manifest for the apps' "load the trucks" screen: the core's
//! manifest (orders still to ship by route and ship-by day) with its CSV
//! and printable labels ready to share or print.

use crate::error::{FarmLiveError, Result};
use crate::facade::{FarmLive, check_text};
use farmlive_core::manifest::{ManifestFilter, civil_date};
use farmlive_core::protocol::Lang;

/// One route and day of the manifest.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DispatchGroup {
    /// The destination city's id (`-` for orders without a city).
    pub city: String,
    /// The carrier (empty without a route).
    pub carrier: String,
    /// The day they must ship by, `YYYY-MM-DD` in the farm's zone.
    pub ship_by_day: String,
    /// The orders' ids, oldest ship-by first.
    pub order_ids: Vec<String>,
    /// How many are non-contact.
    pub non_contact: u32,
}

/// A dispatch manifest (see [`FarmLive::dispatch_manifest`]).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DispatchManifest {
    /// Its groups, by day, then city.
    pub groups: Vec<DispatchGroup>,
    /// One row per order, for the carrier (UTF-8 CSV).
    pub csv: String,
    /// A printable A4 page of labels (HTML): each with the order id as a
    /// QR code, the city, the non-contact flag and a line for tracking.
    pub labels_html: String,
}

#[uniffi::export]
impl FarmLive {
    /// The orders still to ship, grouped by route and ship-by day, offline:
    /// only to `city` (id, Chinese name or pinyin) if given, in a zone
    /// `utc_offset_minutes` east of UTC, labels in `lang`.
    pub fn dispatch_manifest(
        &self,
        city: Option<String>,
        utc_offset_minutes: i32,
        lang: String,
    ) -> Result<DispatchManifest> {
        if let Some(c) = &city {
            check_text("city", c)?;
        }
        check_text("language", &lang)?;
        if !(-720..=840).contains(&utc_offset_minutes) {
            return Err(FarmLiveError::bad_input(format!(
                "{utc_offset_minutes} minutes is not an offset from UTC (−720 to 840)"
            )));
        }
        let m = self.core.manifest(&ManifestFilter {
            city,
            day: None,
            utc_offset_minutes,
        })?;
        Ok(DispatchManifest {
            groups: m
                .groups
                .iter()
                .map(|g| DispatchGroup {
                    city: g.city.clone(),
                    carrier: g.carrier.clone(),
                    ship_by_day: civil_date(g.day),
                    order_ids: g.lines.iter().map(|l| l.order.clone()).collect(),
                    non_contact: g.lines.iter().filter(|l| l.non_contact).count() as u32,
                })
                .collect(),
            csv: m.to_csv(),
            labels_html: m.to_html(Lang::from_tag(&lang)),
        })
    }
}
