//! Issue 15: the sales screen's figures through the bindings, from an
//! order a buyer placed through a real hub (in-process on loopback), in
//! Chinese with ¥ and 公斤; a made-up UTC offset is refused as bad input.

mod common;

use common::{block_on, hub, open};
use farmlive_core::protocol::{BuyerContact, Delivery};
use farmlive_core::sync::BuyerClient;
use farmlive_ffi::*;

#[test]
fn the_sales_report_counts_a_synced_order_in_the_shell_s_language() {
    let hub = hub("Li orchard");
    let (_d, fl) = open();
    block_on(fl.enrol(hub.url.clone(), hub.code.clone(), "phone".into())).expect("enrol");
    let listing = fl
        .create_listing(ListingDraft {
            farm: None,
            title: "Guifei mangoes".into(),
            description: String::new(),
            unit: SellingUnit::Jin,
            price: Money {
                minor: 800,
                currency: "CNY".into(),
            },
            stock: 100,
        })
        .expect("listing");
    block_on(fl.sync(None)).expect("sync");
    let empty = fl.sales_report(None, 480, "zh-CN".into()).expect("report");
    assert_eq!(
        (empty.today.orders, empty.today.revenue_text.as_str()),
        (0, "-")
    );

    let contact = BuyerContact {
        name: "Wang".into(),
        phone: "+86 139 0000 0001".into(),
        address: "Beijing".into(),
    };
    block_on(async {
        let (buyer, _) = BuyerClient::sign_up(&hub.url, &contact)
            .await
            .expect("buyer");
        let id = listing.id.parse().expect("id");
        buyer
            .order(id, 3, Delivery::Standard, "k1")
            .await
            .expect("order");
    });
    block_on(fl.sync(None)).expect("sync");

    let r = fl.sales_report(None, 480, "zh-CN".into()).expect("report");
    assert_eq!(r.today.orders, 1);
    assert_eq!(r.today.grams, 1_500, "3 斤");
    assert_eq!(r.today.revenue_text, "¥24.00");
    assert_eq!(r.today.sold_text, "1.5 公斤");
    assert_eq!(r.weekly.len(), 13);
    assert_eq!(r.top[0].title, "Guifei mangoes");
    let en = fl
        .sales_report(Some("Li orchard".into()), 480, "en".into())
        .expect("en");
    assert_eq!(en.today.revenue_text, "24.00 CNY");

    let e = fl
        .sales_report(None, 24 * 60, "en".into())
        .expect_err("no such zone");
    assert!(e.is_bad_input(), "{e:?}");
}
