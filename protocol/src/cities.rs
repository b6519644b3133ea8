//! The cities orders ship to: 68 major Chinese cities (`data/cities.csv`,
//! where the list comes from is said at its top), each with its names in
//! Chinese and pinyin, its province, and where it lies, so that a buyer's
//! city can be named either way and an unserved one answered with the
//! nearest served cities.

use std::sync::OnceLock;

const CITIES_CSV: &str = include_str!("../data/cities.csv");

/// A destination city.
#[derive(Debug, Clone, PartialEq)]
pub struct City {
    /// Stable id: the pinyin, lower case, no spaces (`beijing`, `xian`).
    pub id: &'static str,
    /// Its name in Chinese (`北京`).
    pub name_zh: &'static str,
    /// Its name in pinyin (`Beijing`).
    pub pinyin: &'static str,
    /// Its province in Chinese (`河北省`; a municipality is its own).
    pub province_zh: &'static str,
    /// Its province in English.
    pub province_en: &'static str,
    /// Latitude of its centre, degrees north.
    pub lat: f64,
    /// Longitude of its centre, degrees east.
    pub lon: f64,
}

impl City {
    /// Its name in `lang`: Chinese, or pinyin.
    pub fn name(&self, lang: crate::Lang) -> &'static str {
        match lang {
            crate::Lang::Zh => self.name_zh,
            crate::Lang::En => self.pinyin,
        }
    }

    /// Great-circle distance to `other`, in km.
    pub fn km_to(&self, other: &City) -> f64 {
        const EARTH_KM: f64 = 6_371.0;
        let (a, b) = (self.lat.to_radians(), other.lat.to_radians());
        let dlat = b - a;
        let dlon = (other.lon - self.lon).to_radians();
        let h = (dlat / 2.0).sin().powi(2) + a.cos() * b.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * EARTH_KM * h.sqrt().asin()
    }
}

/// Every city, in the file's order.
pub fn cities() -> &'static [City] {
    static CITIES: OnceLock<Vec<City>> = OnceLock::new();
    CITIES.get_or_init(|| {
        CITIES_CSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("id,") && !l.trim().is_empty())
            .map(|l| {
                let f: Vec<&'static str> = l.split(',').collect();
                let deg = |s: &str| s.parse::<f64>().unwrap_or(f64::NAN);
                City {
                    id: f[0],
                    name_zh: f[1],
                    pinyin: f[2],
                    province_zh: f[3],
                    province_en: f[4],
                    lat: deg(f[5]),
                    lon: deg(f[6]),
                }
            })
            .collect()
    })
}

/// The city `text` names: its id, its Chinese name (with or without 市),
/// or its pinyin (any case, spaces and apostrophes ignored: `Xi'an`,
/// `xian`, `XI AN`).
pub fn find_city(text: &str) -> Option<&'static City> {
    let t = text.trim();
    let zh = t.strip_suffix('市').unwrap_or(t);
    let folded: String = t
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\'' && *c != '’' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    cities().iter().find(|c| {
        c.name_zh == zh
            || c.id == folded
            || c.pinyin
                .chars()
                .filter(|ch| *ch != '\'')
                .flat_map(char::to_lowercase)
                .eq(folded.chars())
    })
}

/// The city with this id.
pub fn city(id: &str) -> Option<&'static City> {
    cities().iter().find(|c| c.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_holds_more_than_fifty_cities_each_complete_and_unique() {
        let all = cities();
        assert!(all.len() > 50, "{}", all.len());
        let mut ids: Vec<&str> = all.iter().map(|c| c.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len(), "ids are unique");
        for c in all {
            assert!(!c.name_zh.is_empty() && !c.pinyin.is_empty(), "{c:?}");
            assert!(
                !c.province_zh.is_empty() && !c.province_en.is_empty(),
                "{c:?}"
            );
            // Inside China's bounding box.
            assert!((18.0..54.0).contains(&c.lat), "{c:?}");
            assert!((73.0..135.0).contains(&c.lon), "{c:?}");
            assert_eq!(find_city(c.id), Some(c));
            assert_eq!(find_city(c.name_zh), Some(c), "{}", c.name_zh);
        }
    }

    #[test]
    fn a_city_is_found_by_any_of_its_names() {
        let xian = city("xian").unwrap();
        for name in ["xian", "Xi'an", "XI AN", "西安", "西安市", " 西安 "] {
            assert_eq!(find_city(name), Some(xian), "{name}");
        }
        assert_eq!(find_city("Haerbin").map(|c| c.id), Some("harbin"));
        assert_eq!(find_city("Atlantis"), None);
        assert_eq!(find_city(""), None);
    }

    #[test]
    fn distances_are_great_circle_kilometres() {
        let km = city("beijing").unwrap().km_to(city("shanghai").unwrap());
        assert!(
            (1_000.0..1_150.0).contains(&km),
            "Beijing–Shanghai is ~1,070 km: {km}"
        );
        let zero = city("sanya").unwrap().km_to(city("sanya").unwrap());
        assert!(zero.abs() < 1e-6);
    }
}
