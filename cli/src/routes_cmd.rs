//! `farmlive hub routes import | list | origin | cities`: the operator's
//! delivery routes (issue 15), through the store's operator interface.

use crate::args_sync::RoutesCommand;
use crate::hub_cmd::fail;
use crate::output::{Output, table};
use crate::{CmdResult, Failure};
use farmlive_core::protocol::cities::cities;
use farmlive_core::protocol::routes::parse_csv;

/// `farmlive hub routes …`
pub fn run(cmd: RoutesCommand, out: &Output) -> CmdResult {
    match cmd {
        RoutesCommand::Cities => {
            let rows: Vec<Vec<String>> = cities()
                .iter()
                .map(|c| {
                    vec![
                        c.id.to_owned(),
                        c.name_zh.to_owned(),
                        c.pinyin.to_owned(),
                        format!("{} ({})", c.province_zh, c.province_en),
                    ]
                })
                .collect();
            println!("{}", table(&["ID", "城市", "PINYIN", "PROVINCE"], &rows));
            Ok(())
        }
        RoutesCommand::Import { file, store } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| Failure::input(format!("cannot read {}: {e}", file.display())))?;
            let routes = parse_csv(&text).map_err(|errors| {
                let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
                Failure::input(format!(
                    "{}: nothing imported:\n  {}",
                    file.display(),
                    lines.join("\n  ")
                ))
            })?;
            let db = crate::hub_cmd::open(&store)?;
            let n = db.import_routes(&routes).map_err(fail)?;
            println!("{n} routes imported");
            Ok(())
        }
        RoutesCommand::List { store } => {
            let db = crate::hub_cmd::open(&store)?;
            let routes = db.routes().map_err(fail)?;
            let origins = db.farm_origins().map_err(fail)?;
            if out.json {
                let routes: Vec<_> = routes
                    .iter()
                    .map(|r| {
                        serde_json::json!({ "origin": r.origin, "destination": r.destination,
                                            "carrier": r.carrier, "transit_days": r.transit_days })
                    })
                    .collect();
                out.print_json(&serde_json::json!({ "routes": routes, "origins": origins }));
                return Ok(());
            }
            let rows: Vec<Vec<String>> = routes
                .iter()
                .map(|r| {
                    vec![
                        r.origin.to_owned(),
                        r.destination.to_owned(),
                        r.carrier.clone(),
                        r.transit_days.to_string(),
                    ]
                })
                .collect();
            println!(
                "{}",
                table(&["ORIGIN", "DESTINATION", "CARRIER", "DAYS"], &rows)
            );
            for (farm, city) in origins {
                println!("{farm}: ships from {city}");
            }
            Ok(())
        }
        RoutesCommand::Origin { farm, city, store } => {
            let db = crate::hub_cmd::open(&store)?;
            db.set_farm_origin(&farm, &city).map_err(fail)?;
            println!("{farm} ships from {}", city.trim());
            Ok(())
        }
    }
}
