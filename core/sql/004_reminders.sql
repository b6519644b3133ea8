-- Ship-by reminders this device has given the farmer (issue 15): each
-- order's 12-hour and 2-hour reminder once, whether it was given at a sync
-- or while a show was on air. Written by src/reminders.rs.

CREATE TABLE ship_reminders (
    order_id TEXT NOT NULL,
    hours    INTEGER NOT NULL,              -- before the ship-by
    given_at INTEGER NOT NULL,
    PRIMARY KEY (order_id, hours)
) WITHOUT ROWID;
