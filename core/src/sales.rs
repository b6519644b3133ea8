//! The farm's sales on the device: totals, weeks, best sellers and on-air
//! sales from the orders this device has synced, offline. The figures are
//! the shared rule's (`protocol::sales`); this module only reads the orders.

use crate::error::Result;
use crate::{Core, order_rows};
use farmlive_protocol::FarmId;
use farmlive_protocol::sales::{SalesReport, SalesWindow, sales_report};

impl Core {
    /// The sales of `farm` (every farm this device serves if `None`) in a
    /// zone `utc_offset_minutes` from UTC (480 in China), from the orders
    /// synced so far, over a season of
    /// [`farmlive_protocol::sales::SEASON_WEEKS`] weeks ending now.
    pub fn sales(&self, farm: Option<FarmId>, utc_offset_minutes: i32) -> Result<SalesReport> {
        self.sales_in(farm, &self.sales_window(utc_offset_minutes))
    }

    /// The default window at the device's now, to adjust before
    /// [`Core::sales_in`] (season length, how many best sellers).
    pub fn sales_window(&self, utc_offset_minutes: i32) -> SalesWindow {
        SalesWindow::new(self.now_ms(), utc_offset_minutes)
    }

    /// [`Core::sales`] over `window` (another season length, more or fewer
    /// best sellers, another "now").
    pub fn sales_in(&self, farm: Option<FarmId>, window: &SalesWindow) -> Result<SalesReport> {
        let states = {
            let conn = self.store.reader();
            let mut stmt =
                conn.prepare_cached("SELECT state FROM orders WHERE ?1 IS NULL OR farm_id = ?1")?;
            let rows = stmt
                .query_map([farm.map(|f| f.to_string())], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.iter()
                .map(|s| order_rows::parse(s))
                .collect::<Result<Vec<_>>>()?
        };
        Ok(sales_report(&states, window))
    }
}
