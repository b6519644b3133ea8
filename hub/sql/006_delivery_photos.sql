-- FarmLive hub, schema 6: a non-contact order is delivered with a photo of
-- the parcel at the door.
--
-- The order's state (JSON) holds the photo; these columns name its image
-- and thumbnail blobs, so the photo collector keeps them while the order
-- does, the farm keeps its claim on them, and the hub serves them to the
-- order's buyer without reading JSON. Written only by
-- store/sqlite/records.rs (save_order), in the same statement as the state.
ALTER TABLE orders ADD COLUMN delivery_photo TEXT;
ALTER TABLE orders ADD COLUMN delivery_thumb TEXT;
CREATE INDEX orders_by_delivery_photo ON orders (delivery_photo)
    WHERE delivery_photo IS NOT NULL;
CREATE INDEX orders_by_delivery_thumb ON orders (delivery_thumb)
    WHERE delivery_thumb IS NOT NULL;

-- No hub before this one stored a delivery photo; should a state carry one
-- (restored from a newer hub's backup), the columns say so too.
UPDATE orders
   SET delivery_photo = json_extract(state, '$.delivery_photo.sha256'),
       delivery_thumb = json_extract(state, '$.delivery_photo.thumb_sha256')
 WHERE json_extract(state, '$.delivery_photo.sha256') IS NOT NULL;
