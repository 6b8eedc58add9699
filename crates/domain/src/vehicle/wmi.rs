//! The tables behind VIN decoding: World Manufacturer Identifiers (positions 1–3) and the
//! ISO 3780 country ranges (positions 1–2).
//!
//! Only codes confirmed by at least one authoritative or two independent sources are listed:
//! NHTSA's vPIC register, the openpilot/opendbc fingerprint tables, the WMI list of the
//! `vininfo` project (from Wikipedia), and real VINs. A code that is missing decodes to its
//! country only; a wrong maker would be worse than none.

/// A manufacturer's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wmi {
    pub code: &'static str,
    pub maker: &'static str,
    pub maker_zh: &'static str,
    /// Catalogue brand keys ([`crate::vehicle::catalog`]) sold under this code: hints for a
    /// form, not proof.
    pub brands: &'static [&'static str],
    /// Set when the maker registered the code in another country than the plant's (Tesla's
    /// Berlin plant carries a Dutch-range code).
    pub country_override: Option<&'static str>,
}

const fn w(
    code: &'static str,
    maker: &'static str,
    maker_zh: &'static str,
    brands: &'static [&'static str],
    country_override: Option<&'static str>,
) -> Wmi {
    Wmi {
        code,
        maker,
        maker_zh,
        brands,
        country_override,
    }
}

/// Sorted by code, for binary search.
#[rustfmt::skip]
pub(super) static WMIS: &[Wmi] = &[
w("1C4", "Chrysler (Jeep, Dodge)", "克莱斯勒（Jeep、道奇）", &["jeep", "chrysler", "dodge"], None),
    w("1FA", "Ford", "福特", &["ford"], None),
    w("1FM", "Ford", "福特", &["ford"], None),
    w("1FT", "Ford", "福特", &["ford"], None),
    w("1G1", "Chevrolet", "雪佛兰", &["chevrolet"], None),
    w("1G4", "Buick", "别克", &["buick"], None),
    w("1G6", "Cadillac", "凯迪拉克", &["cadillac"], None),
    w("1GC", "Chevrolet", "雪佛兰", &["chevrolet"], None),
    w("1GK", "GMC", "GMC", &["gmc"], None),
    w("1GY", "Cadillac", "凯迪拉克", &["cadillac"], None),
    w("1HG", "Honda (Ohio)", "本田（俄亥俄）", &["honda"], None),
    w("1J4", "Jeep", "Jeep", &["jeep"], None),
    w("1LN", "Lincoln", "林肯", &["lincoln"], None),
    w("1N4", "Nissan North America", "日产（北美）", &["nissan"], None),
    w("1VW", "Volkswagen (Chattanooga)", "大众（查塔努加）", &["volkswagen"], None),
    w("3MW", "BMW (Mexico)", "宝马（墨西哥）", &["bmw"], None),
    w("3VW", "Volkswagen (Mexico)", "大众（墨西哥）", &["volkswagen"], None),
    w("4JG", "Mercedes-Benz (Alabama)", "梅赛德斯-奔驰（阿拉巴马）", &["mercedes_benz"], None),
    w("4T1", "Toyota (Kentucky)", "丰田（肯塔基）", &["toyota"], None),
    w("4US", "BMW (Spartanburg)", "宝马（斯帕坦堡）", &["bmw"], None),
    w("5FN", "Honda", "本田", &["honda"], None),
    w("5J6", "Honda", "本田", &["honda"], None),
    w("5J8", "Acura", "讴歌", &["acura"], None),
    w("5LM", "Lincoln", "林肯", &["lincoln"], None),
    w("5N1", "Nissan North America", "日产（北美）", &["nissan"], None),
    w("5NM", "Hyundai (Alabama)", "现代（阿拉巴马）", &["hyundai"], None),
    w("5TD", "Toyota", "丰田", &["toyota"], None),
    w("5UX", "BMW (Spartanburg)", "宝马（斯帕坦堡）", &["bmw"], None),
    w("5XY", "Kia (Georgia)", "起亚（佐治亚）", &["kia"], None),
    w("5YJ", "Tesla (Fremont)", "特斯拉（弗里蒙特）", &["tesla"], None),
    w("5YM", "BMW M (Spartanburg)", "宝马M（斯帕坦堡）", &["bmw"], None),
    w("7G2", "Tesla (Austin)", "特斯拉（奥斯汀）", &["tesla"], None),
    w("7JR", "Volvo Cars (South Carolina)", "沃尔沃（南卡罗来纳）", &["volvo"], None),
    w("7SA", "Tesla", "特斯拉", &["tesla"], None),
    w("JA3", "Mitsubishi", "三菱", &["mitsubishi"], None),
    w("JA4", "Mitsubishi", "三菱", &["mitsubishi"], None),
    w("JF1", "Subaru", "斯巴鲁", &["subaru"], None),
    w("JF2", "Subaru", "斯巴鲁", &["subaru"], None),
    w("JH4", "Acura", "讴歌", &["acura"], None),
    w("JHL", "Honda", "本田", &["honda"], None),
    w("JHM", "Honda", "本田", &["honda"], None),
    w("JM1", "Mazda", "马自达", &["mazda"], None),
    w("JM3", "Mazda", "马自达", &["mazda"], None),
    w("JN1", "Nissan", "日产", &["nissan"], None),
    w("JN8", "Nissan", "日产", &["nissan"], None),
    w("JNK", "Infiniti", "英菲尼迪", &["infiniti"], None),
    w("JS2", "Suzuki", "铃木", &["suzuki"], None),
    w("JS3", "Suzuki", "铃木", &["suzuki"], None),
    w("JTD", "Toyota", "丰田", &["toyota"], None),
    w("JTE", "Toyota", "丰田", &["toyota"], None),
    w("JTH", "Lexus", "雷克萨斯", &["lexus"], None),
    w("JTJ", "Lexus", "雷克萨斯", &["lexus"], None),
    w("JTM", "Toyota", "丰田", &["toyota"], None),
    w("JTN", "Toyota", "丰田", &["toyota"], None),
    w("KM8", "Hyundai", "现代", &["hyundai"], None),
    w("KMH", "Hyundai", "现代", &["hyundai", "genesis"], None),
    w("KMT", "Genesis", "捷尼赛思", &["genesis"], None),
    w("KMU", "Genesis", "捷尼赛思", &["genesis"], None),
    w("KNA", "Kia", "起亚", &["kia"], None),
    w("KND", "Kia", "起亚", &["kia"], None),
    w("KNM", "Renault Samsung", "雷诺三星", &["renault"], None),
    w("L1N", "XPeng Motors", "小鹏汽车", &["xpeng"], None),
    w("L6T", "Geely", "吉利汽车", &["geely"], None),
    w("LB3", "Geely", "吉利汽车", &["geely"], None),
    w("LBE", "Beijing Hyundai", "北京现代", &["hyundai"], None),
    w("LBV", "BMW Brilliance", "华晨宝马", &["bmw"], None),
    w("LC0", "BYD", "比亚迪", &["byd"], None),
    w("LDC", "Dongfeng Peugeot-Citroën", "神龙汽车", &["peugeot", "citroen"], None),
    w("LE4", "Beijing Benz", "北京奔驰", &["mercedes_benz"], None),
    w("LFM", "FAW Toyota", "一汽丰田", &["toyota"], None),
    w("LFP", "FAW Car", "一汽轿车", &["hongqi", "bestune"], None),
    w("LFV", "FAW-Volkswagen", "一汽-大众", &["volkswagen", "audi", "jetta"], None),
    w("LGA", "Dongfeng Motor", "东风汽车", &["dongfeng"], None),
    w("LGB", "Dongfeng Nissan", "东风日产", &["nissan", "venucia"], None),
    w("LGJ", "Dongfeng Fengshen", "东风风神", &["dongfeng"], None),
    w("LGW", "Great Wall Motor", "长城汽车", &["haval", "wey", "tank", "great_wall"], None),
    w("LGX", "BYD Auto", "比亚迪", &["byd"], None),
    w("LH1", "FAW Haima", "一汽海马", &["haima"], None),
    w("LHG", "GAC Honda", "广汽本田", &["honda"], None),
    w("LJ1", "JAC Motors", "江淮汽车", &["jac"], None),
    w("LJD", "Dongfeng Yueda Kia", "东风悦达起亚", &["kia"], None),
    w("LLV", "Lifan", "力帆汽车", &["lifan"], None),
    w("LMG", "GAC Motor", "广汽乘用车", &["trumpchi"], None),
    w("LPA", "Changan PSA", "长安标致雪铁龙", &["ds"], None),
    w("LPE", "BYD", "比亚迪", &["byd"], None),
    w("LPS", "Polestar", "极星", &["polestar"], None),
    w("LRB", "SAIC General Motors", "上汽通用", &["buick"], None),
    w("LRE", "SAIC General Motors", "上汽通用", &["cadillac"], None),
    w("LRW", "Tesla (Shanghai)", "特斯拉（上海）", &["tesla"], None),
    w("LS5", "Changan Automobile", "长安汽车", &["changan"], None),
    w("LSG", "SAIC General Motors", "上汽通用", &["buick", "chevrolet", "cadillac"], None),
    w("LSJ", "SAIC Motor Passenger Vehicle", "上汽乘用车", &["roewe", "mg"], None),
    w("LSV", "SAIC Volkswagen", "上汽大众", &["volkswagen", "skoda"], None),
    w("LSY", "Brilliance Auto", "华晨汽车", &["brilliance"], None),
    w("LTV", "FAW Toyota (Tianjin)", "一汽丰田（天津）", &["toyota"], None),
    w("LVG", "GAC Toyota", "广汽丰田", &["toyota"], None),
    w("LVH", "Dongfeng Honda", "东风本田", &["honda"], None),
    w("LVP", "DFSK (Dongfeng Sokon)", "东风小康", &["dfsk"], None),
    w("LVR", "Changan Mazda", "长安马自达", &["mazda"], None),
    w("LVS", "Changan Ford", "长安福特", &["ford"], None),
    w("LVV", "Chery Automobile", "奇瑞汽车", &["chery"], None),
    w("LVY", "Volvo Cars (China)", "沃尔沃汽车（中国）", &["volvo"], None),
    w("LWV", "GAC Fiat Chrysler", "广汽菲克", &["jeep", "fiat"], None),
    w("LYV", "Volvo Cars (China)", "沃尔沃汽车（中国）", &["volvo"], None),
    w("LZW", "SAIC-GM-Wuling", "上汽通用五菱", &["wuling", "baojun"], None),
    w("SAD", "Jaguar", "捷豹", &["jaguar"], None),
    w("SAJ", "Jaguar", "捷豹", &["jaguar"], None),
    w("SAL", "Land Rover", "路虎", &["land_rover"], None),
    w("SBM", "McLaren", "迈凯伦", &["mclaren"], None),
    w("SCA", "Rolls-Royce", "劳斯莱斯", &["rolls_royce"], None),
    w("SCB", "Bentley", "宾利", &["bentley"], None),
    w("SCC", "Lotus", "路特斯", &["lotus"], None),
    w("SCF", "Aston Martin", "阿斯顿·马丁", &["aston_martin"], None),
    w("SHH", "Honda (UK)", "本田（英国）", &["honda"], None),
    w("TMB", "Škoda", "斯柯达", &["skoda"], None),
    w("TRU", "Audi (Hungary)", "奥迪（匈牙利）", &["audi"], None),
    w("VF1", "Renault", "雷诺", &["renault"], None),
    w("VF3", "Peugeot", "标致", &["peugeot"], None),
    w("VF7", "Citroën", "雪铁龙", &["citroen"], None),
    w("W0L", "Opel", "欧宝", &["opel"], None),
    w("W1K", "Mercedes-Benz", "梅赛德斯-奔驰", &["mercedes_benz"], None),
    w("W1N", "Mercedes-Benz", "梅赛德斯-奔驰", &["mercedes_benz"], None),
    w("WA1", "Audi", "奥迪", &["audi"], None),
    w("WAU", "Audi", "奥迪", &["audi"], None),
    w("WB5", "BMW", "宝马", &["bmw"], None),
    w("WBA", "BMW", "宝马", &["bmw"], None),
    w("WBS", "BMW M", "宝马M", &["bmw"], None),
    w("WBX", "BMW", "宝马", &["bmw"], None),
    w("WBY", "BMW i", "宝马i", &["bmw"], None),
    w("WDB", "Mercedes-Benz", "梅赛德斯-奔驰", &["mercedes_benz"], None),
    w("WDC", "Mercedes-Benz", "梅赛德斯-奔驰", &["mercedes_benz"], None),
    w("WDD", "Mercedes-Benz", "梅赛德斯-奔驰", &["mercedes_benz"], None),
    w("WF0", "Ford (Germany)", "福特（德国）", &["ford"], None),
    w("WME", "smart", "smart", &["smart"], None),
    w("WMW", "MINI", "MINI", &["mini"], None),
    w("WP0", "Porsche", "保时捷", &["porsche"], None),
    w("WP1", "Porsche", "保时捷", &["porsche"], None),
    w("WUA", "Audi Sport", "奥迪Sport", &["audi"], None),
    w("WV1", "Volkswagen Commercial Vehicles", "大众商用车", &["volkswagen"], None),
    w("WV2", "Volkswagen Commercial Vehicles", "大众商用车", &["volkswagen"], None),
    w("WVG", "Volkswagen", "大众", &["volkswagen"], None),
    w("WVW", "Volkswagen", "大众", &["volkswagen"], None),
    w("XP7", "Tesla (Berlin)", "特斯拉（柏林）", &["tesla"], Some("DE")),
    w("YSM", "Polestar", "极星", &["polestar"], None),
    w("YV1", "Volvo Cars", "沃尔沃", &["volvo"], None),
    w("YV4", "Volvo Cars", "沃尔沃", &["volvo"], None),
    w("ZAM", "Maserati", "玛莎拉蒂", &["maserati"], None),
    w("ZAR", "Alfa Romeo", "阿尔法·罗密欧", &["alfa_romeo"], None),
    w("ZFA", "Fiat", "菲亚特", &["fiat"], None),
    w("ZFF", "Ferrari", "法拉利", &["ferrari"], None),
    w("ZHW", "Lamborghini", "兰博基尼", &["lamborghini"], None),
];

pub(super) fn wmi(code: &str) -> Option<&'static Wmi> {
    WMIS.binary_search_by(|w| w.code.cmp(code))
        .ok()
        .map(|i| &WMIS[i])
}

/// A country, by its ISO 3166-1 alpha-2 code and English short name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    pub code: &'static str,
    pub name: &'static str,
}

const fn c(code: &'static str, name: &'static str) -> Country {
    Country { code, name }
}

/// The order ISO 3780 ranges run in: letters, then 1–9, then 0.
const RANGE_ORDER: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ1234567890";

/// (first character, second from, second to, country). SAE's assignments as published in
/// Wikipedia's table; unassigned ranges are absent.
#[rustfmt::skip]
static COUNTRY_RANGES: &[(u8, u8, u8, Country)] = &[
    (b'A', b'A', b'H', c("ZA", "South Africa")),
    (b'A', b'J', b'K', c("CI", "Côte d'Ivoire")),
    (b'A', b'L', b'M', c("LS", "Lesotho")),
    (b'A', b'N', b'P', c("BW", "Botswana")),
    (b'A', b'R', b'S', c("NA", "Namibia")),
    (b'A', b'T', b'U', c("MG", "Madagascar")),
    (b'A', b'V', b'W', c("MU", "Mauritius")),
    (b'A', b'X', b'Y', c("TN", "Tunisia")),
    (b'A', b'Z', b'1', c("CY", "Cyprus")),
    (b'A', b'2', b'3', c("ZW", "Zimbabwe")),
    (b'A', b'4', b'5', c("MZ", "Mozambique")),
    (b'B', b'A', b'B', c("AO", "Angola")),
    (b'B', b'F', b'G', c("KE", "Kenya")),
    (b'B', b'L', b'L', c("NG", "Nigeria")),
    (b'B', b'R', b'R', c("DZ", "Algeria")),
    (b'B', b'3', b'4', c("LY", "Libya")),
    (b'C', b'A', b'B', c("EG", "Egypt")),
    (b'C', b'F', b'G', c("MA", "Morocco")),
    (b'C', b'L', b'M', c("ZM", "Zambia")),
    (b'D', b'A', b'E', c("EG", "Egypt")),
    (b'H', b'A', b'0', c("CN", "China")),
    (b'J', b'A', b'0', c("JP", "Japan")),
    (b'K', b'F', b'H', c("IL", "Israel")),
    (b'K', b'L', b'R', c("KR", "South Korea")),
    (b'K', b'S', b'T', c("JO", "Jordan")),
    (b'L', b'A', b'0', c("CN", "China")),
    (b'M', b'A', b'E', c("IN", "India")),
    (b'M', b'F', b'K', c("ID", "Indonesia")),
    (b'M', b'L', b'R', c("TH", "Thailand")),
    (b'M', b'S', b'S', c("MM", "Myanmar")),
    (b'M', b'U', b'U', c("MN", "Mongolia")),
    (b'M', b'X', b'X', c("KZ", "Kazakhstan")),
    (b'M', b'1', b'6', c("IN", "India")),
    (b'N', b'A', b'E', c("IR", "Iran")),
    (b'N', b'F', b'G', c("PK", "Pakistan")),
    (b'N', b'J', b'J', c("IQ", "Iraq")),
    (b'N', b'L', b'R', c("TR", "Turkey")),
    (b'N', b'S', b'T', c("UZ", "Uzbekistan")),
    (b'N', b'U', b'U', c("AZ", "Azerbaijan")),
    (b'N', b'Y', b'Y', c("AM", "Armenia")),
    (b'N', b'1', b'5', c("IR", "Iran")),
    (b'P', b'A', b'C', c("PH", "Philippines")),
    (b'P', b'F', b'G', c("SG", "Singapore")),
    (b'P', b'L', b'R', c("MY", "Malaysia")),
    (b'P', b'S', b'T', c("BD", "Bangladesh")),
    (b'R', b'A', b'B', c("AE", "United Arab Emirates")),
    (b'R', b'F', b'K', c("TW", "Taiwan")),
    (b'R', b'L', b'N', c("VN", "Vietnam")),
    (b'R', b'P', b'P', c("LA", "Laos")),
    (b'R', b'S', b'T', c("SA", "Saudi Arabia")),
    (b'R', b'U', b'W', c("RU", "Russia")),
    (b'R', b'1', b'1', c("HK", "Hong Kong")),
    (b'S', b'A', b'M', c("GB", "United Kingdom")),
    (b'S', b'N', b'T', c("DE", "Germany")),
    (b'S', b'U', b'Z', c("PL", "Poland")),
    (b'S', b'1', b'2', c("LV", "Latvia")),
    (b'T', b'A', b'H', c("CH", "Switzerland")),
    (b'T', b'J', b'P', c("CZ", "Czech Republic")),
    (b'T', b'R', b'V', c("HU", "Hungary")),
    (b'T', b'W', b'2', c("PT", "Portugal")),
    (b'T', b'3', b'5', c("RS", "Serbia")),
    (b'T', b'6', b'6', c("AD", "Andorra")),
    (b'U', b'A', b'C', c("ES", "Spain")),
    (b'U', b'H', b'M', c("DK", "Denmark")),
    (b'U', b'N', b'R', c("IE", "Ireland")),
    (b'U', b'U', b'W', c("RO", "Romania")),
    (b'U', b'1', b'2', c("MK", "North Macedonia")),
    (b'U', b'5', b'7', c("SK", "Slovakia")),
    (b'U', b'8', b'0', c("BA", "Bosnia and Herzegovina")),
    (b'V', b'A', b'E', c("AT", "Austria")),
    (b'V', b'F', b'R', c("FR", "France")),
    (b'V', b'S', b'W', c("ES", "Spain")),
    (b'V', b'X', b'2', c("RS", "Serbia")),
    (b'V', b'3', b'5', c("HR", "Croatia")),
    (b'V', b'6', b'8', c("EE", "Estonia")),
    (b'W', b'A', b'0', c("DE", "Germany")),
    (b'X', b'A', b'C', c("BG", "Bulgaria")),
    (b'X', b'D', b'E', c("RU", "Russia")),
    (b'X', b'F', b'H', c("GR", "Greece")),
    (b'X', b'J', b'K', c("RU", "Russia")),
    (b'X', b'L', b'R', c("NL", "Netherlands")),
    (b'X', b'S', b'W', c("RU", "Russia")),
    (b'X', b'X', b'Y', c("LU", "Luxembourg")),
    (b'X', b'Z', b'0', c("RU", "Russia")),
    (b'Y', b'A', b'E', c("BE", "Belgium")),
    (b'Y', b'F', b'K', c("FI", "Finland")),
    (b'Y', b'N', b'N', c("MT", "Malta")),
    (b'Y', b'S', b'W', c("SE", "Sweden")),
    (b'Y', b'X', b'2', c("NO", "Norway")),
    (b'Y', b'3', b'5', c("BY", "Belarus")),
    (b'Y', b'6', b'8', c("UA", "Ukraine")),
    (b'Z', b'A', b'U', c("IT", "Italy")),
    (b'Z', b'X', b'Z', c("SI", "Slovenia")),
    (b'Z', b'1', b'1', c("SM", "San Marino")),
    (b'Z', b'3', b'5', c("LT", "Lithuania")),
    (b'Z', b'6', b'0', c("RU", "Russia")),
    (b'1', b'A', b'0', c("US", "United States")),
    (b'2', b'A', b'5', c("CA", "Canada")),
    (b'3', b'A', b'X', c("MX", "Mexico")),
    (b'3', b'5', b'5', c("DO", "Dominican Republic")),
    (b'3', b'6', b'6', c("HN", "Honduras")),
    (b'3', b'7', b'7', c("PA", "Panama")),
    (b'3', b'8', b'9', c("PR", "Puerto Rico")),
    (b'4', b'A', b'0', c("US", "United States")),
    (b'5', b'A', b'0', c("US", "United States")),
    (b'6', b'A', b'X', c("AU", "Australia")),
    (b'6', b'Y', b'1', c("NZ", "New Zealand")),
    (b'7', b'A', b'0', c("US", "United States")),
    (b'8', b'A', b'E', c("AR", "Argentina")),
    (b'8', b'F', b'G', c("CL", "Chile")),
    (b'8', b'L', b'N', c("EC", "Ecuador")),
    (b'8', b'S', b'T', c("PE", "Peru")),
    (b'8', b'X', b'Z', c("VE", "Venezuela")),
    (b'8', b'2', b'2', c("BO", "Bolivia")),
    (b'9', b'A', b'E', c("BR", "Brazil")),
    (b'9', b'F', b'G', c("CO", "Colombia")),
    (b'9', b'S', b'V', c("UY", "Uruguay")),
    (b'9', b'2', b'9', c("BR", "Brazil")),
];

fn range_index(ch: u8) -> Option<usize> {
    RANGE_ORDER.iter().position(|&c| c == ch)
}

/// The country that assigned a VIN's first two characters.
pub(super) fn country(first: u8, second: u8) -> Option<Country> {
    let at = range_index(second)?;
    COUNTRY_RANGES
        .iter()
        .find(|(f, from, to, _)| {
            *f == first
                && range_index(*from).is_some_and(|lo| lo <= at)
                && range_index(*to).is_some_and(|hi| at <= hi)
        })
        .map(|(.., country)| *country)
}

/// A country by its ISO code, among those VIN ranges name.
pub(super) fn country_by_code(code: &str) -> Option<Country> {
    COUNTRY_RANGES
        .iter()
        .map(|(.., country)| *country)
        .find(|country| country.code == code)
}

/// The continent of a VIN's first character (ISO 3780 regions; `H` was reassigned from Africa
/// to China).
pub(super) fn region(first: u8) -> Option<&'static str> {
    Some(match first {
        b'A'..=b'G' => "Africa",
        b'H' | b'J' | b'K' | b'L' | b'M' | b'N' | b'P' | b'R' => "Asia",
        b'S'..=b'Z' => "Europe",
        b'1'..=b'5' | b'7' => "North America",
        b'6' => "Oceania",
        b'8' | b'9' => "South America",
        _ => return None,
    })
}
